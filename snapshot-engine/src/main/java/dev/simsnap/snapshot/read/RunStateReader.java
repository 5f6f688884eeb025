package dev.simsnap.snapshot.read;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.engine.entity.SchemaLookup;
import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.StateModel;
import dev.simsnap.render.json.JsonFormat;
import dev.simsnap.render.json.JsonWriter;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.legacy.LegacyKind;
import dev.simsnap.snapshot.delta.ItemStore;
import dev.simsnap.snapshot.delta.LegacyChanges;
import dev.simsnap.snapshot.run.RunInfo;
import dev.simsnap.snapshot.run.RunMeta;
import dev.simsnap.snapshot.store.SnapshotStores;
import dev.simsnap.snapshot.store.StoreKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Read API over the snapshot stores of this instance (safe from any thread; for runs hosted by another instance
 * route by {@code KafkaStreams.queryMetadataForKey(SnapshotStores.RUN_META, runId, stringSerializer)}).
 *
 * <p><b>No half-applied iteration is ever returned.</b> Entity reads use the run's version in the run-meta store as
 * a seqlock: the stream thread makes it odd, writes the step's entities, then makes it even. A reader reads the
 * version (retrying while odd), reads the entities, and re-reads the version; if it changed, the read overlapped
 * an apply and is retried (up to the deadline, then {@link ConcurrentApplyException}). Stores have caching off, so
 * each put is visible immediately and in program order (RocksDB publishes writes with release/acquire sequence
 * numbers), which makes "saw a new entity" imply "sees the odd or a later version". Applies are short and happen
 * once per consistent-iteration step, so retries are rare.
 *
 * <p>Generations need no lock: a generation becomes visible only when sealed and complete, and visible
 * generations never change (conflicting re-sends are dead-lettered).
 */
public final class RunStateReader {

