package dev.simsnap.snapshot.write;

import dev.simsnap.engine.entity.SchemaLookup;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.snapshot.deadletter.Rejection;
import dev.simsnap.snapshot.delta.DeltaLog;
import dev.simsnap.snapshot.delta.ItemStore;
import dev.simsnap.snapshot.read.RunState;
import dev.simsnap.snapshot.read.RunStateReader;
import dev.simsnap.snapshot.run.RunMeta;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;

/**
 * A v1 run (StateDelta v1 records, no state model) applied by the engine's own rules ({@link DeltaLog} over
 * in-memory stores) and read as the snapshot service reads it ({@link RunStateReader#rendered}): the state a
 * snapshot of it writes. One worker; every record given is one delta of the iteration being built.
 */
final class LegacyRun {

    private final String run;
    private final TreeMap<String, String> meta = new TreeMap<>();
    private final TreeMap<String, byte[]> buffer = new TreeMap<>();
    private final TreeMap<String, byte[]> heads = new TreeMap<>();
    private final TreeMap<String, byte[]> chunks = new TreeMap<>();
    private final ItemStore items = new ItemStore(DeltaLog.Kv.of(heads), DeltaLog.Kv.of(chunks),
            SchemaLookup.legacyOnly());
    private final DeltaLog log = new DeltaLog(DeltaLog.Kv.of(meta), DeltaLog.Kv.of(buffer), items, false,
            (r, bytes, rejection) -> {
                throw new AssertionError("rejected at apply: " + rejection.getMessage());
            }, Long.MAX_VALUE, null);
    private long sequence;

    LegacyRun(String run) {
        this.run = run;
        process(RunStarted.newBuilder().setRunId(run).setKind("trading-arena").setExpectedWorkers(List.of("w"))
                .setConfig(Map.of()).build());
    }

    /** One delta of type {@code type} on entity {@code id} (DOCUMENT: of {@code collection}). */
    static StateDelta.Builder delta(EntityType type, String id, Operation op, SpecificRecord payload) {
        return StateDelta.newBuilder().setRunId("x").setWorkerId("w").setSequence(0).setIteration(0)
                .setVirtualDate(0).setEntityType(type).setEntityId(id).setCollection(null).setOp(op)
                .setPatchFields(List.of()).setPayload(payload);
    }

    /** Sends {@code deltas} as iteration {@code iteration} and commits it with {@code virtualDate}. */
    LegacyRun iteration(long iteration, int virtualDate, StateDelta.Builder... deltas) {
        for (StateDelta.Builder d : deltas) {
            process(d.setRunId(run).setSequence(sequence++).setIteration(iteration).setVirtualDate(virtualDate)
                    .build());
        }
        process(IterationCommitted.newBuilder().setRunId(run).setWorkerId("w").setIteration(iteration)
                .setVirtualDate(virtualDate).setDeltaCount(deltas.length).setLastSequence(sequence - 1).build());
        return this;
    }

    /** The run's state at its consistent iteration, rendered from the legacy model's layout. */
    RunState state() {
        return RunStateReader.rendered(RunMeta.fromJson(meta.get(run)), items, SchemaLookup.legacyOnly());
    }

    private void process(Object record) {
        try {
            log.process(run, record);
        } catch (Rejection e) {
            throw new AssertionError("rejected: " + e.reason() + " " + e.getMessage(), e);
        }
    }
}
