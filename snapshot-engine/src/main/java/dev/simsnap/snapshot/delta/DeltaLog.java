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
     */
    public interface IterationListener {
        void applied(String runId, long iteration, Integer virtualDate, List<Change> changes);
    }

    /** Most runs whose metadata is kept parsed. */
    private static final int MAX_CACHED_RUNS = 1024;
    /** Most buffered deltas kept decoded until applied (beyond that they are decoded again from the buffer). */
    private static final int MAX_DECODED = 200_000;

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
    /** Parsed state models of the runs seen (bounded like {@link #runs}). */
    private final Map<String, dev.simsnap.model.StateModel> models = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, dev.simsnap.model.StateModel> eldest) {
            return size() > MAX_CACHED_RUNS;
        }
    };

    /**
     * @param items      the item stores (a state-model run's collections, a v1 run's legacy ones)
     * @param stateModels whether {@code items} resolves registry schema ids: without, changes of state-model runs
     *                   (StateDelta v2) are dead-lettered as {@code invalid-delta}
     * @param applyLimit the consistent iteration never goes above this (Long.MAX_VALUE live; N when replaying
     *                   "as of N": deltas of later iterations stay buffered)
     * @param listener   receives every applied consistent iteration (null: none)
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
            String json = meta.get(runId);
            existing = json == null ? null : RunMeta.fromJson(json);
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
                dev.simsnap.model.StateModel.parse(started.getModel(), file -> null);
            } catch (IllegalArgumentException e) {
                throw new Rejection(DeadLetterReasons.INVALID_RUN_STARTED, "model: " + e.getMessage());
            }
            m.model(started.getModel());
        }
        save(m);
    }

    private void onDelta(String key, StateDelta delta) throws Rejection {
        requireKey(key, delta.getRunId());
        RunMeta m = openRun(delta.getRunId());
        String worker = delta.getWorkerId();
        requireWorker(m, worker);
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
        String bufferKey = StoreKeys.buffered(m.runId(), delta.getIteration(), worker, delta.getSequence());
        buffer.put(bufferKey, BufferedDeltas.encode(delta));
        if (decoded.size() < MAX_DECODED) {
            decoded.put(bufferKey, delta);
        }
        m.acceptSequence(worker, delta.getSequence());
        save(m);
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
        long consistent = Math.min(m.commit(worker, commit.getIteration(), commit.getVirtualDate(),
                commit.getClock()), applyLimit);
        if (consistent > m.consistentIteration()) {
            apply(m, consistent);
        }
        save(m);
    }

    private void onEnded(String key, RunEnded ended) throws Rejection {
        requireKey(key, ended.getRunId());
        RunMeta m = openRun(ended.getRunId());
        m.end(ended.getStatus().name(), ended.getFinalIteration(), ended.getEndedAtMs());
        save(m);
    }

    /** One buffered delta, its key parsed once for sorting. */
    private record Pending(String key, byte[] bytes, long iteration, String worker, long sequence) {
        static Pending of(Map.Entry<String, byte[]> kv) {
            String k = kv.getKey();
            int workerEnd = k.lastIndexOf(StoreKeys.SEP);
            int workerStart = k.lastIndexOf(StoreKeys.SEP, workerEnd - 1) + 1;
            return new Pending(k, kv.getValue(), StoreKeys.bufferedIteration(k), k.substring(workerStart, workerEnd),
                    Long.parseLong(k.substring(workerEnd + 1)));
        }
    }

    private static final Comparator<Pending> PENDING_ORDER = Comparator.comparingLong(Pending::iteration)
            .thenComparing(Pending::worker).thenComparingLong(Pending::sequence);

    /** Applies every buffered delta of iterations up to {@code upTo}, inside one seqlock write section. */
    private void apply(RunMeta m, long upTo) {
        List<Pending> pending = new ArrayList<>();
        for (Map.Entry<String, byte[]> kv : buffer.scan(StoreKeys.runPrefix(m.runId()),
                k -> StoreKeys.bufferedIteration(k) > upTo)) { // keys are in iteration order (fixed-width)
            pending.add(Pending.of(kv));
        }
        pending.sort(PENDING_ORDER);

        Map<String, ItemStore.Stored> touchedItems = new LinkedHashMap<>();
        // Per-iteration change lists (only when someone listens): iteration -> entity key -> identity.
        java.util.TreeMap<Long, Map<String, Change>> perIteration = new java.util.TreeMap<>();
        Map<Long, Integer> dates = new java.util.HashMap<>();
        long prevIteration = Long.MIN_VALUE;
        for (Pending p : pending) {
            StateDelta d = decoded.remove(p.key());
            if (d == null) {
                d = BufferedDeltas.decode(p.bytes());
            }
            if (listener != null && d.getIteration() != prevIteration) {
                if (prevIteration != Long.MIN_VALUE) {
                    snapshotValues(perIteration.get(prevIteration), touchedItems);
                }
                prevIteration = d.getIteration();
                perIteration.put(prevIteration, new LinkedHashMap<>());
                dates.put(prevIteration, d.getVirtualDate());
            }
            if (d.getEntityType() == null) {
                applyItem(m, p, d, touchedItems, perIteration.get(prevIteration));
            } else {
                applyLegacy(m, p, d, touchedItems, perIteration.get(prevIteration));
            }
        }
        if (listener != null && prevIteration != Long.MIN_VALUE) {
            snapshotValues(perIteration.get(prevIteration), touchedItems);
        }
        if (listener != null) {
            // The commit's virtual_date (what the marker and GET /runs/{run} report), else the deltas'.
            perIteration.keySet().forEach(it -> {
                Integer committed = m.committedDate(it);
                if (committed != null) {
                    dates.put(it, committed);
                }
            });
        }
        m.beginApply();
        save(m);
        touchedItems.forEach((k, v) -> {
            if (v == null) {
                items.delete(k);
            } else {
                items.put(k, v);
            }
        });
        pending.forEach(p -> buffer.delete(p.key()));
        m.endApply(upTo, pending.size());
        if (listener != null) {
            perIteration.putIfAbsent(upTo, new LinkedHashMap<>());
            dates.putIfAbsent(upTo, m.consistentVirtualDate());
            perIteration.forEach((iteration, changes) -> listener.applied(m.runId(), iteration, dates.get(iteration),
                    List.copyOf(changes.values())));
        }
        // The caller stores the even version together with the commit bookkeeping.
    }

    /** Fixes each change's value to the entity's current (end of iteration) state. */
    private void snapshotValues(Map<String, Change> changes, Map<String, ItemStore.Stored> touchedItems) {
        changes.replaceAll((key, c) -> {
            ItemStore.Stored v = touchedItems.get(key);
            String collection = ITEM_TYPE.equals(c.type()) ? null : LegacyKind.collection(EntityType.valueOf(c.type()))
                    .name();
            return new Change(c.type(), c.collection(), c.id(), v == null ? null : itemJson(collection, v.entity()));
        });
    }

    /**
     * Most characters of an item's JSON a change carries: current-state records and observer events must stay under
     * Kafka's record limit, so an item whose JSON is longer (or whose Avro body exceeds four times this, which is not
     * rendered at all) is announced as {@code {"$simsnap":"too-large","body_bytes":N}}; snapshots and REST reads
     * show it whole.
     */
    public static final int MAX_CHANGE_JSON = 256 * 1024;

    /** The JSON of a state-model item ({@code legacyCollection} null) or of a v1 run's legacy item. */
    private String itemJson(String legacyCollection, dev.simsnap.engine.entity.StoredEntity entity) {
        String tooLarge = "{\"$simsnap\":\"too-large\",\"body_bytes\":" + entity.bodyLength() + "}";
        if (entity.bodyLength() > 4 * MAX_CHANGE_JSON) {
            return tooLarge;
        }
        String json = legacyCollection == null ? items.json(entity)
                : LegacyChanges.json(items, legacyCollection, entity);
        return json.length() > MAX_CHANGE_JSON ? tooLarge : json;
    }

    /** The {@link Change#type()} of a state-model run's item. */
    public static final String ITEM_TYPE = "ITEM";

    /** Applies one buffered state-model change; a change its rules refuse is dead-lettered, the step goes on. */
    private void applyItem(RunMeta m, Pending p, StateDelta d, Map<String, ItemStore.Stored> touchedItems,
                           Map<String, Change> iterationChanges) {
        String collection = d.getCollection();
        String key = ItemStore.key(m.runId(), collection, d.getEntityId());
        ItemStore.Stored current = touchedItems.containsKey(key) ? touchedItems.get(key) : items.get(key);
        try {
            dev.simsnap.engine.entity.Change.Op op = dev.simsnap.engine.entity.Change.Op.valueOf(d.getOp().name());
            dev.simsnap.engine.entity.Change change = op == dev.simsnap.engine.entity.Change.Op.DELETE
                    ? dev.simsnap.engine.entity.Change.delete()
                    : dev.simsnap.engine.entity.Change.ofFramed(op, List.copyOf(d.getPatchFields()),
                    bytes(d.getItem()));
            dev.simsnap.engine.entity.StoredEntity next = items.ops().apply(
                    current == null ? null : current.entity(), change);
            touchedItems.put(key, next == null ? null
                    : new ItemStore.Stored(current == null ? m.takePosition() : current.position(), next));
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
                             Map<String, Change> iterationChanges) {
        String collection = LegacyKind.collection(d.getEntityType()).name();
        String key = ItemStore.key(m.runId(), collection, LegacyKind.itemId(d));
        ItemStore.Stored current = touchedItems.containsKey(key) ? touchedItems.get(key) : items.get(key);
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

    private static byte[] bytes(java.nio.ByteBuffer b) {
        java.nio.ByteBuffer dup = b.duplicate();
        byte[] out = new byte[dup.remaining()];
        dup.get(out);
        return out;
    }

    /** The run's parsed state model, or null for a legacy run. */
    private dev.simsnap.model.StateModel model(RunMeta m) {
        if (m.model() == null) {
            return null;
        }
        return models.computeIfAbsent(m.runId(), r -> dev.simsnap.model.StateModel.parse(m.model(), f -> null));
    }

    /** Stores the run's metadata and keeps the object for the next record of the run. */
    private void save(RunMeta m) {
        meta.put(m.runId(), m.toJson());
        runs.put(m.runId(), m);
    }

    private RunMeta openRun(String runId) throws Rejection {
        RunMeta m = runs.get(runId);
        if (m == null) {
            String json = RunIds.isValid(runId) ? meta.get(runId) : null;
            if (json == null) {
                throw new Rejection(DeadLetterReasons.RUN_NOT_STARTED, "no RunStarted seen for run '" + runId + "'");
            }
            m = RunMeta.fromJson(json);
            runs.put(runId, m);
        }
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
}
