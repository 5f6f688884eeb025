package dev.simsnap.snapshot.delta;

import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.legacy.LegacyDeltas;
import dev.simsnap.schema.legacy.LegacyKind;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunEnded;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import dev.simsnap.snapshot.deadletter.Rejection;
import dev.simsnap.snapshot.run.RunMeta;
import dev.simsnap.snapshot.store.RecordLimits;
import dev.simsnap.snapshot.store.StoreKeys;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The semantics of {@code simsnap.deltas}, shared by the live topology ({@code DeltaProcessor}, over RocksDB stores)
 * and the history replay ({@link dev.simsnap.snapshot.replay.RunReplayer}, over in-memory maps), so a snapshot of
 * iteration N is the same bytes whichever produced it.
 *
 * <p>StateDeltas are buffered by (iteration, worker, sequence) and applied only when the run's consistent iteration
 * (min over expected workers of their last committed iteration) reaches their iteration, in (iteration, worker_id,
 * sequence) order. The entity writes of one step happen between two increments of the run's version (seqlock).
 *
 * <p>Runs with a state model apply their changes (StateDelta v2) to the items of their collections; runs started
 * without one (StateDelta v1: entity_type + payload) apply theirs to the items of the built-in legacy model
 * ({@link LegacyChanges}). Both go through {@link ItemStore}.
 *
 * <p>An instance caches what it reads and writes (run metadata, decoded buffered deltas) so the hot path does not
 * re-parse JSON or re-decode Avro; it must therefore be the only writer of its stores while it is used. Any
 * unexpected exception empties the caches, so the next record starts again from the stores.
 *
 * <p>A run's meta is stored when its run starts or ends, and at each worker commit (around an apply too, for the
 * seqlock), not for each delta: a delta changes only its worker's last accepted sequence, and the delta itself goes
 * to the buffer, so the stores at any record boundary (and so at every exactly-once commit) still hold the whole
 * truth. Loading a run's meta completes the last sequences from its buffered deltas.
 *
 * <p>A commit's {@code delta_count} is checked as {@link DeclaredDeltaCount} says: the deltas each worker sent for
 * its steps above its last committed one are counted (accepted ones in memory, counted again from the buffer when
 * the meta is loaded; refused ones in the stored meta). A commit whose checked count differs is dead-lettered
 * ({@code delta-count-mismatch}) together with the step's buffered deltas (see {@code refuseStep}).
 */
public final class DeltaLog {

    /** The minimal key-value operations the rules need; {@link #scan} returns keys in ascending byte order. */
    public interface Kv<V> {
        V get(String key);

        void put(String key, V value);

        void delete(String key);

        /** Entries whose key starts with {@code prefix}, ascending; {@code stop} ends the scan early when true. */
        List<Map.Entry<String, V>> scan(String prefix, java.util.function.Predicate<String> stop);

        /** A view of an in-memory sorted map (replays and tests); writes go to {@code map}. */
        static <V> Kv<V> of(java.util.NavigableMap<String, V> map) {
            return new Kv<>() {
                @Override
                public V get(String key) {
                    return map.get(key);
                }

                @Override
                public void put(String key, V value) {
                    map.put(key, value);
                }

                @Override
                public void delete(String key) {
                    map.remove(key);
                }

                @Override
                public List<Map.Entry<String, V>> scan(String prefix, java.util.function.Predicate<String> stop) {
                    List<Map.Entry<String, V>> out = new ArrayList<>();
                    for (Map.Entry<String, V> e : map.tailMap(prefix, true).entrySet()) {
                        if (!e.getKey().startsWith(prefix) || stop.test(e.getKey())) {
                            break;
                        }
                        out.add(Map.entry(e.getKey(), e.getValue()));
                    }
                    return out;
                }
            };
        }
    }

    /** Receives buffered deltas that could not be applied (the topology dead-letters them). */
    public interface ApplyRejects {
        void reject(String runId, byte[] bufferedDelta, Rejection rejection);
    }

