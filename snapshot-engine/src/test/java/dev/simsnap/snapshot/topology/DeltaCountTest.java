package dev.simsnap.snapshot.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.serde.WireFormat;
import dev.simsnap.snapshot.deadletter.DeadLetterHeaders;
import dev.simsnap.snapshot.store.SnapshotStores;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
 * {@code IterationCommitted.delta_count} against the StateDeltas the worker sent for the step: a commit declaring too
 * few or too many is dead-lettered ({@code delta-count-mismatch}) with the step's buffered deltas, nothing of the step
 * is applied, the refused deltas' sequences stay used, and the worker's next commit of that step (declaring the
 * truth) is applied. Deltas refused on arrival count; a v1 run's commit declaring 0 is not checked.
 */
class DeltaCountTest {

    private static final String REASON = "delta-count-mismatch";

    private TopologyHarness h;
    private StateModel model;
    private int paramsId;
    private long sequence;

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
        h.send("grid", RunStarted.newBuilder().setRunId("grid").setKind("epidemic-grid")
                .setExpectedWorkers(List.of("w")).setModel(model.toJson()).setForkedFrom(null).build());
        h.send("grid", beta(0, 0.1), commit(0, 1));
        assertThat(h.deadLetters()).isEmpty();
        assertThat(params()).isEqualTo("{\n  \"beta\": 0.1\n}");
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void tooFewDeclaredRefusesTheStepAndItsDeltas() {
        refusedStep(1);
    }

    @Test
    void tooManyDeclaredRefusesTheStepAndItsDeltas() {
        refusedStep(3);
    }

    /** Step 1 sends two deltas and declares {@code declared} (not 2). */
    private void refusedStep(int declared) {
        StateDelta first = beta(1, 0.2);
        StateDelta second = beta(1, 0.25);
        IterationCommitted wrong = commit(1, declared);
        h.send("grid", first, second, wrong);

        List<TestRecord<byte[], byte[]>> dead = h.deadLetters();
        assertThat(dead).extracting(r -> header(r, DeadLetterHeaders.REASON)).containsExactly(REASON, REASON, REASON);
        assertThat(header(dead.get(0), DeadLetterHeaders.VALUE_FORMAT)).isEqualTo("avro-single-object");
        assertThat(header(dead.get(1), DeadLetterHeaders.VALUE_FORMAT)).isEqualTo("avro-single-object");
        assertThat(decode(dead.get(0).value())).isEqualTo(first);
        assertThat(decode(dead.get(1).value())).isEqualTo(second);
        assertThat(dead.get(2).value()).as("the commit, as sent").isEqualTo(h.wire(Contracts.DELTAS_TOPIC, wrong));
        assertThat(header(dead.get(2), DeadLetterHeaders.VALUE_FORMAT)).isNull();
        assertThat(header(dead.get(2), DeadLetterHeaders.DETAIL)).contains("delta_count " + declared)
                .contains("sent 2");

        // Nothing of step 1 is applied, and nothing of it is left to be applied later.
        assertThat(params()).isEqualTo("{\n  \"beta\": 0.1\n}");
        var info = h.reader.runInfo("grid").orElseThrow();
        assertThat(info.consistentIteration()).isZero();
        assertThat(info.workers().get(0).lastCommittedIteration()).as("the refused commit is not the worker's")
                .isZero();
        assertThat(info.workers().get(0).refusals()).as("what GET /runs/{run} tells the worker")
                .isEqualTo(new dev.simsnap.snapshot.run.RunInfo.StepRefusals(1, 1, REASON));
        assertThat(bufferKeys()).isEmpty();

        // The refused deltas' sequences stay used.
        h.send("grid", StateDelta.newBuilder(first).setSequence(first.getSequence()).build());
        assertThat(h.deadLetters()).extracting(r -> header(r, DeadLetterHeaders.REASON))
                .containsExactly("stale-sequence");

        // The worker sends step 1 again, declaring what it sent (the stale delta above counts: it was sent too).
        h.send("grid", beta(1, 0.3), commit(1, 2));
        assertThat(h.deadLetters()).isEmpty();
        assertThat(params()).isEqualTo("{\n  \"beta\": 0.3\n}");
        assertThat(h.reader.runInfo("grid").orElseThrow().consistentIteration()).isEqualTo(1);

        // And goes on.
        h.send("grid", beta(2, 0.4), commit(2, 1));
        assertThat(h.deadLetters()).isEmpty();
        assertThat(params()).isEqualTo("{\n  \"beta\": 0.4\n}");
        assertThat(h.reader.runInfo("grid").orElseThrow().workers().get(0).refusals()).as("kept")
                .isEqualTo(new dev.simsnap.snapshot.run.RunInfo.StepRefusals(1, 1, REASON));
    }

