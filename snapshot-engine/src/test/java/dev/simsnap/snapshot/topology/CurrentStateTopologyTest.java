package dev.simsnap.snapshot.topology;

import static dev.simsnap.schema.delta.EntityType.DOCUMENT;
import static dev.simsnap.schema.delta.EntityType.PERSON;
import static dev.simsnap.schema.delta.EntityType.STOCK;
import static dev.simsnap.schema.delta.Operation.DELETE;
import static dev.simsnap.schema.delta.Operation.PATCH;
import static dev.simsnap.schema.delta.Operation.UPSERT;
import static dev.simsnap.snapshot.topology.Records.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The compacted output topic {@code simsnap.current-state}: written per consistent iteration, whole. */
class CurrentStateTopologyTest {

    private TopologyHarness h;
    private TestOutputTopic<byte[], byte[]> out;

    @BeforeEach
    void start() throws Exception {
        h = new TopologyHarness();
        out = h.driver.createOutputTopic(CurrentState.TOPIC, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private static String key(TestRecord<byte[], byte[]> r) {
        return new String(r.key(), StandardCharsets.UTF_8);
    }

    private static String value(TestRecord<byte[], byte[]> r) {
        return r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8);
    }

    private static String header(TestRecord<byte[], byte[]> r, String name) {
        return CurrentState.header(r.headers(), name);
    }

    @Test
    void onlyConsistentIterationsAreEmittedWholeThenTheMarker() {
        h.send("r", started("r", "w1", "w2"));
        h.send("r",
                delta("r", "w2", 0, 0, PERSON, "1", PATCH, person(1, "from-w2", null))
                        .setPatchFields(List.of("name")).build(),
                delta("r", "w2", 1, 0, STOCK, "5", UPSERT, stock(5, "it0", List.of())).build(),
                commit("r", "w2", 0),
                delta("r", "w2", 2, 1, STOCK, "5", UPSERT, stock(5, "it1", List.of())).build(),
                commit("r", "w2", 1),
                delta("r", "w1", 0, 0, PERSON, "1", UPSERT, person(1, "from-w1", 1.0)).build());
        assertThat(out.isEmpty()).as("nothing before the iteration is consistent").isTrue();

        h.send("r", commit("r", "w1", 0));
        List<TestRecord<byte[], byte[]>> it0 = out.readRecordsToList();
        assertThat(it0).extracting(CurrentStateTopologyTest::key)
                .containsExactly("r|PERSON|1", "r|STOCK|5", "r|ITERATION");
        assertThat(value(it0.get(0))).isEqualTo("{\"person_id\":1,\"name\":\"from-w2\",\"cash\":1}");
        assertThat(value(it0.get(1))).contains("\"it0\"");
        assertThat(it0).allSatisfy(r -> assertThat(header(r, CurrentState.ITERATION_HEADER)).isEqualTo("0"));
        assertThat(header(it0.get(0), CurrentState.TYPE_HEADER)).isEqualTo("PERSON");
        assertThat(header(it0.get(0), CurrentState.ID_HEADER)).isEqualTo("1");
        assertThat(value(it0.get(2))).isEqualTo("{\"run\":\"r\",\"iteration\":0,\"virtual_date\":100}");

        h.send("r", delta("r", "w1", 1, 1, PERSON, "1", DELETE, null).build(), commit("r", "w1", 1));
        List<TestRecord<byte[], byte[]>> it1 = out.readRecordsToList();
        assertThat(it1).extracting(CurrentStateTopologyTest::key)
                .containsExactly("r|PERSON|1", "r|STOCK|5", "r|ITERATION");
        assertThat(value(it1.get(0))).as("tombstone on delete").isNull();
        assertThat(value(it1.get(1))).contains("\"it1\"");
        assertThat(it1).allSatisfy(r -> assertThat(header(r, CurrentState.ITERATION_HEADER)).isEqualTo("1"));
        assertThat(h.deadLetters()).isEmpty();
    }

    @Test
    void severalIterationsInOneStepAreEmittedOneByOneAndDocumentsCarryTheirCollection() {
        h.send("d", started("d", "a", "b"));
        h.send("d",
                delta("d", "a", 0, 0, DOCUMENT, "x", UPSERT, doc("{\"v\":0}")).setCollection("posts").build(),
                commit("d", "a", 0),
                delta("d", "a", 1, 1, DOCUMENT, "x", UPSERT, doc("{\"v\":1}")).setCollection("posts").build(),
                commit("d", "a", 1),
                commit("d", "b", 1)); // b skips 0: the consistent iteration jumps from -1 to 1
        List<TestRecord<byte[], byte[]>> all = out.readRecordsToList();
        assertThat(all).extracting(CurrentStateTopologyTest::key)
                .containsExactly("d|DOCUMENT|posts|x", "d|ITERATION", "d|DOCUMENT|posts|x", "d|ITERATION");
        assertThat(all).extracting(CurrentStateTopologyTest::value).element(0).isEqualTo("{\"v\":0}");
        assertThat(all).extracting(CurrentStateTopologyTest::value).element(2).isEqualTo("{\"v\":1}");
        assertThat(all).extracting(r -> header(r, CurrentState.ITERATION_HEADER)).containsExactly("0", "0", "1", "1");
        assertThat(header(all.get(0), CurrentState.COLLECTION_HEADER)).isEqualTo("posts");
    }

    @Test
    void aSealedGenerationIsAnnounced() {
        h.sendGeneration("g", chunk("g", 0, 0, 0, genotype("Alice", 25)));
        h.sendGeneration("g", seal("g", 0, 1, 1));
        h.sendGeneration("g", seal("g", 0, 1, 1)); // the same seal again: stored once, announced once
        List<TestRecord<byte[], byte[]>> all = out.readRecordsToList();
        assertThat(all).extracting(CurrentStateTopologyTest::key).containsExactly("g|GENERATION|0");
        assertThat(value(all.get(0))).isEqualTo("{\"run\":\"g\",\"generation\":0,\"member_count\":1}");
        assertThat(header(all.get(0), CurrentState.KIND_HEADER)).isEqualTo("generation");
    }

    @Test
    void partitionIsTheRunsPartition() {
        for (String run : List.of("demo-arena", "r", "x.y_z")) {
            assertThat(CurrentState.partitionOf(run, 6)).isEqualTo(
                    dev.simsnap.snapshot.replay.RunReplayer.partitionOf(run, 6));
        }
    }
}
