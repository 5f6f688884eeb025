package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.producer.Iteration;
import dev.simsnap.producer.RunSpec;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.registry.client.RestSchemaRegistryClient;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.generation.PersonaGenotype;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.serde.AvroSerializer;
import dev.simsnap.service.http.SnapshotServer;
import dev.simsnap.simulate.PersonaEvolutionModel;
import dev.simsnap.snapshot.deadletter.DeadLetterHeaders;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs nobody planned for, against a real broker, the real registry and a real {@link SnapshotServer} (REST):
 * two producers on schema versions 1 and 2 of one record in one run, a poison record, a 20,000-member generation,
 * a hostile run id and an unknown run over REST. Each gets its documented outcome.
 */
// Its own broker: the dead-letter counts it asserts must not include other classes' records, which were framed by
// other registries and read as corrupt by this one.
@RealKafka(restartable = true)
class HostileInputIT {

    private static final String NAME = "HostileInputIT";
    private static final String ID = UUID.randomUUID().toString().substring(0, 8);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    private static String bootstrap;
    private static SchemaRegistryServer registry;
    private static SnapshotServer server;
    private static String url;

    @BeforeAll
    static void start(KafkaBroker broker) throws Exception {
        long t0 = System.nanoTime();
        bootstrap = broker.bootstrapServers();
        KafkaIo.createSimsnapTopics(broker);
        registry = SchemaRegistryServer.builder(bootstrap).port(0).topic("_simsnap_schemas_hostile_" + ID).build().start();
        server = SnapshotServer.builder().bootstrapServers(bootstrap).schemaRegistryUrl(registry.url())
                .stateDir(tmp.resolve("state")).outputRoot(tmp.resolve("out")).applicationId("simsnap-hostile-" + ID)
                .http("127.0.0.1", 0).partitions(3).standbyReplicas(0)
                .streamsProperty("commit.interval.ms", 100).build().start();
        server.awaitRunning(Duration.ofSeconds(45));
        url = server.url();
        Chaos.log(NAME, "registry + snapshot server up", t0);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void producersOnSchemaVersionOneAndTwoWriteOneRun() throws Exception {
        String run = "hostile-v2-" + ID;
        long t0 = System.nanoTime();
        String subject = Contracts.subject(Contracts.DELTAS_TOPIC, IterationCommitted.getClassSchema());
        Schema v2 = new Schema.Parser().parse(IterationCommitted.getClassSchema().toString()
                .replaceFirst("]\\s*}\\s*$", ",{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}]}"));
        assertEquals(IterationCommitted.getClassSchema().getFields().size() + 1, v2.getFields().size());
        Properties config = new Properties();
        config.setProperty("bootstrap.servers", bootstrap);
        config.setProperty("schema.registry.url", registry.url());
        try (SimsnapWorker w0 = SimsnapWorker.builder().environment(Map.of()).config(config).run(run).worker("w0")
                .build();
             RestSchemaRegistryClient client = RestSchemaRegistryClient.builder().urls(registry.url()).build();
             KafkaProducer<String, byte[]> v2Producer = KafkaIo.producer(bootstrap)) {
            assertTrue(w0.startRun(RunSpec.of("trading-arena", "w0", "w1")));
            try (Iteration it = w0.beginIteration(0, 0)) { // v1: the generated IterationCommitted
                it.upsert(Person.newBuilder().setPersonId(0).setName("V One").setOccupation("Tester")
                        .setPrinciple("p").setInvestmentDuration("short-term").setDailyIncomeFromJob("100")
                        .setCash(1000.0).setMinimumLivingExpense(50.0).setReflectFrequency(2).build());
                it.commit();
            }
            assertEquals(1, client.versions(subject).size(), "the v1 worker registered version 1 of " + subject);
            int v1Id = client.version(subject, "latest").id();

            client.setCompatibility(subject, "BACKWARD");

            GenericRecord commit = new GenericData.Record(v2);
            commit.put("run_id", run);
            commit.put("worker_id", "w1");
            commit.put("iteration", 0L);
            commit.put("virtual_date", 0);
            commit.put("delta_count", 0);
            commit.put("last_sequence", -1L);
            commit.put("clock", Map.of());
            commit.put("note", "written with schema v2");
            AvroSerializer<GenericRecord> generic = new AvroSerializer<>(client, Map.of(), false);
            // auto-registers v2; the registry accepts it under BACKWARD (an added optional field)
            byte[] bytes = generic.serialize(Contracts.DELTAS_TOPIC, commit);
            assertEquals(2, client.versions(subject).size(), "versions of " + subject);
            int v2Id = client.version(subject, "2").id();
            assertThat(v2Id).isNotEqualTo(v1Id);
            assertEquals(v2Id, ByteBuffer.wrap(bytes, 1, 4).getInt(), "the record carries the v2 schema id");
            assertEquals(v2.getFields().size(), client.getById(v2Id).getFields().size(), "v2 has the added field");
            KafkaIo.send(v2Producer, Contracts.DELTAS_TOPIC, run, bytes);

            // Iteration 0 is consistent only once w1's v2 commit has been read; then w0 (v1) goes on.
            Chaos.awaitRun(server.service(), run, 0, false);
            try (Iteration it = w0.beginIteration(1, 0)) {
                it.commit();
            }
            commit.put("iteration", 1L);
            KafkaIo.send(v2Producer, Contracts.DELTAS_TOPIC, run, generic.serialize(Contracts.DELTAS_TOPIC, commit));
            Chaos.awaitRun(server.service(), run, 1, false);
            assertEquals("V One", JsonTrees.read(server.service().reader().entity(run, EntityType.PERSON, null, "0")
                    .orElseThrow().getBytes(StandardCharsets.UTF_8)).get("name").asText());
            assertEquals(0, server.service().deadLetterStats().count(DeadLetterReasons.CORRUPT_AVRO));
            assertEquals(0, server.service().deadLetterStats().count(DeadLetterReasons.UNKNOWN_SCHEMA_ID));

            // Iterations out of range: past the consistent iteration is 409, not a number is 400; nothing written.
            HttpResponse<String> ahead = Chaos.post(url + "/runs/" + run + "/snapshots?iteration=5");
            assertEquals(409, ahead.statusCode(), ahead.body());
            assertEquals(409, JSON.readTree(ahead.body()).get("status").asInt(), ahead.body());
            HttpResponse<String> garbage = Chaos.post(url + "/runs/" + run + "/snapshots?iteration=five");
            assertEquals(400, garbage.statusCode(), garbage.body());
            HttpResponse<String> asOf = Chaos.post(url + "/runs/" + run + "/snapshots?iteration=1");
            assertEquals(201, asOf.statusCode(), asOf.body());
            Path folder = Path.of(JSON.readTree(asOf.body()).get("path").asText());
            assertTrue(Files.exists(folder.resolve("save/persona.json")), folder.toString());
            assertFalse(Files.exists(folder.resolveSibling(run + "@5")), "no folder for the refused iteration");
        }
        Chaos.log(NAME, "v1 and v2 producers in one run: both read, iteration 1 consistent", t0);
    }

    @Test
    void poisonRecordIsDeadLetteredWithItsReason() throws Exception {
        String run = "hostile-poison-" + ID;
        long t0 = System.nanoTime();
        byte[] poison = "{\"not\": \"avro\"}".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<String, byte[]> raw = KafkaIo.producer(bootstrap)) {
            RecordMetadata sent = KafkaIo.send(raw, Contracts.DELTAS_TOPIC, run, poison);
            List<ConsumerRecord<String, byte[]>> dead = KafkaIo.readByKey(bootstrap, Contracts.DEAD_LETTER_TOPIC, run,
                    1, Duration.ofSeconds(30));
            assertEquals(1, dead.size());
            ConsumerRecord<String, byte[]> r = dead.get(0);
            assertEquals(DeadLetterReasons.BAD_MAGIC_BYTE, header(r, DeadLetterHeaders.REASON));
            assertEquals("" + sent.offset(), header(r, DeadLetterHeaders.SOURCE_OFFSET));
            assertArrayEquals(poison, r.value(), "dead letter keeps the value unchanged");
        }
        assertEquals(404, Chaos.get(url + "/runs/" + run).statusCode(), "a poison record creates no run");
        Chaos.log(NAME, "poison record dead-lettered (bad-magic-byte)", t0);
    }

