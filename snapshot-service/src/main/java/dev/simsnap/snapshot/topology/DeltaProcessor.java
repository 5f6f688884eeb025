package dev.simsnap.snapshot.topology;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunEnded;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import dev.simsnap.snapshot.deadletter.DeadLetterStats;
import dev.simsnap.snapshot.deadletter.Rejection;
import dev.simsnap.snapshot.delta.DeltaApplier;
import dev.simsnap.snapshot.delta.DeltaCheck;
import dev.simsnap.snapshot.json.CanonicalJson;
import dev.simsnap.snapshot.run.RunMeta;
import dev.simsnap.snapshot.store.SnapshotStores;
import dev.simsnap.snapshot.store.StoreKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Applies {@code simsnap.deltas} to the stores, run by run in offset order; rejected records go to the dead-letter
 * sink and processing continues.
 *
 * <p>StateDeltas are buffered by (iteration, worker, sequence) and applied only when the run's consistent
 * iteration (min over expected workers of their last committed iteration) reaches their iteration, in
 * (iteration, worker_id, sequence) order, so the result does not depend on how workers interleave. The entity
 * writes of one step happen between two increments of the run's version in the run-meta store (seqlock), which
 * {@link dev.simsnap.snapshot.read.RunStateReader} uses to never show a half-applied step.
 */
