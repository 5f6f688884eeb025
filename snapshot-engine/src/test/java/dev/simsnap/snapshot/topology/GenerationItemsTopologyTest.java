package dev.simsnap.snapshot.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.simsnap.model.BuiltInKinds;
import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.registry.client.SchemaRegistry;
import dev.simsnap.schema.generation.GenerationChunk;
import dev.simsnap.schema.generation.GenerationSealed;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.serde.WireFormat;
import dev.simsnap.engine.entity.SchemaLookup;
import dev.simsnap.snapshot.deadletter.DeadLetterHeaders;
import dev.simsnap.snapshot.delta.GenerationItems;
import dev.simsnap.snapshot.delta.ItemStore;
import dev.simsnap.snapshot.read.ModelGenerations;
import dev.simsnap.snapshot.read.RunStateReader;
import dev.simsnap.snapshot.run.RunMeta;
import dev.simsnap.snapshot.store.SnapshotStores;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/** Generations of any shape, each rendered in the shape it was written with; saving one again replaces it. */
class GenerationItemsTopologyTest {

    private TopologyHarness h;
    private StateModel persona;
    private Schema v1;
    private Schema v3;
    private int v1Id;
    private int v3Id;

    @BeforeEach
    void start() throws Exception {
        h = new TopologyHarness();
        persona = BuiltInKinds.get("persona-evolution");
        CollectionSpec population = persona.collection("population").orElseThrow();
        SchemaRegistry registry = h.registry();
        registry.setCompatibility(population.subject(), "NONE");
        v1 = population.schemas().get(0);
        v3 = population.schemas().get(3);
        v1Id = registry.register(population.subject(), v1);
        v3Id = registry.register(population.subject(), v3);
        h.send("evo", RunStarted.newBuilder().setRunId("evo").setKind("persona-evolution")
                .setExpectedWorkers(List.of("w0")).setModel(persona.toJson()).setForkedFrom(null).build());
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private GenericRecord v1(String name) {
        GenericRecord r = new GenericData.Record(v1);
        r.put("name", name);
        r.put("age", 30L);
        r.put("occupation", "o");
        r.put("backstory", "b");
        r.put("core_values", List.of());
        r.put("hobbies", List.of());
        r.put("personality_traits", new java.util.LinkedHashMap<String, Double>());
        r.put("communication_style", "c");
        r.put("topical_focus", "t");
        r.put("interaction_policy", "i");
        r.put("goals", List.of());
        return r;
    }

    private GenericRecord v3(String name) {
        GenericRecord r = new GenericData.Record(v3);
        r.put("name", name);
        r.put("bio", "bio of " + name);
        return r;
    }

    /** One save of a generation: its members in chunks of {@code perChunk}, then the seal. */
    private void save(int generation, long step, int sealedCount, List<GenericRecord> members, int perChunk) {
        List<ByteBuffer> framed = new ArrayList<>();
        for (GenericRecord m : members) {
            int id = m.getSchema() == v1 ? v1Id : v3Id;
            framed.add(ByteBuffer.wrap(WireFormat.frame(id, ItemCodec.encodeUpsert(m.getSchema(), m))));
        }
        int chunks = 0;
        for (int first = 0; first < framed.size(); first += perChunk) {
            h.sendGeneration("evo", GenerationChunk.newBuilder().setRunId("evo").setWorkerId("w0")
                    .setGeneration(generation).setChunkIndex(chunks++).setFirstMemberIndex(first)
                    .setCollection("population").setItems(framed.subList(first, Math.min(first + perChunk,
                            framed.size()))).build());
        }
        h.sendGeneration("evo", GenerationSealed.newBuilder().setRunId("evo").setWorkerId("w0")
                .setGeneration(generation).setMemberCount(sealedCount).setChunkCount(chunks)
                .setCollection("population").setStep(step).build());
    }

    private String file(String path) {
        byte[] b = h.reader.runState("evo").orElseThrow().layoutFiles().get(path);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void eachGenerationInItsOwnShapeAndTheLatestSaveWins() {
        save(0, 0, 3, List.of(v1("a"), v1("b"), v1("c")), 2);
        save(1, 1, 1, List.of(v3("d")), 1);
        assertThat(file("persona_data/gen_0.json")).contains("\"age\": 30").doesNotContain("\"bio\"");
        assertThat(file("persona_data/gen_1.json")).isEqualTo(
                "[\n  {\n    \"name\": \"d\",\n    \"bio\": \"bio of d\"\n  }\n]");

        // The engine resumed from generation 0 saves it again, now with the v3 model.
        save(0, 2, 1, List.of(v3("a2")), 5);
        assertThat(file("persona_data/gen_0.json")).contains("\"bio\": \"bio of a2\"").doesNotContain("\"age\"");

        // A seal that does not match its chunks is dead-lettered; the generation keeps its last good version.
        save(1, 3, 2, List.of(v3("x")), 1);
        assertThat(h.deadLetters()).singleElement().satisfies(r -> assertThat(new String(
                r.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8))
                .isEqualTo("invalid-generation"));
        assertThat(file("persona_data/gen_1.json")).contains("\"name\": \"d\"");
    }

    @Test
    void everySaveIsAVersionAndAsOfReadsSeeTheOneSavedByThen() {
        save(0, 1, 2, List.of(v1("a"), v1("b")), 1);
        save(1, 2, 1, List.of(v3("d")), 1);
        save(0, 4, 1, List.of(v3("a2")), 1); // re-saved at step 4: version 1

        ModelGenerations all = h.reader.modelGenerations("evo", false).orElseThrow();
        assertThat(all.consistentStep()).isEqualTo(-1);
        assertThat(all.collections().keySet()).containsExactly("population", "transcripts"); // the model's order
        assertThat(all.collections().get("transcripts")).isEmpty();
        var population = all.collections().get("population");
        assertThat(population).containsOnlyKeys(0L, 1L);
        assertThat(population.get(0L)).extracting(GenerationItems.Version::version, GenerationItems.Version::step,
                GenerationItems.Version::memberCount).containsExactly(tuple(0, 1L, 2), tuple(1, 4L, 1));
        assertThat(population.get(0L)).allSatisfy(v -> assertThat(v.members()).isEmpty());
        assertThat(population.get(1L)).extracting(GenerationItems.Version::version, GenerationItems.Version::step)
                .containsExactly(tuple(0, 2L));

        assertThat(GenerationItems.asOf(population.get(0L), 3L).version()).isEqualTo(0);
        assertThat(GenerationItems.asOf(population.get(0L), 4L).version()).isEqualTo(1);
        assertThat(GenerationItems.asOf(population.get(0L), null).version()).isEqualTo(1);
        assertThat(GenerationItems.asOf(population.get(1L), 1L)).isNull();

        assertThat(h.reader.generationMembers("evo", "population", 0, 0).orElseThrow()).containsExactly(
                "{\"name\": \"a\", \"age\": 30, \"occupation\": \"o\", \"backstory\": \"b\", \"core_values\": [],"
                        + " \"hobbies\": [], \"personality_traits\": {}, \"communication_style\": \"c\","
                        + " \"topical_focus\": \"t\", \"interaction_policy\": \"i\", \"goals\": []}",
                "{\"name\": \"b\", \"age\": 30, \"occupation\": \"o\", \"backstory\": \"b\", \"core_values\": [],"
                        + " \"hobbies\": [], \"personality_traits\": {}, \"communication_style\": \"c\","
                        + " \"topical_focus\": \"t\", \"interaction_policy\": \"i\", \"goals\": []}");
        assertThat(h.reader.generationMembers("evo", "population", 0, 1).orElseThrow())
                .containsExactly("{\"name\": \"a2\", \"bio\": \"bio of a2\"}");
        assertThat(h.reader.generationMembers("evo", "population", 0, 2)).isEmpty();

        // Rendered as of step 3: generation 0 as first saved, generation 1; as of step 1: generation 0 only.
        assertThat(asOf(3L)).containsOnlyKeys("persona_data/gen_0.json", "persona_data/gen_1.json");
        assertThat(asOf(3L).get("persona_data/gen_0.json")).contains("\"name\": \"b\"").doesNotContain("bio");
        assertThat(asOf(1L)).containsOnlyKeys("persona_data/gen_0.json");
        assertThat(asOf(null).get("persona_data/gen_0.json")).isEqualTo(
                "[\n  {\n    \"name\": \"a2\",\n    \"bio\": \"bio of a2\"\n  }\n]");
    }

    /** The run's files with each generation as of {@code step} (null: the newest). */
    private java.util.Map<String, String> asOf(Long step) {
        KeyValueStore<String, String> meta = h.driver.getKeyValueStore(SnapshotStores.RUN_META);
        ItemStore items = new ItemStore(DeltaProcessor.kv(h.driver.getKeyValueStore(SnapshotStores.ITEMS)),
                DeltaProcessor.kv(h.driver.getKeyValueStore(SnapshotStores.ITEM_CHUNKS)),
                SchemaLookup.cached(h.registry()));
        var files = RunStateReader.rendered(RunMeta.read(meta::get, "evo"), items, items, step,
                SchemaLookup.cached(h.registry())).layoutFiles();
        java.util.Map<String, String> text = new java.util.TreeMap<>();
        files.forEach((path, bytes) -> text.put(path, new String(bytes, StandardCharsets.UTF_8)));
        return text;
    }
}