    @Test
    void twentyThousandMemberGenerationIsVisibleWhole() throws Exception {
        String run = "hostile-pop-" + ID;
        int population = 20_000;
        long t0 = System.nanoTime();
        PersonaEvolutionModel model = new PersonaEvolutionModel(population, 3);
        int gen = model.advance();
        List<PersonaGenotype> members = model.members();
        assertEquals(population, members.size());
        Properties config = new Properties();
        config.setProperty("bootstrap.servers", bootstrap);
        config.setProperty("schema.registry.url", registry.url());
        try (SimsnapWorker w = SimsnapWorker.builder().environment(Map.of()).config(config).run(run).worker("w0")
                .build()) {
            w.startRun(RunSpec.of("persona-evolution", "w0"));
            int chunks = w.publishGeneration(gen, members, model.scores());
            assertThat(chunks).isGreaterThan(1);
            Chaos.log(NAME, "20,000 members published in " + chunks + " chunks", t0);
        }
        long deadline = System.nanoTime() + Chaos.WAIT.toNanos();
        while (System.nanoTime() < deadline && !server.service().reader().generationIds(run).contains(gen)) {
            Chaos.sleep(100);
        }
        assertEquals(List.of(gen), server.service().reader().generationIds(run));
        HttpResponse<String> one = Chaos.get(url + "/runs/" + run + "/generations/" + gen);
        assertEquals(200, one.statusCode());
        assertEquals(population, JSON.readTree(one.body()).size());
        HttpResponse<String> created = Chaos.post(url + "/runs/" + run + "/snapshots");
        assertEquals(201, created.statusCode(), created.body());
        Path folder = Path.of(JSON.readTree(created.body()).get("path").asText());
        JsonNode file = JsonTrees.read(folder.resolve("persona_data/gen_" + gen + ".json"));
        assertEquals(population, file.size(), "gen_" + gen + ".json members");
        JsonTrees.assertSame(JsonTrees.of(members.get(0)), file.get(0), "first member");
        JsonTrees.assertSame(JsonTrees.of(members.get(population - 1)), file.get(population - 1), "last member");
        Chaos.log(NAME, "gen_" + gen + ".json holds 20,000 members", t0);
    }