final class DeltaProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    static final String NAME = "simsnap-delta-processor";

    private static final Comparator<String> BUFFER_ORDER = Comparator
            .comparingLong(StoreKeys::bufferedIteration)
            .thenComparing(DeltaProcessor::bufferedWorker)
            .thenComparingLong(DeltaProcessor::bufferedSequence);

    private final Supplier<? extends Deserializer<?>> deserializers;
    private final DeadLetterStats stats;
    private ProcessorContext<byte[], byte[]> context;
    private WireFormatDecoder decoder;
    private DeadLetters deadLetters;
    private KeyValueStore<String, String> meta;
    private KeyValueStore<String, String> entities;
    private KeyValueStore<String, byte[]> buffer;

    DeltaProcessor(Supplier<? extends Deserializer<?>> deserializers, DeadLetterStats stats) {
        this.deserializers = deserializers;
        this.stats = stats;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.decoder = new WireFormatDecoder(deserializers.get());
        this.deadLetters = new DeadLetters(context, stats, NAME);
        this.meta = context.getStateStore(SnapshotStores.RUN_META);
        this.entities = context.getStateStore(SnapshotStores.ENTITIES);
        this.buffer = context.getStateStore(SnapshotStores.DELTA_BUFFER);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        try {
            String topic = context.recordMetadata().map(m -> m.topic()).orElse("");
            Object value = decoder.decode(topic, record.headers(), record.value());
            String key = key(record.key());
            if (value instanceof RunStarted started) {
                onStarted(key, started);
            } else if (value instanceof StateDelta delta) {
                onDelta(key, delta);
            } else if (value instanceof IterationCommitted commit) {
                onCommit(key, commit, record);
            } else if (value instanceof RunEnded ended) {
                onEnded(key, ended);
            } else {
                throw new Rejection(DeadLetterReasons.UNEXPECTED_RECORD_TYPE,
                        value.getClass().getName() + " does not belong on the deltas topic");
            }
        } catch (Rejection rejection) {
            deadLetters.send(record, rejection);
        }
    }

    private void onStarted(String key, RunStarted started) throws Rejection {
        String runId = started.getRunId();
        requireKey(key, runId);
        if (!RunIds.isValid(runId)) {
            throw new Rejection(DeadLetterReasons.INVALID_RUN_STARTED, "invalid run_id");
        }
        String existing = meta.get(runId);
        if (existing != null) {
            throw new Rejection(RunMeta.fromJson(existing).ended() ? DeadLetterReasons.RUN_ENDED
                    : DeadLetterReasons.RUN_ALREADY_STARTED, "run " + runId + " was already started");
        }
        List<String> workers = started.getExpectedWorkers();
        if (workers.isEmpty()) {
            throw new Rejection(DeadLetterReasons.INVALID_RUN_STARTED, "expected_workers is empty");
        }
        if (new HashSet<>(workers).size() != workers.size() || !workers.stream().allMatch(RunIds::isValid)) {
            throw new Rejection(DeadLetterReasons.INVALID_RUN_STARTED, "expected_workers has duplicate or invalid ids");
        }
        List<String> sorted = new ArrayList<>(workers);
        sorted.sort(null);
        var fork = started.getForkedFrom();
        RunMeta m = RunMeta.started(runId, started.getKind(), sorted, started.getConfig(), started.getRandomSeed(),
                started.getStartedAtMs(), fork == null ? null : fork.getRunId(), fork == null ? -1 : fork.getIteration());
        meta.put(runId, m.toJson());
    }

    private void onDelta(String key, StateDelta delta) throws Rejection {
        requireKey(key, delta.getRunId());
        RunMeta m = openRun(delta.getRunId());
        String worker = delta.getWorkerId();
        requireWorker(m, worker);
        DeltaCheck.check(delta);
        if (delta.getSequence() <= m.lastSequence(worker)) {
            throw new Rejection(DeadLetterReasons.STALE_SEQUENCE, "sequence " + delta.getSequence()
                    + " <= last accepted " + m.lastSequence(worker) + " of worker " + worker);
        }
        if (delta.getIteration() <= m.committed(worker)) {
            throw new Rejection(DeadLetterReasons.LATE_DELTA, "iteration " + delta.getIteration()
                    + " was already committed by worker " + worker);
        }
        buffer.put(StoreKeys.buffered(m.runId(), delta.getIteration(), worker, delta.getSequence()), encode(delta));
        m.acceptSequence(worker, delta.getSequence());
        meta.put(m.runId(), m.toJson());
    }

    private void onCommit(String key, IterationCommitted commit, Record<byte[], byte[]> record) throws Rejection {
        requireKey(key, commit.getRunId());
        RunMeta m = openRun(commit.getRunId());
        String worker = commit.getWorkerId();
        requireWorker(m, worker);
        if (commit.getIteration() < 0 || commit.getIteration() <= m.committed(worker)) {
            throw new Rejection(DeadLetterReasons.STALE_COMMIT, "iteration " + commit.getIteration()
                    + " is not above worker " + worker + "'s last committed " + m.committed(worker));
        }
        long consistent = m.commit(worker, commit.getIteration(), commit.getVirtualDate());
        if (consistent > m.consistentIteration()) {
            apply(m, consistent, record);
        }
        meta.put(m.runId(), m.toJson());
    }

    private void onEnded(String key, RunEnded ended) throws Rejection {
        requireKey(key, ended.getRunId());
        RunMeta m = openRun(ended.getRunId());
        m.end(ended.getStatus().name(), ended.getFinalIteration(), ended.getEndedAtMs());
        meta.put(m.runId(), m.toJson());
    }

    /** Applies every buffered delta of iterations up to {@code upTo}, inside one seqlock write section. */
    private void apply(RunMeta m, long upTo, Record<byte[], byte[]> trigger) {
        List<KeyValue<String, byte[]>> pending = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = buffer.prefixScan(StoreKeys.runPrefix(m.runId()), new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (StoreKeys.bufferedIteration(kv.key) > upTo) {
                    break; // keys are in iteration order (fixed-width)
                }
                pending.add(kv);
            }
        }
        pending.sort(Comparator.comparing(kv -> kv.key, BUFFER_ORDER));

        Map<String, ObjectNode> touched = new LinkedHashMap<>();
        for (KeyValue<String, byte[]> kv : pending) {
            StateDelta d = decode(kv.value);
            String entityKey = StoreKeys.entity(m.runId(), d.getEntityType(), d.getCollection(), d.getEntityId());
            ObjectNode current = touched.containsKey(entityKey) ? touched.get(entityKey) : load(entityKey);
            try {
                touched.put(entityKey, DeltaApplier.apply(current, d));
            } catch (DeltaApplier.NotAListException e) {
                deadLetters.sendDerived(m.runId().getBytes(StandardCharsets.UTF_8), kv.value, "avro-single-object",
                        trigger, new Rejection(DeadLetterReasons.APPEND_TO_NON_LIST, "worker " + d.getWorkerId()
                                + " sequence " + d.getSequence() + ": " + e.getMessage(), e));
            }
        }
        m.beginApply();
        meta.put(m.runId(), m.toJson());
        touched.forEach((k, v) -> {
            if (v == null) {
                entities.delete(k);
            } else {
                entities.put(k, CanonicalJson.compact(v));
            }
        });
        pending.forEach(kv -> buffer.delete(kv.key));
        m.endApply(upTo, pending.size());
        // The caller stores the even version together with the commit bookkeeping.
    }

    private ObjectNode load(String entityKey) {
        String json = entities.get(entityKey);
        return json == null ? null : CanonicalJson.parseObject(json);
    }

    private RunMeta openRun(String runId) throws Rejection {
        String json = RunIds.isValid(runId) ? meta.get(runId) : null;
        if (json == null) {
            throw new Rejection(DeadLetterReasons.RUN_NOT_STARTED, "no RunStarted seen for run '" + runId + "'");
        }
        RunMeta m = RunMeta.fromJson(json);
        if (m.ended()) {
            throw new Rejection(DeadLetterReasons.RUN_ENDED, "run " + runId + " has ended");
        }
        return m;
    }

    private static void requireWorker(RunMeta m, String worker) throws Rejection {
        if (!m.isExpectedWorker(worker)) {
            throw new Rejection(DeadLetterReasons.UNKNOWN_WORKER, "worker '" + worker + "' is not expected in run "
                    + m.runId());
        }
    }

    private static void requireKey(String key, String runId) throws Rejection {
        if (!runId.equals(key)) {
            throw new Rejection(DeadLetterReasons.KEY_MISMATCH, "key does not equal run_id '" + runId + "'");
        }
    }

    /** The key as strict UTF-8 (null when absent or malformed, which then never equals a run id). */
    static String key(byte[] key) {
        if (key == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static byte[] encode(StateDelta delta) {
        try {
            ByteBuffer buf = delta.toByteBuffer();
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static StateDelta decode(byte[] bytes) {
        try {
            return StateDelta.fromByteBuffer(ByteBuffer.wrap(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt buffered delta", e);
        }
    }

    private static String bufferedWorker(String key) {
        String[] parts = key.split("\\|");
        return parts[2];
    }

    private static long bufferedSequence(String key) {
        return Long.parseLong(key.substring(key.lastIndexOf(StoreKeys.SEP) + 1));
    }

    @Override
    public void close() {
        if (decoder != null) {
            decoder.close();
        }
    }
}
