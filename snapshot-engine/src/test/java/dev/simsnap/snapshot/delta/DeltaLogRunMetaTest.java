package dev.simsnap.snapshot.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.serde.WireFormat;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import dev.simsnap.snapshot.deadletter.Rejection;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * How a state-model run's meta is kept: the model once under its own key, the meta text at starts, commits and ends
 * only (not per delta), and a log started over the stores in the middle of a step (a restart restored from the
 * changelogs) still knows every sequence already accepted, from the buffered deltas.
 */
class DeltaLogRunMetaTest {

    private static final String RUN = "grid";
    private static final String MODEL = """
            {"kind": "grid", "collections": [
              {"name": "cells", "shape": "keyed", "key": ["x"], "schemas": [{"type": "record", "name": "Cell",
                "fields": [{"name": "x", "type": "long"}, {"name": "n", "type": "long"}]}]}],
             "layout": [{"path": "cells.json", "render": "json", "from": "cells"}]}""";

    private final TreeMap<String, String> meta = new TreeMap<>();
    private final TreeMap<String, byte[]> buffer = new TreeMap<>();
    private final TreeMap<String, byte[]> heads = new TreeMap<>();
    private final TreeMap<String, byte[]> chunks = new TreeMap<>();
    private final List<String> rejected = new ArrayList<>();
    private final StateModel model = StateModel.parse(MODEL, f -> null);
    private final Schema cell = model.collection("cells").orElseThrow().latestSchema().orElseThrow();

    private DeltaLog log() {
        return new DeltaLog(DeltaLog.Kv.of(meta), DeltaLog.Kv.of(buffer),
                new ItemStore(DeltaLog.Kv.of(heads), DeltaLog.Kv.of(chunks), id -> id == 7 ? cell : null), true,
                (run, bytes, rejection) -> rejected.add(rejection.reason()), Long.MAX_VALUE, null);
    }

    private StateDelta upsert(long seq, long step, long x, long n) {
        GenericRecord r = new GenericData.Record(cell);
        r.put("x", x);
        r.put("n", n);
        return StateDelta.newBuilder().setRunId(RUN).setWorkerId("w0").setSequence(seq).setIteration(step)
                .setEntityType(null).setEntityId(Long.toString(x)).setCollection("cells").setOp(Operation.UPSERT)
                .setPatchFields(List.of()).setPayload(null)
                .setItem(ByteBuffer.wrap(WireFormat.frame(7, ItemCodec.encodeUpsert(cell, r)))).build();
    }

    private static IterationCommitted commit(long step, int deltaCount, long lastSequence) {
        return IterationCommitted.newBuilder().setRunId(RUN).setWorkerId("w0").setIteration(step)
                .setDeltaCount(deltaCount).setLastSequence(lastSequence).build();
    }

    private static RunStarted started() {
        return RunStarted.newBuilder().setRunId(RUN).setKind("grid").setExpectedWorkers(List.of("w0"))
                .setModel(MODEL).setForkedFrom(null).build();
    }

    @Test
    void theModelIsStoredOnceAndTheMetaNotPerDelta() throws Rejection {
        DeltaLog log = log();
        log.process(RUN, started());
        assertThat(meta).containsEntry("grid|model", MODEL);
        String atStart = meta.get(RUN);
        assertThat(tree(atStart).has("model")).isFalse();

        log.process(RUN, upsert(0, 0, 1, 10));
        log.process(RUN, upsert(1, 0, 2, 20));
        assertThat(meta.get(RUN)).isEqualTo(atStart);
        assertThat(buffer).hasSize(2);

        log.process(RUN, commit(0, 2, 1));
        assertThat(tree(meta.get(RUN)).get("last_sequence").get("w0").asLong()).isEqualTo(1);
        assertThat(tree(meta.get(RUN)).get("consistent_iteration").asLong()).isZero();
        assertThat(heads).containsKeys("grid|cells|1", "grid|cells|2");
        assertThat(meta).containsOnlyKeys(RUN, "grid|model");
    }

    @Test
    void aLogStartedInTheMiddleOfAStepStillRefusesAcceptedSequences() throws Rejection {
        DeltaLog first = log();
        first.process(RUN, started());
        first.process(RUN, upsert(0, 0, 1, 10));
        first.process(RUN, upsert(1, 0, 2, 20));

        DeltaLog restarted = log(); // nothing cached: as after a restart restored from the changelogs
        assertThatThrownBy(() -> restarted.process(RUN, upsert(1, 0, 3, 30)))
                .isInstanceOfSatisfying(Rejection.class,
                        r -> assertThat(r.reason()).isEqualTo(DeadLetterReasons.STALE_SEQUENCE));
        restarted.process(RUN, upsert(2, 0, 3, 30));
        // Restarted again before the commit: the step's count (3 accepted, 1 refused on arrival) is still whole,
        // the accepted ones counted again from the buffer, the refused one from the stored meta.
        DeltaLog again = log();
        again.process(RUN, commit(0, 4, 2));
        assertThat(heads).containsOnlyKeys("grid|cells|1", "grid|cells|2", "grid|cells|3");
        assertThat(tree(meta.get(RUN)).get("last_sequence").get("w0").asLong()).isEqualTo(2);
        assertThat(rejected).isEmpty();
    }

    @Test
    void metaStoredWithTheModelInlineGetsTheModelKeyAndKeepsWorking() throws Rejection {
        DeltaLog first = log();
        first.process(RUN, started());
        first.process(RUN, upsert(0, 0, 1, 10));
        // The store as the engine left it before the model had its own key: the model inside the meta text.
        String literal = json(MODEL);
        meta.put(RUN, meta.get(RUN).replace(",\"committed\":", ",\"model\":" + literal + ",\"committed\":"));
        meta.remove("grid|model");

        DeltaLog restarted = log();
        restarted.process(RUN, upsert(1, 0, 2, 20));
        assertThat(meta).containsEntry("grid|model", MODEL);
        restarted.process(RUN, commit(0, 2, 1));
        assertThat(tree(meta.get(RUN)).has("model")).isFalse();
        assertThat(heads).containsOnlyKeys("grid|cells|1", "grid|cells|2");
        assertThat(dev.simsnap.snapshot.run.RunMeta.read(meta::get, RUN).model()).isEqualTo(MODEL);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private static com.fasterxml.jackson.databind.JsonNode tree(String text) {
        try {
            return JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String json(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