    /**
     * One entity's state at the end of an iteration: {@code json} is its JSON, null when deleted. A state-model
     * run's item has type {@link #ITEM_TYPE}, its collection and item id, and Python-separated JSON; a v1 run's entity
     * has its v1 entity type, DOCUMENT collection and entity_id, and simsnap's canonical compact JSON.
     */
    public record Change(String type, String collection, String id, String json) {
    }

    /**
     * Receives, in iteration order, every consistent iteration as it is applied, whole: the entities it changed
     * (each once, in first-touched order, with its value at the end of that iteration). An apply step that passes
     * several iterations at once reports each iteration that had deltas, and always the step's last iteration.
     * {@code clock} is the simulation's clock committed for that step (a state-model run's; empty when its kind
     * declares none), null for a v1 run.
     */
    public interface IterationListener {
        void applied(String runId, long iteration, Integer virtualDate, Map<String, Long> clock, List<Change> changes);
    }

    /** Most runs whose metadata is kept parsed. */
    private static final int MAX_CACHED_RUNS = 1024;
    /** Most buffered deltas kept decoded until applied (beyond that they are decoded again from the buffer). */
    private static final int MAX_DECODED = 200_000;

    /** Splits a buffered delta too large for one changelog record (raw values start with 0xC3, heads with 0x01). */
    private static final dev.simsnap.engine.entity.ChunkedValues BUFFER_CHUNKS =
            new dev.simsnap.engine.entity.ChunkedValues();

