package dev.simsnap.importer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.producer.TestStack;
import dev.simsnap.producer.cli.ProducerMain;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.generation.GenerationChunk;
import dev.simsnap.schema.generation.GenerationSealed;
import dev.simsnap.schema.generation.PersonaGenotype;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunEnded;
import dev.simsnap.schema.run.RunStarted;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code import} through the real CLI, broker and registry; the topics read back must equal the files. */
@RealKafka
class ImportCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Properties config;

    ImportCommandTest(KafkaBroker broker) {
        this.config = TestStack.config(broker);
    }

    @Test
    void importedFolderReadsBackAsTheFilesValues() throws Exception {
        String run = TestStack.uniqueRun("import");
        Path save = resource("seed/save/sim01");
        Path personas = resource("seed/persona_data");
        StringWriter err = new StringWriter();
        int exit = execute(err, "import", "--run", run, "--save-dir", save.toString(), "--persona-dir",
                personas.toString());
        assertThat(exit).as(err.toString()).isZero();

        List<Object> deltas = TestStack.records(config, Contracts.DELTAS_TOPIC, run, true).stream()
                .map(ConsumerRecord::value).collect(Collectors.toList());
        assertThat(deltas.get(0)).isInstanceOf(RunStarted.class);
        assertThat(deltas.get(deltas.size() - 1)).isInstanceOf(RunEnded.class);
        IterationCommitted committed = (IterationCommitted) deltas.get(deltas.size() - 2);
        JsonNode info = JSON.readTree(save.resolve("information.json").toFile());
        assertThat(committed.getIteration()).isEqualTo(info.get("iteration").asLong());
        assertThat(committed.getVirtualDate()).isEqualTo(info.get("virtual_date").asInt());
        List<StateDelta> upserts = deltas.stream().filter(StateDelta.class::isInstance).map(StateDelta.class::cast)
                .collect(Collectors.toList());
        assertThat(upserts).allMatch(d -> d.getOp() == Operation.UPSERT);
        assertThat(committed.getDeltaCount()).isEqualTo(upserts.size());

        assertMatches(info, only(upserts, EntityType.INFORMATION).get(0));
        JsonNode persons = JSON.readTree(save.resolve("persona.json").toFile());
        List<SpecificRecord> personRecords = only(upserts, EntityType.PERSON);
        assertThat(personRecords).hasSize(persons.size());
        for (int i = 0; i < persons.size(); i++) {
            assertMatches(persons.get(i), personRecords.get(i));
        }
        JsonNode stocks = JSON.readTree(save.resolve("stocks.json").toFile());
        List<SpecificRecord> stockRecords = only(upserts, EntityType.STOCK);
        assertThat(stockRecords).hasSize(stocks.size());
        for (int i = 0; i < stocks.size(); i++) {
            assertMatches(stocks.get(i), stockRecords.get(i));
        }

        List<Object> generations = TestStack.records(config, Contracts.GENERATIONS_TOPIC, run, true).stream()
                .map(ConsumerRecord::value).collect(Collectors.toList());
        for (int g = 0; g <= 1; g++) {
            int generation = g;
            JsonNode file = JSON.readTree(personas.resolve("gen_" + g + ".json").toFile());
            List<PersonaGenotype> members = new ArrayList<>();
            generations.stream().filter(GenerationChunk.class::isInstance).map(GenerationChunk.class::cast)
                    .filter(c -> c.getGeneration() == generation).forEach(c -> members.addAll(c.getMembers()));
            assertThat(members).hasSize(file.size());
            for (int i = 0; i < file.size(); i++) {
                assertMatches(file.get(i), members.get(i));
            }
            assertThat(generations.stream().filter(GenerationSealed.class::isInstance)
                    .map(GenerationSealed.class::cast).filter(s -> s.getGeneration() == generation))
                    .singleElement().extracting(GenerationSealed::getMemberCount).isEqualTo(file.size());
        }
    }

    @Test
    void malformedJsonFailsWithFileLineAndColumnAndPublishesNothing() throws Exception {
        String run = TestStack.uniqueRun("malformed");
        StringWriter err = new StringWriter();
        int exit = execute(err, "import", "--run", run, "--save-dir", resource("seed-malformed/save/bad").toString());
        assertThat(exit).isNotZero();
        String message = err.toString().strip();
        assertThat(message).doesNotContain("\n").contains("persona.json:5:");
        assertThat(TestStack.records(config, Contracts.DELTAS_TOPIC, run, false)).isEmpty();
        assertThat(TestStack.records(config, Contracts.GENERATIONS_TOPIC, run, false)).isEmpty();
    }

    private int execute(StringWriter err, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-servers", config.getProperty("bootstrap.servers"),
                "--schema-registry-url", config.getProperty("schema.registry.url")));
        CommandLine cli = new CommandLine(new ProducerMain());
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(all.toArray(String[]::new));
    }

    private static List<SpecificRecord> only(List<StateDelta> deltas, EntityType type) {
        return deltas.stream().filter(d -> d.getEntityType() == type).map(d -> (SpecificRecord) d.getPayload())
                .collect(Collectors.toList());
    }

    /** Every key of the file's object has the same value in the record (numbers compared as numbers). */
    static void assertMatches(JsonNode expected, Object actual) {
        if (expected.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                Object value = actual instanceof SpecificRecord
                        ? ((SpecificRecord) actual).get(((SpecificRecord) actual).getSchema().getField(field.getKey()).pos())
                        : ((Map<?, ?>) actual).get(field.getKey());
                assertMatches(field.getValue(), value);
            }
            assertThat(actual instanceof Map ? ((Map<?, ?>) actual).size() : expected.size())
                    .isEqualTo(expected.size());
        } else if (expected.isArray()) {
            List<?> list = (List<?>) actual;
            assertThat(list).hasSize(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                assertMatches(expected.get(i), list.get(i));
            }
        } else if (expected.isNumber()) {
            assertThat(((Number) actual).doubleValue()).isEqualTo(expected.doubleValue());
        } else {
            assertThat(actual).isEqualTo(expected.textValue());
        }
    }

    private static Path resource(String name) throws URISyntaxException {
        return new File(ImportCommandTest.class.getClassLoader().getResource(name).toURI()).toPath();
    }
}
