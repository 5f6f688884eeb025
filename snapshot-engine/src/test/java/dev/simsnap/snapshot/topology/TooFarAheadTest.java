package dev.simsnap.snapshot.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.serde.WireFormat;
import dev.simsnap.snapshot.deadletter.DeadLetterHeaders;
import dev.simsnap.snapshot.run.RunInfo;
import dev.simsnap.snapshot.delta.DeltaLog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A worker may run at most {@link DeltaLog#MAX_PENDING_STEPS} committed steps ahead of the run's consistent step: the
 * commit beyond is dead-lettered ({@code too-far-ahead}) with its step's deltas, nothing of it is applied, and once the
 * slow worker catches up the same step sent again is taken.
 */
class TooFarAheadTest {

    private static final int LIMIT = 1_000; // DeltaLog.MAX_PENDING_STEPS, written out: the test states the rule

    private TopologyHarness h;
    private StateModel model;
    private int paramsId;
    private final Map<String, Long> sequences = new HashMap<>();

    @BeforeEach
    void start() throws Exception {
        h = new TopologyHarness();
        model = StateModel.parse(ItemTopologyTest.MODEL, f -> null);
        model.collections().forEach(c -> {
            int id = h.registry().register(c.subject(), c.latestSchema().get());
            if (c.name().equals("params")) {
                paramsId = id;
            }
        });
        h.send("race", RunStarted.newBuilder().setRunId("race").setKind("epidemic-grid")
                .setExpectedWorkers(List.of("fast", "slow")).setModel(model.toJson()).setForkedFrom(null).build());
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void aCommitBeyondTheLimitIsRefusedUntilTheSlowWorkerCatchesUp() {
        assertThat(DeltaLog.MAX_PENDING_STEPS).isEqualTo(LIMIT);
        for (long step = 0; step < LIMIT; step++) {
            h.send("race", commit("fast", step, 0));
        }
        assertThat(h.deadLetters()).isEmpty();

        StateDelta beyond = beta("fast", LIMIT, 0.9);
        h.send("race", beyond, commit("fast", LIMIT, 1));
        List<TestRecord<byte[], byte[]>> dead = h.deadLetters();
        assertThat(dead).extracting(r -> header(r, DeadLetterHeaders.REASON))
                .containsExactly("too-far-ahead", "too-far-ahead");
        assertThat(header(dead.get(1), DeadLetterHeaders.DETAIL)).contains("worker fast's step 1000")
                .contains("at most 1000 committed steps ahead");
        var info = h.reader.runInfo("race").orElseThrow();
        assertThat(info.consistentIteration()).isEqualTo(-1);
        // The refused worker can learn of it from the run's info (GET /runs/{run}); the other worker has none.
        assertThat(info.workers()).extracting(w -> w.workerId(), w -> w.refusals())
                .containsExactly(tuple("fast", new RunInfo.StepRefusals(1, LIMIT, "too-far-ahead")),
                        tuple("slow", null));

        // The slow worker commits its step 0: step 0 is consistent, 999 of fast's steps wait, fast's step 1000 fits.
        h.send("race", beta("slow", 0, 0.1), commit("slow", 0, 1));
        h.send("race", beta("fast", LIMIT, 0.95), commit("fast", LIMIT, 1));
        assertThat(h.deadLetters()).isEmpty();
        assertThat(h.reader.runInfo("race").orElseThrow().consistentIteration()).isZero();
        assertThat(params()).isEqualTo("{\n  \"beta\": 0.1\n}");

        // Once slow is there too, fast's step 1000 is applied (the refused 0.9 never is).
        h.send("race", commit("slow", LIMIT, 0));
        assertThat(h.deadLetters()).isEmpty();
        assertThat(h.reader.runInfo("race").orElseThrow().consistentIteration()).isEqualTo(LIMIT);
        assertThat(params()).isEqualTo("{\n  \"beta\": 0.95\n}");
    }

    private StateDelta beta(String worker, long step, double beta) {
        Schema schema = model.collection("params").orElseThrow().latestSchema().orElseThrow();
        GenericRecord params = new GenericData.Record(schema);
        params.put("beta", beta);
        return StateDelta.newBuilder().setRunId("race").setWorkerId(worker)
                .setSequence(sequences.merge(worker, 1L, Long::sum) - 1).setIteration(step).setEntityType(null)
                .setEntityId("").setCollection("params").setOp(Operation.UPSERT).setPatchFields(List.of())
                .setPayload(null)
                .setItem(ByteBuffer.wrap(WireFormat.frame(paramsId, ItemCodec.encodeUpsert(schema, params))))
                .build();
    }

    private IterationCommitted commit(String worker, long step, int deltaCount) {
        return IterationCommitted.newBuilder().setRunId("race").setWorkerId(worker).setIteration(step)
                .setDeltaCount(deltaCount).setLastSequence(sequences.getOrDefault(worker, 0L) - 1)
                .setClock(Map.of("day", step)).build();
    }

    private String params() {
        return new String(h.reader.runState("race").orElseThrow().layoutFiles().get("params.json"),
                StandardCharsets.UTF_8);
    }

    private static String header(TestRecord<byte[], byte[]> r, String name) {
        var header = r.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
