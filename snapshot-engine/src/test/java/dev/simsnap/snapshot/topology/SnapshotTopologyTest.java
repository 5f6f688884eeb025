package dev.simsnap.snapshot.topology;

import static dev.simsnap.schema.delta.EntityType.DOCUMENT;
import static dev.simsnap.schema.delta.EntityType.PERSON;
import static dev.simsnap.schema.delta.EntityType.STOCK;
import static dev.simsnap.schema.delta.Operation.APPEND;
import static dev.simsnap.schema.delta.Operation.DELETE;
import static dev.simsnap.schema.delta.Operation.PATCH;
import static dev.simsnap.schema.delta.Operation.UPSERT;
import static dev.simsnap.snapshot.topology.Records.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.snapshot.deadletter.DeadLetterHeaders;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.snapshot.read.RunState;
import dev.simsnap.snapshot.run.RunInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SnapshotTopologyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TopologyHarness h;

    @BeforeEach
    void start() throws Exception {
        h = new TopologyHarness();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private String entity(String run, EntityType type, String id) {
        return h.reader.entity(run, type, null, id).orElse(null);
    }

    @Test
    void typedOperations() {
        h.send("r1", started("r1", "w1"),
                delta("r1", "w1", 0, 0, PERSON, "1", UPSERT, person(1, "Ann", 10000.0)).build(),
                delta("r1", "w1", 1, 0, PERSON, "2", UPSERT, person(2, "Bob", 5.0)).build(),
                delta("r1", "w1", 2, 0, STOCK, "0", UPSERT, stock(0, "A", List.of(1.0, 2.5))).build());
        assertThat(entity("r1", PERSON, "1")).as("not visible before the commit").isNull();
        h.send("r1", commit("r1", "w1", 0));
        assertThat(entity("r1", PERSON, "1")).isEqualTo("{\"person_id\":1,\"name\":\"Ann\",\"cash\":10000}");

        h.send("r1",
                delta("r1", "w1", 3, 1, PERSON, "1", PATCH, person(1, null, 7.25))
                        .setPatchFields(List.of("cash", "name")).build(),
                delta("r1", "w1", 4, 1, PERSON, "2", DELETE, null).build(),
                delta("r1", "w1", 5, 1, STOCK, "0", APPEND, appendNumbers("past_stock_last_prices", 3.0, 0.1)).build(),
                delta("r1", "w1", 6, 1, STOCK, "7", APPEND, appendNumbers("intraday_price_list", 1.5)).build(),
                commit("r1", "w1", 1));
        assertThat(entity("r1", PERSON, "1")).isEqualTo("{\"person_id\":1,\"cash\":7.25}");
        assertThat(entity("r1", PERSON, "2")).isNull();
        assertThat(entity("r1", STOCK, "0"))
                .isEqualTo("{\"stock_id\":0,\"stock_name\":\"A\",\"past_stock_last_prices\":[1,2.5,3,0.1]}");
        assertThat(entity("r1", STOCK, "7")).isEqualTo("{\"stock_id\":7,\"intraday_price_list\":[1.5]}");
        RunInfo info = h.reader.runInfo("r1").orElseThrow();
        assertThat(info.consistentIteration()).isEqualTo(1);
        assertThat(info.virtualDate()).isEqualTo(101);
        assertThat(info.appliedDeltas()).isEqualTo(7);
        assertThat(info.version() % 2).isZero();
        assertThat(h.deadLetters()).isEmpty();
    }

    @Test
    void documentOperations() {
        h.send("d", started("d", "w1"),
                delta("d", "w1", 0, 0, DOCUMENT, "x", UPSERT, doc("{\"b\":1,\"a\":{\"y\":2,\"x\":1}}"))
                        .setCollection("posts").build(),
                commit("d", "w1", 0));
        assertThat(docAt("d", "x")).isEqualTo("{\"a\":{\"x\":1,\"y\":2},\"b\":1}");
        h.send("d",
                delta("d", "w1", 1, 1, DOCUMENT, "x", PATCH, doc("{\"a\":5,\"c\":null,\"z\":9}"))
                        .setCollection("posts").setPatchFields(List.of("a", "c", "b")).build(),
                delta("d", "w1", 2, 1, DOCUMENT, "x", APPEND, appendJson("list", "{\"k\":1,\"j\":[]}", "2"))
                        .setCollection("posts").build(),
                delta("d", "w1", 3, 1, DOCUMENT, "x", APPEND, appendJson("list", "\"s\""))
                        .setCollection("posts").build(),
                commit("d", "w1", 1));
        assertThat(docAt("d", "x")).isEqualTo("{\"a\":5,\"c\":null,\"list\":[{\"j\":[],\"k\":1},2,\"s\"]}");
    }

    private String docAt(String run, String id) {
        return h.reader.entity(run, DOCUMENT, "posts", id).orElse(null);
    }

    @Test
    void twoWorkersOutOfOrderNeverMixIterations() {
        h.send("r", started("r", "w1", "w2"));
        // w2 races ahead to iteration 2 while w1 is still at 0; both touch person 1 in iteration 0.
        h.send("r",
                delta("r", "w2", 0, 0, PERSON, "1", PATCH, person(1, "from-w2", null))
                        .setPatchFields(List.of("name")).build(),
                delta("r", "w2", 1, 0, STOCK, "5", UPSERT, stock(5, "it0", List.of())).build(),
                commit("r", "w2", 0),
                delta("r", "w2", 2, 1, STOCK, "5", UPSERT, stock(5, "it1", List.of())).build(),
                commit("r", "w2", 1),
                delta("r", "w2", 3, 2, STOCK, "5", UPSERT, stock(5, "it2", List.of())).build(),
                commit("r", "w2", 2),
                delta("r", "w1", 0, 0, PERSON, "1", UPSERT, person(1, "from-w1", 1.0)).build());
        assertThat(h.reader.runInfo("r").orElseThrow().consistentIteration()).isEqualTo(-1);
        assertThat(entity("r", STOCK, "5")).isNull();

        h.send("r", commit("r", "w1", 0));
        RunInfo info = h.reader.runInfo("r").orElseThrow();
        assertThat(info.consistentIteration()).isEqualTo(0);
        assertThat(info.lag()).isEqualTo(2);
        assertThat(info.workers()).extracting(RunInfo.WorkerProgress::lastCommittedIteration).containsExactly(0L, 2L);
        assertThat(info.workers()).extracting(RunInfo.WorkerProgress::lag).containsExactly(2L, 0L);
        assertThat(entity("r", STOCK, "5")).as("iterations 1 and 2 are not visible").contains("\"it0\"");
        // Applied in (iteration, worker, sequence) order: w1's UPSERT, then w2's PATCH, whatever the arrival order.
        assertThat(entity("r", PERSON, "1")).isEqualTo("{\"person_id\":1,\"name\":\"from-w2\",\"cash\":1}");

        h.send("r", commit("r", "w1", 1));
        assertThat(entity("r", STOCK, "5")).contains("\"it1\"");
        RunState state = h.reader.runState("r").orElseThrow();
        assertThat(state.iteration()).isEqualTo(1);
        assertThat(new String(state.layoutFiles().get("save/classes/STOCK_5.json"), StandardCharsets.UTF_8))
                .contains("\"stock_name\": \"it1\"");
    }

    @Test
    void poisonRecordsAreDeadLetteredAndTheNextGoodRecordIsApplied() {
        h.send("p", started("p", "w1"));
        byte[] good = h.wire(Contracts.DELTAS_TOPIC, delta("p", "w1", 0, 0, PERSON, "1", UPSERT,
                person(1, "x", 1.0)).build());
        byte[] badMagic = "{\"json\":true}".getBytes(StandardCharsets.UTF_8);
        byte[] unknownId = {0, 0x7f, 0x7f, 0x7f, 0x7f, 1, 2, 3};
        byte[] corrupt = Arrays.copyOf(good, 9); // right schema id, truncated body
        byte[] wrongKey = h.wire(Contracts.DELTAS_TOPIC, delta("other", "w1", 0, 0, PERSON, "1", UPSERT,
                person(1, "x", 1.0)).build());
        byte[] notStarted = h.wire(Contracts.DELTAS_TOPIC, delta("ghost", "w1", 0, 0, PERSON, "1", UPSERT,
                person(1, "x", 1.0)).build());
        byte[] commitNotStarted = h.wire(Contracts.DELTAS_TOPIC, commit("ghost", "w1", 0));
        byte[] unknownWorker = h.wire(Contracts.DELTAS_TOPIC, delta("p", "w9", 0, 0, PERSON, "1", UPSERT,
                person(1, "x", 1.0)).build());
        byte[] idMismatch = h.wire(Contracts.DELTAS_TOPIC, delta("p", "w1", 5, 0, PERSON, "2", UPSERT,
                person(3, "x", 1.0)).build());
        byte[] wrongTopicType = h.wire(Contracts.DELTAS_TOPIC, seal("p", 0, 0, 0));

        List<byte[]> poison = List.of(badMagic, unknownId, corrupt, wrongKey, notStarted, commitNotStarted,
                unknownWorker, idMismatch, wrongTopicType);
        List<String> keys = List.of("p", "p", "p", "p", "ghost", "ghost", "p", "p", "p");
        for (int i = 0; i < poison.size(); i++) {
            h.sendRaw(keys.get(i), poison.get(i));
        }
        h.sendRaw("p", good);
        h.send("p", commit("p", "w1", 0));
        // Late delta (iteration 0 already committed) and stale commit.
        h.send("p", delta("p", "w1", 1, 0, PERSON, "1", UPSERT, person(1, "late", 1.0)).build(),
                commit("p", "w1", 0));
        // Record after RunEnded.
        h.send("p", Records.ended("p"), delta("p", "w1", 2, 1, PERSON, "1", UPSERT, person(1, "after", 1.0)).build());

        List<TestRecord<byte[], byte[]>> dead = h.deadLetters();
        assertThat(dead).extracting(r -> header(r, DeadLetterHeaders.REASON)).containsExactly(
                DeadLetterReasons.BAD_MAGIC_BYTE, DeadLetterReasons.UNKNOWN_SCHEMA_ID, DeadLetterReasons.CORRUPT_AVRO,
                DeadLetterReasons.KEY_MISMATCH, DeadLetterReasons.RUN_NOT_STARTED, DeadLetterReasons.RUN_NOT_STARTED,
                DeadLetterReasons.UNKNOWN_WORKER, DeadLetterReasons.INVALID_DELTA,
                DeadLetterReasons.UNEXPECTED_RECORD_TYPE, DeadLetterReasons.LATE_DELTA,
                DeadLetterReasons.STALE_COMMIT, DeadLetterReasons.RUN_ENDED);
        for (int i = 0; i < poison.size(); i++) {
            assertThat(dead.get(i).value()).isEqualTo(poison.get(i));
            assertThat(new String(dead.get(i).key(), StandardCharsets.UTF_8)).isEqualTo(keys.get(i));
            assertThat(header(dead.get(i), DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(Contracts.DELTAS_TOPIC);
            assertThat(header(dead.get(i), DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("0");
            assertThat(header(dead.get(i), DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo(Integer.toString(i + 1));
            assertThat(header(dead.get(i), DeadLetterHeaders.ERROR_CLASS)).isNotBlank();
        }
        assertThat(entity("p", PERSON, "1")).isEqualTo("{\"person_id\":1,\"name\":\"x\",\"cash\":1}");
        assertThat(h.reader.runInfo("p").orElseThrow().ended()).isTrue();
        assertThat(h.stats.total()).isEqualTo(12);
        assertThat(h.stats.count(DeadLetterReasons.RUN_NOT_STARTED)).isEqualTo(2);
    }

    @Test
    void appendToNonListDocumentFieldIsSkippedAndDeadLettered() {
        h.send("a", started("a", "w1"),
                delta("a", "w1", 0, 0, DOCUMENT, "x", UPSERT, doc("{\"f\":1}")).setCollection("c").build(),
                delta("a", "w1", 1, 0, DOCUMENT, "x", APPEND, appendJson("f", "2")).setCollection("c").build(),
                delta("a", "w1", 2, 0, DOCUMENT, "x", PATCH, doc("{\"g\":3}")).setCollection("c")
                        .setPatchFields(List.of("g")).build(),
                commit("a", "w1", 0));
        assertThat(h.reader.entity("a", DOCUMENT, "c", "x")).contains("{\"f\":1,\"g\":3}");
        List<TestRecord<byte[], byte[]>> dead = h.deadLetters();
        assertThat(dead).hasSize(1);
        assertThat(header(dead.get(0), DeadLetterHeaders.REASON)).isEqualTo(DeadLetterReasons.APPEND_TO_NON_LIST);
        assertThat(header(dead.get(0), DeadLetterHeaders.VALUE_FORMAT)).isEqualTo("avro-single-object");
    }

    @Test
    void generationsBecomeVisibleWhenSealedAndComplete() throws Exception {
        h.sendGeneration("g", chunk("g", 0, 1, 2, genotype("C", 3)));
        h.sendGeneration("g", seal("g", 0, 3, 2));
        assertThat(h.reader.generationIds("g")).as("chunk 0 missing").isEmpty();
        h.sendGeneration("g", chunk("g", 0, 0, 0, genotype("A", 1), genotype("B", 2)));
        assertThat(h.reader.generationIds("g")).containsExactly(0);
        assertThat(h.reader.generation("g", 0).orElseThrow().members())
                .extracting(m -> m.get("name").asText()).containsExactly("A", "B", "C");
        assertThat(JSON.writeValueAsString(h.reader.generation("g", 0).orElseThrow().members().get(0))).isEqualTo(
                "{\"name\":\"A\",\"age\":1,\"occupation\":\"o\",\"backstory\":\"b\",\"core_values\":[\"v\"],"
                        + "\"hobbies\":[],\"personality_traits\":{\"neuroticism\":0.4,\"openness\":0.9},"
                        + "\"communication_style\":\"c\",\"topical_focus\":\"t\",\"interaction_policy\":\"p\","
                        + "\"goals\":[\"g\"]}");
        // Identical re-send is ignored; a different chunk 0 is a conflict; a chunk past chunk_count is invalid.
        h.sendGeneration("g", chunk("g", 0, 0, 0, genotype("A", 1), genotype("B", 2)));
        h.sendGeneration("g", chunk("g", 0, 0, 0, genotype("Z", 1), genotype("B", 2)));
        h.sendGeneration("g", chunk("g", 0, 2, 3, genotype("D", 1)));
        assertThat(h.deadLetters()).extracting(r -> header(r, DeadLetterHeaders.REASON))
                .containsExactly(DeadLetterReasons.GENERATION_CONFLICT, DeadLetterReasons.INVALID_GENERATION);
        assertThat(h.reader.generation("g", 0).orElseThrow().members()).hasSize(3);
        // Run g was never started: generations are kept (other topic, no ordering), but there is no run state.
        assertThat(h.reader.runState("g")).isEmpty();
        h.send("g", started("g", "w1"), commit("g", "w1", 0));
        assertThat(h.reader.runState("g").orElseThrow().generations()).containsOnlyKeys(0);
    }

    @Test
    void runEnded() {
        h.send("e", started("e", "w1"), commit("e", "w1", 0), Records.ended("e"));
        RunInfo info = h.reader.runInfo("e").orElseThrow();
        assertThat(info.ended()).isTrue();
        assertThat(info.endStatus()).isEqualTo("COMPLETED");
        h.send("e", started("e", "w1"));
        assertThat(h.deadLetters()).extracting(r -> header(r, DeadLetterHeaders.REASON))
                .containsExactly(DeadLetterReasons.RUN_ENDED);
        assertThat(h.reader.runIds()).containsExactly("e");
    }

    /** A reader thread must never see two entities of one iteration disagree while the stream thread applies. */
    @Test
    void concurrentReaderNeverSeesHalfAppliedIteration() throws Exception {
        h.send("s", started("s", "w1"));
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();
        List<Long> seen = new ArrayList<>();
        Thread readerThread = new Thread(() -> {
            while (!done.get() && failure.get() == null) {
                h.reader.runState("s").ifPresent(s -> {
                    seen.add(s.iteration());
                    for (int id = 0; id < 10; id++) {
                        byte[] p = s.layoutFiles().get("save/classes/PERSON_" + id + ".json");
                        long value = p == null ? -1 : readTree(p).get("cash").asLong();
                        if (value != s.iteration()) {
                            failure.set("iteration " + s.iteration() + " person " + id + " cash " + value);
                        }
                    }
                });
                Thread.yield();
            }
        });
        readerThread.start();
        long seq = 0;
        for (int it = 0; it < 20; it++) {
            for (int id = 0; id < 10; id++) {
                h.send("s", delta("s", "w1", seq++, it, PERSON, Integer.toString(id), UPSERT,
                        person(id, null, (double) it)).build());
            }
            h.send("s", commit("s", "w1", it));
        }
        done.set(true);
        readerThread.join();
        assertThat(failure.get()).isNull();
        assertThat(seen).isNotEmpty();
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String header(TestRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