    @Test
    void deltasRefusedOnArrivalCountTowardsTheStep() {
        StateDelta nowhere = StateDelta.newBuilder(beta(1, 0.2)).setCollection("nowhere").setItem(null)
                .setOp(Operation.DELETE).build();
        h.send("grid", beta(1, 0.2), nowhere, commit(1, 1));
        assertThat(h.deadLetters()).extracting(r -> header(r, DeadLetterHeaders.REASON))
                .containsExactly("invalid-delta", REASON, REASON);
        assertThat(params()).isEqualTo("{\n  \"beta\": 0.1\n}");

        h.send("grid", beta(1, 0.3), nowhere, commit(1, 2)); // nowhere again: now also stale-sequence
        assertThat(h.deadLetters()).extracting(r -> header(r, DeadLetterHeaders.REASON))
                .containsExactly("invalid-delta");
        assertThat(params()).isEqualTo("{\n  \"beta\": 0.3\n}");
    }

    @Test
    void aLegacyRunsCommitDeclaringZeroIsNotCheckedAndAnyOtherCountIs() {
        h.send("old", Records.started("old", "w1"));
        StateDelta alice = Records.delta("old", "w1", 0, 0, EntityType.PERSON, "1", Operation.UPSERT,
                Records.person(1, "Alice", 10.0)).build();
        h.send("old", alice, Records.commit("old", "w1", 0)); // declares 0: not declared
        assertThat(h.deadLetters()).isEmpty();
        assertThat(h.reader.runInfo("old").orElseThrow().consistentIteration()).isZero();

        StateDelta bob = Records.delta("old", "w1", 1, 1, EntityType.PERSON, "2", Operation.UPSERT,
                Records.person(2, "Bob", 20.0)).build();
        h.send("old", bob, IterationCommitted.newBuilder(Records.commit("old", "w1", 1)).setDeltaCount(2)
                .setLastSequence(1).build());
        assertThat(h.deadLetters()).extracting(r -> header(r, DeadLetterHeaders.REASON))
                .containsExactly(REASON, REASON);
        assertThat(h.reader.runInfo("old").orElseThrow().consistentIteration()).isZero();

        StateDelta carol = Records.delta("old", "w1", 2, 1, EntityType.PERSON, "3", Operation.UPSERT,
                Records.person(3, "Carol", 30.0)).build();
        h.send("old", carol, IterationCommitted.newBuilder(Records.commit("old", "w1", 1)).setDeltaCount(1)
                .setLastSequence(2).build());
        assertThat(h.deadLetters()).isEmpty();
        assertThat(h.reader.runInfo("old").orElseThrow().consistentIteration()).isEqualTo(1);
        assertThat(h.reader.entity("old", EntityType.PERSON, null, "3")).isPresent();
        assertThat(h.reader.entity("old", EntityType.PERSON, null, "2")).isEmpty();
    }

    // ---- records ----

    private StateDelta beta(long step, double beta) {
        Schema schema = model.collection("params").orElseThrow().latestSchema().orElseThrow();
        GenericRecord params = new GenericData.Record(schema);
        params.put("beta", beta);
        return StateDelta.newBuilder().setRunId("grid").setWorkerId("w").setSequence(sequence++).setIteration(step)
                .setEntityType(null).setEntityId("").setCollection("params").setOp(Operation.UPSERT)
                .setPatchFields(List.of()).setPayload(null)
                .setItem(ByteBuffer.wrap(WireFormat.frame(paramsId, ItemCodec.encodeUpsert(schema, params))))
                .build();
    }

    private IterationCommitted commit(long step, int deltaCount) {
        return IterationCommitted.newBuilder().setRunId("grid").setWorkerId("w").setIteration(step)
                .setDeltaCount(deltaCount).setLastSequence(sequence - 1).setClock(Map.of("day", step)).build();
    }

    private String params() {
        return new String(h.reader.runState("grid").orElseThrow().layoutFiles().get("params.json"),
                StandardCharsets.UTF_8);
    }

    private List<String> bufferKeys() {
        List<String> keys = new ArrayList<>();
        try (var it = h.driver.<String, byte[]>getKeyValueStore(SnapshotStores.DELTA_BUFFER).all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }

    private static StateDelta decode(byte[] singleObject) {
        try {
            return StateDelta.fromByteBuffer(ByteBuffer.wrap(singleObject));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String header(TestRecord<byte[], byte[]> r, String name) {
        var header = r.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