    private static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);
    /** Reads the generation stores' JSON (fractions as doubles, as it was written). */
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StoreProvider stores;
    private final Duration deadline;
    private final SchemaLookup schemas;

    /** A reader with a 10 s retry deadline for consistent reads. */
    public RunStateReader(StoreProvider stores) {
        this(stores, DEFAULT_DEADLINE, null);
    }

    /** A reader that also renders state-model runs, decoding their items with {@code schemas}. */
    public RunStateReader(StoreProvider stores, SchemaLookup schemas) {
        this(stores, DEFAULT_DEADLINE, schemas);
    }

    /** A reader giving up consistent reads after {@code deadline} of overlapping applies. */
    public RunStateReader(StoreProvider stores, Duration deadline) {
        this(stores, deadline, null);
    }

    private RunStateReader(StoreProvider stores, Duration deadline, SchemaLookup schemas) {
        this.stores = stores;
        this.deadline = deadline;
        this.schemas = schemas;
    }

    /** Ids of the runs (started, including ended) held by this instance, sorted. */
    public List<String> runIds() {
        List<String> ids = new ArrayList<>();
        try (KeyValueIterator<String, ?> it = meta().all()) {
            it.forEachRemaining(kv -> {
                if (StoreKeys.isRunKey(kv.key)) {
                    ids.add(kv.key);
                }
            });
        }
        ids.sort(null);
        return ids;
    }

    /** The run's info; empty when unknown here (or when the id is invalid). */
    public Optional<RunInfo> runInfo(String runId) {
        return readMeta(runId).map(RunMeta::toInfo);
    }

    /**
     * One entity of a v1 run (a run without a state model) at the consistent iteration, as simsnap's canonical compact
     * JSON (null fields left out: the text of its current-state record); empty when the run or the entity does not
     * exist, or the run has a state model.
     *
     * @param collection the collection for DOCUMENT entities, ignored otherwise
     */
    public Optional<String> entity(String runId, EntityType type, String collection, String entityId) {
        return entity(runId, type, collection, entityId, JsonFormat.canonicalCompact());
    }

    /** As {@link #entity(String, EntityType, String, String)}, written in {@code format} (null fields left out). */
    public Optional<String> entity(String runId, EntityType type, String collection, String entityId,
                                   JsonFormat format) {
        if (type == EntityType.DOCUMENT && !RunIds.isValid(collection) || !RunIds.isValid(runId)) {
            return Optional.empty();
        }
        CollectionSpec c = LegacyKind.collection(type);
        if (c.shape() == dev.simsnap.model.Shape.SINGLETON && !c.name().equals(entityId)) {
            return Optional.empty();
        }
        ItemStore items = itemStore();
        String key = ItemStore.key(runId, c.name(), LegacyKind.itemId(c, entityId, collection));
        JsonWriter writer = JsonWriter.of(format.omitNullFields(true));
        Optional<Optional<String>> read = consistently(runId, m -> {
            ItemStore.Stored stored = m.model() == null ? items.get(key) : null;
            return stored == null ? Optional.<String>empty()
                    : Optional.of(writer.toText(LegacyChanges.view(items, c.name(), stored.entity())));
        });
        return read.flatMap(o -> o);
    }

    /**
     * One item of a state-model run at its consistent step, as JSON (Python's separators, UTF-8, with its writer
     * schema); empty when the run, the collection or the item does not exist.
     */
    public Optional<String> item(String runId, String collection, String entityId) {
        if (schemas == null || !RunIds.isValid(runId)) {
            return Optional.empty();
        }
        ItemStore items = itemStore();
        Optional<Optional<String>> read = consistently(runId, m -> {
            if (m.model() == null || m.parsedModel().collection(collection).isEmpty()) {
                return Optional.<String>empty();
            }
            var stored = items.get(dev.simsnap.snapshot.delta.ItemStore.key(runId, collection, entityId));
            return stored == null ? Optional.<String>empty() : Optional.of(items.json(stored.entity()));
        });
        return read.flatMap(o -> o);
    }

    /**
     * The generations of a state-model run: every version of every generation of each generations collection of its
     * model (members included only when {@code withMembers}), with the run's consistent step; empty when the run is
     * unknown here or has no state model (a v1 run's generations: {@link #generationIds}, {@link #generation}).
     */
    public Optional<ModelGenerations> modelGenerations(String runId, boolean withMembers) {
        Optional<RunMeta> meta = readMeta(runId);
        if (meta.isEmpty() || meta.get().model() == null) {
            return Optional.empty();
        }
        ItemStore items = itemStore();
        java.util.Map<String, java.util.SortedMap<Long, List<dev.simsnap.snapshot.delta.GenerationItems.Version>>>
                collections = new java.util.LinkedHashMap<>();
        for (CollectionSpec c : meta.get().parsedModel().collections()) {
            if (c.shape() == dev.simsnap.model.Shape.GENERATIONS) {
                collections.put(c.name(), items.generationVersions(runId, c.name(), withMembers));
            }
        }
        return Optional.of(new ModelGenerations(runId, meta.get().consistentIteration(), collections));
    }

    /**
     * The members of one version of a state-model run's generation, each as {@link #item} writes items (Python's
     * separators, UTF-8, with its writer schema), in population order; empty when there is no such version.
     */
    public Optional<List<String>> generationMembers(String runId, String collection, long generation, int version) {
        if (!RunIds.isValid(runId)) {
            return Optional.empty();
        }
        ItemStore items = itemStore();
        return items.generationMembers(runId, collection, generation, version).map(members -> members.stream()
                .map(m -> items.json(dev.simsnap.snapshot.delta.GenerationItems.entity(m))).toList());
    }

    /** The whole consistent state of a run (what a snapshot holds); empty when the run is unknown here. */
    public Optional<RunState> runState(String runId) {
        Optional<RunState> state = consistently(runId, m -> {
            if (m.model() != null && schemas == null) {
                throw new IllegalStateException("run " + m.runId() + " has a state model; this reader has no"
                        + " registry to decode its items");
            }
            return rendered(m, itemStore(), lookup());
        });
        state.ifPresent(s -> generationIds(runId).forEach(g -> generation(runId, g)
                .ifPresent(v -> s.generations().put(g, v.members()))));
        return state;
    }

    /** Visible generation numbers of a run, ascending (works also for runs whose RunStarted is not seen yet). */
    public List<Integer> generationIds(String runId) {
        List<Integer> ids = new ArrayList<>();
        if (!RunIds.isValid(runId)) {
            return ids;
        }
        try (KeyValueIterator<String, ?> it = seals().prefixScan(StoreKeys.runPrefix(runId), new StringSerializer())) {
            while (it.hasNext()) {
                int g = StoreKeys.sealGeneration(it.next().key);
                if (generation(runId, g).isPresent()) {
                    ids.add(g);
                }
            }
        }
        return ids;
    }

    /** A visible generation; empty when not sealed or not complete. */
    public Optional<GenerationView> generation(String runId, int generation) {
        if (!RunIds.isValid(runId) || generation < 0) {
            return Optional.empty();
        }
        Object sealText = seals().get(StoreKeys.seal(runId, generation));
        if (sealText == null) {
            return Optional.empty();
        }
        JsonNode seal = parse((String) sealText);
        int chunkCount = seal.get("chunk_count").asInt();
        int memberCount = seal.get("member_count").asInt();
        List<JsonNode> members = new ArrayList<>(memberCount);
        for (int i = 0; i < chunkCount; i++) {
            Object chunkText = chunks().get(StoreKeys.chunk(runId, generation, i));
            if (chunkText == null) {
                return Optional.empty();
            }
            JsonNode chunk = parse((String) chunkText);
            if (chunk.get("first_member_index").asInt() != members.size()) {
                return Optional.empty(); // not contiguous: treat as incomplete
            }
            chunk.get("members").forEach(members::add);
        }
        if (members.size() != memberCount) {
            return Optional.empty();
        }
        List<Double> scores = null;
        if (seal.has("scores")) {
            scores = new ArrayList<>();
            for (JsonNode s : seal.get("scores")) {
                scores.add(s.doubleValue());
            }
        }
        return Optional.of(new GenerationView(generation, memberCount, chunkCount, scores, List.copyOf(members)));
    }

    /**
     * A run's state at its consistent step: its files rendered from its model's layout over {@code items} (a run
     * without a model: the legacy model's), as the live reader and the history replay both build it. Generations of
     * v1 runs are not items: the caller adds them.
     */
    public static RunState rendered(RunMeta m, ItemStore items, SchemaLookup schemas) {
        return rendered(m, items, items, null, schemas);
    }

    /**
     * As {@link #rendered(RunMeta, ItemStore, SchemaLookup)}, with the generations collections' versions read from
     * {@code generations}: each generation's newest version saved at or before {@code maxStep} (null: its newest).
     */
    public static RunState rendered(RunMeta m, ItemStore items, ItemStore generations, Long maxStep,
                                    SchemaLookup schemas) {
        StateModel model = m.model() == null ? LegacyKind.model() : m.parsedModel();
        ItemsView view = ItemsView.read(model, m, items, generations, maxStep);
        return RunState.rendered(m.runId(), m.consistentIteration(),
                new dev.simsnap.render.layout.LayoutRenderer(model, schemas).render(view));
    }

    /** The item stores, read-only (registry schema ids need the reader's registry; legacy ones never do). */
    private ItemStore itemStore() {
        return new ItemStore(readOnly(SnapshotStores.ITEMS), readOnly(SnapshotStores.ITEM_CHUNKS), lookup());
    }

    private SchemaLookup lookup() {
        return schemas == null ? SchemaLookup.legacyOnly() : schemas;
    }

    /** A read-only store as the rules' key-value view. */
    private dev.simsnap.snapshot.delta.DeltaLog.Kv<byte[]> readOnly(String storeName) {
        ReadOnlyKeyValueStore<String, ?> store = stores.store(storeName);
        return new dev.simsnap.snapshot.delta.DeltaLog.Kv<>() {
            @Override
            public byte[] get(String key) {
                return (byte[]) store.get(key);
            }

            @Override
            public void put(String key, byte[] value) {
                throw new UnsupportedOperationException("read-only");
            }

            @Override
            public void delete(String key) {
                throw new UnsupportedOperationException("read-only");
            }

            @Override
            public List<java.util.Map.Entry<String, byte[]>> scan(String prefix,
                                                                  java.util.function.Predicate<String> stop) {
                List<java.util.Map.Entry<String, byte[]>> out = new ArrayList<>();
                try (KeyValueIterator<String, ?> it = store.prefixScan(prefix, new StringSerializer())) {
                    while (it.hasNext()) {
                        KeyValue<String, ?> kv = it.next();
                        if (stop.test(kv.key)) {
                            break;
                        }
                        out.add(java.util.Map.entry(kv.key, (byte[]) kv.value));
                    }
                }
                return out;
            }
        };
    }

    /**
     * Runs {@code body} under the seqlock of {@code runId}; empty when the run is unknown. A read that overlaps an
     * apply may see the stores half-changed and fail (an item listed by a scan and deleted before it is read): when
     * {@code body} throws and the run's version changed meanwhile, the read is torn, not wrong, and is made again;
     * when the version did not change, the exception is the answer.
     */
    private <T> Optional<T> consistently(String runId, java.util.function.Function<RunMeta, T> body) {
        long giveUp = System.nanoTime() + deadline.toNanos();
        int attempt = 0;
        while (true) {
            Optional<RunMeta> before = readMeta(runId);
            if (before.isEmpty()) {
                return Optional.empty();
            }
            if ((before.get().version() & 1) == 0) {
                T result = null;
                RuntimeException failed = null;
                try {
                    result = body.apply(before.get());
                } catch (RuntimeException e) {
                    failed = e;
                }
                Optional<RunMeta> after = readMeta(runId);
                if (after.isPresent() && after.get().version() == before.get().version()) {
                    if (failed != null) {
                        throw failed; // the run did not change while it was read: the failure is real
                    }
                    return Optional.of(result);
                }
            }
            if (System.nanoTime() > giveUp) {
                throw new ConcurrentApplyException("run " + runId + " kept changing for " + deadline);
            }
            backOff(++attempt);
        }
    }

    private static void backOff(int attempt) {
        if (attempt < 10) {
            Thread.onSpinWait();
            return;
        }
        try {
            Thread.sleep(Math.min(attempt, 20));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConcurrentApplyException("interrupted");
        }
    }

    private Optional<RunMeta> readMeta(String runId) {
        if (!RunIds.isValid(runId)) {
            return Optional.empty();
        }
        ReadOnlyKeyValueStore<String, ?> store = meta();
        return Optional.ofNullable(RunMeta.read(key -> (String) store.get(key), runId));
    }

    private ReadOnlyKeyValueStore<String, ?> meta() {
        return stores.store(SnapshotStores.RUN_META);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("corrupt generation store value: " + e.getOriginalMessage(), e);
        }
    }

    private ReadOnlyKeyValueStore<String, ?> seals() {
        return stores.store(SnapshotStores.GENERATION_SEALS);
    }

    private ReadOnlyKeyValueStore<String, ?> chunks() {
        return stores.store(SnapshotStores.GENERATION_CHUNKS);
    }

}