    private final Map<String, RunMeta> runs = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RunMeta> eldest) {
            return size() > MAX_CACHED_RUNS;
        }
    };
    private final Map<String, StateDelta> decoded = new java.util.HashMap<>();

    private final Kv<String> meta;
    private final Kv<byte[]> buffer;
    private final ApplyRejects rejects;
    private final long applyLimit;
    private final IterationListener listener;
    private final ItemStore items;
    /** Whether {@link #items} can decode state-model items (it has a registry), not only legacy ones. */
    private final boolean stateModels;

    /**
     * @param items       the item stores (a state-model run's collections, a v1 run's legacy ones)
     * @param stateModels whether {@code items} resolves registry schema ids: without, changes of state-model runs
     *                    (StateDelta v2) are dead-lettered as {@code invalid-delta}
     * @param applyLimit  the consistent iteration never goes above this (Long.MAX_VALUE live; N when replaying
     *                    "as of N": deltas of later iterations stay buffered)
     * @param listener    receives every applied consistent iteration (null: none)
     */
    public DeltaLog(Kv<String> meta, Kv<byte[]> buffer, ItemStore items, boolean stateModels, ApplyRejects rejects,
                    long applyLimit, IterationListener listener) {
        this.listener = listener;
        this.meta = meta;
        this.buffer = buffer;
        this.items = java.util.Objects.requireNonNull(items, "items");
        this.stateModels = stateModels;
        this.rejects = rejects;
        this.applyLimit = applyLimit;
    }

    /** Applies one decoded record of the deltas topic with key {@code key}. */
    public void process(String key, Object value) throws Rejection {
        try {
            dispatch(key, value);
        } catch (RuntimeException | Error e) {
            // A half-applied record may have changed cached objects that never reached the stores.
            runs.clear();
            decoded.clear();
            throw e;
        }
    }

    private void dispatch(String key, Object value) throws Rejection {
        if (value instanceof RunStarted started) {
            onStarted(key, started);
        } else if (value instanceof StateDelta delta) {
            onDelta(key, delta);
        } else if (value instanceof IterationCommitted commit) {
            onCommit(key, commit);
        } else if (value instanceof RunEnded ended) {
            onEnded(key, ended);
        } else {
            throw new Rejection(DeadLetterReasons.UNEXPECTED_RECORD_TYPE,
                    value.getClass().getName() + " does not belong on the deltas topic");
        }
    }

    private void onStarted(String key, RunStarted started) throws Rejection {
        String runId = started.getRunId();
        requireKey(key, runId);
        if (!RunIds.isValid(runId)) {
            throw new Rejection(DeadLetterReasons.INVALID_RUN_STARTED, "invalid run_id");
        }
        RunMeta existing = runs.get(runId);
        if (existing == null) {
            existing = load(runId);
        }
        if (existing != null) {
            throw new Rejection(existing.ended() ? DeadLetterReasons.RUN_ENDED
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
        if (started.getModel() != null) {
            try {
                dev.simsnap.snapshot.run.ParsedModels.of(started.getModel());
            } catch (IllegalArgumentException e) {
                throw new Rejection(DeadLetterReasons.INVALID_RUN_STARTED, "model: " + e.getMessage());
            }
            String modelKey = StoreKeys.runModel(runId);
            long bytes = modelKey.length() + (long) RecordLimits.utf8Length(started.getModel());
            if (bytes > RecordLimits.MAX_STORE_ENTRY) { // its changelog record would be refused and stop the stream
                throw new Rejection(DeadLetterReasons.TOO_LARGE, "the run's metadata (its state model) would be " + bytes
                        + " bytes stored, more than one store record holds (" + RecordLimits.MAX_STORE_ENTRY + ")");
            }
            m.model(started.getModel());
            meta.put(modelKey, started.getModel()); // once: the meta text leaves it out
        }
        save(m);
    }

    private void onDelta(String key, StateDelta delta) throws Rejection {
        requireKey(key, delta.getRunId());
        RunMeta m = openRun(delta.getRunId());
        String worker = delta.getWorkerId();
        requireWorker(m, worker);
        try {
            checkDelta(m, delta);
        } catch (Rejection refused) {
            if (delta.getIteration() > m.committed(worker)) {
                // The worker did send it: it counts towards the delta_count its step's commit declares.
                m.countDelta(worker, delta.getIteration(), true);
                save(m);
            }
            throw refused;
        }
        String bufferKey = StoreKeys.buffered(m.runId(), delta.getIteration(), worker, delta.getSequence());
        byte[] encoded = BufferedDeltas.encode(delta);
        m.acceptSequence(worker, delta.getSequence());
        m.countDelta(worker, delta.getIteration(), false);
        // Not stored now (see the class comment): the buffered delta records the sequence until the next save.
        if (bufferKey.length() + (long) encoded.length > RecordLimits.MAX_STORE_ENTRY) {
            BUFFER_CHUNKS.put(ItemStore.adapt(buffer), bufferKey, encoded);
        } else {
            buffer.put(bufferKey, encoded);
        }
        if (decoded.size() < MAX_DECODED) {
            decoded.put(bufferKey, delta);
        }
    }

    /** The arrival rules of a delta of a started run's expected worker. */
    private void checkDelta(RunMeta m, StateDelta delta) throws Rejection {
        String worker = delta.getWorkerId();
        if (delta.getEntityType() == null) {
            ItemChecks.check(model(m), delta, stateModels);
        } else if (m.model() != null) {
            throw new Rejection(DeadLetterReasons.INVALID_DELTA, "a v1 delta (entity_type + payload) in run "
                    + m.runId() + ", which was started with a state model: send collection + item");
        } else {
            LegacyChanges.check(delta);
        }
        if (delta.getSequence() <= m.lastSequence(worker)) {
            throw new Rejection(DeadLetterReasons.STALE_SEQUENCE, "sequence " + delta.getSequence()
                    + " <= last accepted " + m.lastSequence(worker) + " of worker " + worker);
        }
        if (delta.getIteration() <= m.committed(worker)) {
            throw new Rejection(DeadLetterReasons.LATE_DELTA, "iteration " + delta.getIteration()
                    + " was already committed by worker " + worker);
        }
    }

    private void onCommit(String key, IterationCommitted commit) throws Rejection {
        requireKey(key, commit.getRunId());
        RunMeta m = openRun(commit.getRunId());
        String worker = commit.getWorkerId();
        requireWorker(m, worker);
        if (commit.getIteration() < 0 || commit.getIteration() <= m.committed(worker)) {
            throw new Rejection(DeadLetterReasons.STALE_COMMIT, "iteration " + commit.getIteration()
                    + " is not above worker " + worker + "'s last committed " + m.committed(worker));
        }
        long sent = m.takeDeltaCount(worker, commit.getIteration());
        if (DeclaredDeltaCount.checked(m.model() != null, commit.getDeltaCount()) && sent != commit.getDeltaCount()) {
            refuseStep(m, worker, commit.getIteration(), accepted -> new Rejection(
                    DeadLetterReasons.DELTA_COUNT_MISMATCH, "worker " + worker + " declared delta_count "
                    + commit.getDeltaCount() + " for step " + commit.getIteration() + " but sent " + sent
                    + " StateDeltas for it (" + accepted + " accepted, " + (sent - accepted)
                    + " refused on arrival); the step is not applied and its accepted deltas are dead-lettered"));
        }
        if (applyLimit == Long.MAX_VALUE && m.pendingSteps() >= MAX_PENDING_STEPS
                && m.committedDate(commit.getIteration()) == null) {
            refuseStep(m, worker, commit.getIteration(), accepted -> new Rejection(DeadLetterReasons.TOO_FAR_AHEAD,
                    "worker " + worker + "'s step " + commit.getIteration() + " would make "
                    + (MAX_PENDING_STEPS + 1) + " committed steps wait above the run's consistent step "
                    + m.consistentIteration() + " (a worker may be at most " + MAX_PENDING_STEPS
                    + " committed steps ahead of the slowest); the step is not applied and its " + accepted
                    + " deltas are dead-lettered"));
        }
        long consistent = Math.min(m.commit(worker, commit.getIteration(), commit.getVirtualDate(),
                commit.getClock()), applyLimit);
        if (consistent > m.consistentIteration()) {
            apply(m, consistent);
        }
        save(m);
    }

    /**
     * The run's buffered deltas of iterations up to {@code upTo} that {@code which} keeps (judged on the key: a delta
     * stored in chunks is joined only when kept), in apply order.
     */
    private List<Pending> buffered(RunMeta m, long upTo, java.util.function.Predicate<Pending> which) {
        List<Pending> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> kv : buffer.scan(StoreKeys.runPrefix(m.runId()),
                k -> StoreKeys.bufferedIteration(k) > upTo)) { // keys are in iteration order (fixed-width)
            String k = kv.getKey();
            if (k.indexOf('\0') >= 0) {
                continue; // a chunk of the delta before it
            }
            if (which.test(Pending.of(k, kv.getValue(), false))) {
                boolean chunked = kv.getValue().length > 0 && kv.getValue()[0] == 0x01;
                out.add(Pending.of(k, chunked ? BUFFER_CHUNKS.get(ItemStore.adapt(buffer), k) : kv.getValue(),
                        chunked));
            }
        }
        out.sort(PENDING_ORDER);
        return out;
    }

    /** Removes a buffered delta (and its chunks) from the buffer. */
    private void unbuffer(Pending p) {
        if (p.chunked()) {
            BUFFER_CHUNKS.delete(ItemStore.adapt(buffer), p.key());
        } else {
            buffer.delete(p.key());
        }
    }

    /**
     * Refuses a commit (its declared {@code delta_count} is not what its worker sent, or it is too far ahead): the
     * worker's buffered deltas of the steps the commit would have closed (above its last committed step, up to the
     * commit's) are dead-lettered with the same reason and leave the buffer, so nothing of the step is ever applied.
     * The worker's last committed step stays where it was, as for any refused commit, so its next commit (a corrected
     * re-send of the step, or a later step) is taken on its own deltas. Its last accepted sequence keeps the refused
     * deltas' sequences (the meta is stored now: the buffer no longer holds them), so they are never accepted again.
     */
    private void refuseStep(RunMeta m, String worker, long upTo, java.util.function.IntFunction<Rejection> reason)
            throws Rejection {
        long from = m.committed(worker);
        List<Pending> step = buffered(m, upTo, p -> p.worker().equals(worker) && p.iteration() > from);
        Rejection refusal = reason.apply(step.size());
        m.stepRefused(worker, upTo, refusal.reason());
        save(m); // before the buffer loses the deltas that completed the worker's last sequence
        for (Pending p : step) {
            rejects.reject(m.runId(), p.bytes(), refusal);
            unbuffer(p);
            decoded.remove(p.key());
        }
        throw refusal;
    }

    private void onEnded(String key, RunEnded ended) throws Rejection {
        requireKey(key, ended.getRunId());
        RunMeta m = openRun(ended.getRunId());
        m.end(ended.getStatus().name(), ended.getFinalIteration(), ended.getEndedAtMs());
        save(m);
    }

    /** One buffered delta (joined when it was stored in chunks), its key parsed once for sorting. */
    private record Pending(String key, byte[] bytes, long iteration, String worker, long sequence, boolean chunked) {
        static Pending of(String k, byte[] bytes, boolean chunked) {
            int workerEnd = k.lastIndexOf(StoreKeys.SEP);
            int workerStart = k.lastIndexOf(StoreKeys.SEP, workerEnd - 1) + 1;
            return new Pending(k, bytes, StoreKeys.bufferedIteration(k), k.substring(workerStart, workerEnd),
                    Long.parseLong(k.substring(workerEnd + 1)), chunked);
        }
    }

    private static final Comparator<Pending> PENDING_ORDER = Comparator.comparingLong(Pending::iteration)
            .thenComparing(Pending::worker).thenComparingLong(Pending::sequence);

    /** Applies every buffered delta of iterations up to {@code upTo}, inside one seqlock write section. */
    private void apply(RunMeta m, long upTo) throws Rejection {
        List<Pending> pending = buffered(m, upTo, p -> true);

        Map<String, ItemStore.Stored> touchedItems = new LinkedHashMap<>();
        // How many chunks each touched item's stored value had when first read, so its put need not read it again.
        Map<String, Integer> storedChunks = new java.util.HashMap<>();
        // The decoded value of each state-model item changed in the current iteration (only when someone listens),
        // so its change is rendered without decoding the stored body again.
        Map<String, Object> values = listener == null ? null : new java.util.HashMap<>();
        // Per-iteration change lists (only when someone listens): iteration -> entity key -> identity.
        java.util.TreeMap<Long, Map<String, Change>> perIteration = new java.util.TreeMap<>();
        Map<Long, Integer> dates = new java.util.HashMap<>();
        long prevIteration = Long.MIN_VALUE;
        ItemParts parts = new ItemParts((bytes, rejection) -> rejects.reject(m.runId(), bytes, rejection));
        for (Pending buffered : pending) {
            Pending p = buffered;
            StateDelta d = decoded.remove(p.key());
            if (d == null) {
                d = BufferedDeltas.decode(p.bytes());
            }
            StateDelta whole = parts.add(p.bytes(), d);
            if (whole == null) {
                continue; // a part of a change whose last part is still to come
            }
            if (whole != d) {
                d = whole; // a change joined from its parts: rejected as a whole if its rules refuse it
                p = new Pending(p.key(), BufferedDeltas.encode(whole), p.iteration(), p.worker(), p.sequence(),
                        p.chunked());
            }
            if (listener != null && d.getIteration() != prevIteration) {
                if (prevIteration != Long.MIN_VALUE) {
                    snapshotValues(perIteration.get(prevIteration), touchedItems, values);
                }
                prevIteration = d.getIteration();
                perIteration.put(prevIteration, new LinkedHashMap<>());
                dates.put(prevIteration, d.getVirtualDate());
            }
            if (d.getEntityType() == null) {
                applyItem(m, p, d, touchedItems, storedChunks, perIteration.get(prevIteration), values);
            } else {
                applyLegacy(m, p, d, touchedItems, storedChunks, perIteration.get(prevIteration));
            }
        }
        parts.finish();
        if (listener != null && prevIteration != Long.MIN_VALUE) {
            snapshotValues(perIteration.get(prevIteration), touchedItems, values);
        }
        Map<Long, Map<String, Long>> clocks = new java.util.HashMap<>();
        if (listener != null) {
            // The commit's virtual_date (what the marker and GET /runs/{run} report), else the deltas'.
            perIteration.keySet().forEach(it -> {
                Integer committed = m.committedDate(it);
                if (committed != null) {
                    dates.put(it, committed);
                }
                Map<String, Long> clock = m.committedClock(it);
                if (clock != null) {
                    clocks.put(it, Map.copyOf(clock));
                }
            });
        }
        m.beginApply();
        save(m);
        touchedItems.forEach((k, v) -> {
            if (v == null) {
                items.delete(k);
            } else {
                items.put(k, v, storedChunks.get(k));
            }
        });
        pending.forEach(this::unbuffer);
        m.endApply(upTo, pending.size());
        if (listener != null) {
            perIteration.putIfAbsent(upTo, new LinkedHashMap<>());
            dates.putIfAbsent(upTo, m.consistentVirtualDate());
            if (m.model() != null) {
                // The committed clock of each reported step (the last step: the one in force there), fields in the
                // kind's order; empty for a kind without clock fields.
                List<String> fields = m.parsedModel().clock();
                Map<String, Long> current = m.consistentClock() == null ? Map.of() : m.consistentClock();
                perIteration.keySet().forEach(it -> clocks.put(it, inOrder(fields,
                        clocks.getOrDefault(it, it == upTo ? current : Map.of()))));
            }
            perIteration.forEach((iteration, changes) -> listener.applied(m.runId(), iteration, dates.get(iteration),
                    clocks.get(iteration), List.copyOf(changes.values())));
        }
        // The caller stores the even version together with the commit bookkeeping.
    }

    /** {@code clock} with its fields in the order {@code fields} names them (any others after, by name). */
    private static Map<String, Long> inOrder(List<String> fields, Map<String, Long> clock) {
        Map<String, Long> out = new LinkedHashMap<>();
        fields.forEach(f -> {
            if (clock.containsKey(f)) {
                out.put(f, clock.get(f));
            }
        });
        new java.util.TreeMap<>(clock).forEach(out::putIfAbsent);
        return out;
    }

    /**
     * Fixes each change's value to the entity's current (end of iteration) state, rendered from the decoded value
     * the apply kept when it has one (the same text as rendering the stored entity); then forgets those values.
     */
    private void snapshotValues(Map<String, Change> changes, Map<String, ItemStore.Stored> touchedItems,
                                Map<String, Object> values) {
        changes.replaceAll((key, c) -> {
            ItemStore.Stored v = touchedItems.get(key);
            String collection = ITEM_TYPE.equals(c.type()) ? null : LegacyKind.collection(EntityType.valueOf(c.type()))
                    .name();
            return new Change(c.type(), c.collection(), c.id(), v == null ? null
                    : itemJson(collection, v.entity(), values.get(key)));
        });
        values.clear();
    }

    /**
     * Most committed steps a run keeps waiting above its consistent step (the steps a worker has committed ahead of
     * the slowest one). Each keeps its virtual_date and clock in the run's metadata, which is stored again at every
     * record of the run and must fit one store record; a commit beyond this is refused ({@code too-far-ahead}).
     */
    public static final int MAX_PENDING_STEPS = 1_000;

    /**
     * Most characters of an item's JSON a change carries: current-state records and observer events must stay under
     * Kafka's record limit, so an item whose JSON is longer (or whose Avro body exceeds four times this, which is not
     * rendered at all) is announced as {@code {"$simsnap":"too-large","body_bytes":N}}; snapshots and REST reads
     * show it whole.
     */
    public static final int MAX_CHANGE_JSON = 256 * 1024;

    /**
     * The JSON of a state-model item ({@code legacyCollection} null) or of a v1 run's legacy item; {@code value} is
     * the state-model item's decoded value when at hand (else null: the entity is decoded).
     */
    private String itemJson(String legacyCollection, dev.simsnap.engine.entity.StoredEntity entity, Object value) {
        String tooLarge = "{\"$simsnap\":\"too-large\",\"body_bytes\":" + entity.bodyLength() + "}";
        if (entity.bodyLength() > 4 * MAX_CHANGE_JSON) {
            return tooLarge;
        }
        String json = legacyCollection != null ? LegacyChanges.json(items, legacyCollection, entity)
                : value != null ? ItemStore.valueJson(value) : items.json(entity);
        return json.length() > MAX_CHANGE_JSON ? tooLarge : json;
    }

    /** The {@link Change#type()} of a state-model run's item. */
    public static final String ITEM_TYPE = "ITEM";

    /** Applies one buffered state-model change; a change its rules refuse is dead-lettered, the step goes on. */
    private void applyItem(RunMeta m, Pending p, StateDelta d, Map<String, ItemStore.Stored> touchedItems,
                           Map<String, Integer> storedChunks, Map<String, Change> iterationChanges,
                           Map<String, Object> values) {
        String collection = d.getCollection();
        String key = ItemStore.key(m.runId(), collection, d.getEntityId());
        ItemStore.Stored current = current(key, touchedItems, storedChunks);
        try {
            dev.simsnap.engine.entity.Change.Op op = dev.simsnap.engine.entity.Change.Op.valueOf(d.getOp().name());
            dev.simsnap.engine.entity.Change change = op == dev.simsnap.engine.entity.Change.Op.DELETE
                    ? dev.simsnap.engine.entity.Change.delete()
                    : dev.simsnap.engine.entity.Change.ofFramed(op, List.copyOf(d.getPatchFields()),
                    bytes(d.getItem()));
            dev.simsnap.engine.entity.EntityOps.Applied next = items.ops().applyDecoded(
                    current == null ? null : current.entity(), change);
            touchedItems.put(key, next == null ? null
                    : new ItemStore.Stored(current == null ? m.takePosition() : current.position(), next.entity()));
            if (values != null) {
                values.put(key, next == null ? null : next.value());
            }
            if (iterationChanges != null) {
                iterationChanges.computeIfAbsent(key, k -> new Change(ITEM_TYPE, collection, d.getEntityId(), null));
            }
        } catch (dev.simsnap.engine.entity.RejectedChange e) {
            rejects.reject(m.runId(), p.bytes(), new Rejection(e.code(), "worker " + d.getWorkerId() + " sequence "
                    + d.getSequence() + ", " + collection + "/" + d.getEntityId() + ": " + e.getMessage(), e));
        } catch (IllegalArgumentException e) {
            rejects.reject(m.runId(), p.bytes(), new Rejection(DeadLetterReasons.INVALID_DELTA, "worker "
                    + d.getWorkerId() + " sequence " + d.getSequence() + ": " + e.getMessage(), e));
        }
    }

    /**
     * Applies one buffered v1 delta to its legacy item ({@link LegacyChanges}); an APPEND to a document key that
     * holds no list is dead-lettered ({@code append-to-non-list}), the step goes on.
     */
    private void applyLegacy(RunMeta m, Pending p, StateDelta d, Map<String, ItemStore.Stored> touchedItems,
                             Map<String, Integer> storedChunks, Map<String, Change> iterationChanges) {
        String collection = LegacyKind.collection(d.getEntityType()).name();
        String key = ItemStore.key(m.runId(), collection, LegacyKind.itemId(d));
        ItemStore.Stored current = current(key, touchedItems, storedChunks);
        try {
            dev.simsnap.engine.entity.StoredEntity next = LegacyChanges.apply(items,
                    current == null ? null : current.entity(), d);
            touchedItems.put(key, next == null ? null
                    : new ItemStore.Stored(current == null ? m.takePosition() : current.position(), next));
            if (iterationChanges != null) {
                iterationChanges.computeIfAbsent(key, k -> new Change(d.getEntityType().name(), d.getCollection(),
                        d.getEntityId(), null));
            }
        } catch (LegacyDeltas.NotAList e) {
            rejects.reject(m.runId(), p.bytes(), new Rejection(DeadLetterReasons.APPEND_TO_NON_LIST,
                    "worker " + d.getWorkerId() + " sequence " + d.getSequence() + ": " + e.getMessage(), e));
        } catch (dev.simsnap.engine.entity.RejectedChange e) {
            rejects.reject(m.runId(), p.bytes(), new Rejection(e.code(), "worker " + d.getWorkerId() + " sequence "
                    + d.getSequence() + ", " + collection + "/" + d.getEntityId() + ": " + e.getMessage(), e));
        } catch (IllegalArgumentException e) {
            rejects.reject(m.runId(), p.bytes(), new Rejection(DeadLetterReasons.INVALID_DELTA, "worker "
                    + d.getWorkerId() + " sequence " + d.getSequence() + ": " + e.getMessage(), e));
        }
    }

    /**
     * The item at {@code key} as this apply left it so far, else as stored (then its stored chunk count is kept for
     * the put at the end of the apply).
     */
    private ItemStore.Stored current(String key, Map<String, ItemStore.Stored> touchedItems,
                                     Map<String, Integer> storedChunks) {
        if (touchedItems.containsKey(key)) {
            return touchedItems.get(key);
        }
        if (storedChunks.containsKey(key)) {
            return items.get(key); // read before, and every change of it since was refused
        }
        ItemStore.Found found = items.find(key);
        storedChunks.put(key, found.chunks());
        return found.item();
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        java.nio.ByteBuffer dup = b.duplicate();
        byte[] out = new byte[dup.remaining()];
        dup.get(out);
        return out;
    }

    /** The run's parsed state model, or null for a legacy run. */
    private static dev.simsnap.model.StateModel model(RunMeta m) {
        return m.parsedModel();
    }

    /**
     * Stores the run's metadata and keeps the object for the next record of the run. Metadata too large for one
     * changelog record is refused ({@code too-large}) and the run's cached metadata dropped, so the record that
     * grew it leaves the stores as they were (every caller saves before its other writes).
     */
    private void save(RunMeta m) throws Rejection {
        String json = m.toJson();
        if (json.length() > RecordLimits.MAX_STORE_ENTRY / 3
                && m.runId().length() + RecordLimits.utf8Length(json) > RecordLimits.MAX_STORE_ENTRY) {
            runs.remove(m.runId());
            throw new Rejection(DeadLetterReasons.TOO_LARGE, "the run's metadata would be "
                    + RecordLimits.utf8Length(json) + " bytes, more than one store record holds ("
                    + RecordLimits.MAX_STORE_ENTRY + ")");
        }
        meta.put(m.runId(), json);
        runs.put(m.runId(), m);
    }

    private RunMeta openRun(String runId) throws Rejection {
        RunMeta m = runs.get(runId);
        if (m == null) {
            m = RunIds.isValid(runId) ? load(runId) : null;
            if (m == null) {
                throw new Rejection(DeadLetterReasons.RUN_NOT_STARTED, "no RunStarted seen for run '" + runId + "'");
            }
            runs.put(runId, m);
        }
        if (m.ended()) {
            throw new Rejection(DeadLetterReasons.RUN_ENDED, "run " + runId + " has ended");
        }
        return m;
    }

    /**
     * The run's stored meta with its model, or null: its workers' last sequences completed from the buffered deltas
     * accepted after it was stored; a model stored inline (before it had its own key) gets its own key now, since
     * the next save leaves it out.
     */
    private RunMeta load(String runId) {
        RunMeta m = RunMeta.read(meta::get, runId);
        if (m == null) {
            return null;
        }
        String modelKey = StoreKeys.runModel(runId);
        if (m.model() != null && meta.get(modelKey) == null) {
            meta.put(modelKey, m.model());
        }
        for (Map.Entry<String, byte[]> kv : buffer.scan(StoreKeys.runPrefix(runId), k -> false)) {
            if (kv.getKey().indexOf('\0') >= 0) {
                continue; // a chunk of the buffered delta before it
            }
            Pending p = Pending.of(kv.getKey(), kv.getValue(), false);
            if (p.sequence() > m.lastSequence(p.worker()) && m.isExpectedWorker(p.worker())) {
                m.acceptSequence(p.worker(), p.sequence());
            }
            if (p.iteration() > m.committed(p.worker()) && m.isExpectedWorker(p.worker())) {
                m.countDelta(p.worker(), p.iteration(), false);
            }
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
}