    @Test
    void hostileRunIdIs400AndUnknownRunIs404() throws Exception {
        Path out = tmp.resolve("out");
        Map<String, String> problems = Map.of("..%2F..%2Fetc", "it contains an encoded '/' (%2F)",
                ".hidden", "it starts with '.'", "a%2Fb", "it contains an encoded '/' (%2F)",
                "a%5Cb", "it contains an encoded '\\' (%5C)", "a%00b", "it contains an encoded NUL byte (%00)");
        for (Map.Entry<String, String> hostile : problems.entrySet()) {
            String expected = "invalid run id '" + hostile.getKey() + "': " + hostile.getValue();
            HttpResponse<String> g = Chaos.get(url + "/runs/" + hostile.getKey());
            assertEquals(400, g.statusCode(), "GET /runs/" + hostile + ": " + g.body());
            assertThat(JSON.readTree(g.body()).get("error").asText()).startsWith(expected);
            HttpResponse<String> p = Chaos.post(url + "/runs/" + hostile.getKey() + "/snapshots");
            assertEquals(400, p.statusCode(), "POST /runs/" + hostile + "/snapshots: " + p.body());
            assertThat(JSON.readTree(p.body()).get("error").asText()).startsWith(expected);
        }
        assertEquals(400, Chaos.get(url + "/runs/..").statusCode());
        HttpResponse<String> bad = Chaos.get(url + "/runs/..%2F..%2Fetc/snapshot");
        assertEquals(400, bad.statusCode());
        assertFalse(Files.exists(tmp.resolve("etc")) || Files.exists(out.getParent().getParent().resolve("etc")),
                "nothing written outside the output root");
        String unknown = "hostile-nobody-" + ID;
        for (HttpResponse<String> r : List.of(Chaos.get(url + "/runs/" + unknown),
                Chaos.post(url + "/runs/" + unknown + "/snapshots"), Chaos.get(url + "/runs/" + unknown + "/snapshot"),
                Chaos.get(url + "/runs/" + unknown + "/generations/0"))) {
            assertEquals(404, r.statusCode(), r.request().uri() + ": " + r.body());
            assertEquals(404, JSON.readTree(r.body()).get("status").asInt(), r.body());
        }
        assertFalse(Files.exists(out.resolve(unknown)));
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
