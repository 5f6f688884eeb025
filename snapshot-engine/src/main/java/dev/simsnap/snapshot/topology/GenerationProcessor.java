package dev.simsnap.snapshot.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.render.json.JsonFormat;
import dev.simsnap.render.json.JsonWriter;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.schema.generation.GenerationChunk;
import dev.simsnap.schema.generation.GenerationSealed;
import dev.simsnap.schema.generation.PersonaGenotype;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import dev.simsnap.snapshot.deadletter.DeadLetterStats;
import dev.simsnap.snapshot.deadletter.Rejection;
import dev.simsnap.schema.legacy.LegacyKind;
import dev.simsnap.snapshot.delta.GenerationItems;
import dev.simsnap.snapshot.store.SnapshotStores;
import dev.simsnap.snapshot.store.StoreKeys;
import java.util.ArrayList;
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
 * Stores {@code simsnap.generations}: one store record per chunk (so a 20,000-member population never becomes
 * one oversized changelog record) and one seal per generation.
 *
 * <p>Generations of a run whose RunStarted has not been seen are stored, not rejected: they travel on another
 * topic, so the service cannot know whether RunStarted is merely not read yet. This processor therefore does not
 * read the run-meta store (keeping the two topics in independent sub-topologies, with no co-partitioning
 * requirement); a generation of a run that is never started is kept but only reachable by run id.
 *
 * <p>Re-sent identical chunks or seals are ignored (idempotent); a different chunk or seal for a stored
 * (generation, chunk) is a {@link DeadLetterReasons#GENERATION_CONFLICT}. Visibility (sealed and complete) is
 * decided by the reader.
 */
final class GenerationProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    static final String NAME = "simsnap-generation-processor";
    private static final JsonWriter STORE_JSON = JsonWriter.of(JsonFormat.canonicalCompact());
    private static final ObjectMapper READER = new ObjectMapper();

    private final Supplier<? extends Deserializer<?>> deserializers;
    private final DeadLetterStats stats;
    private ProcessorContext<byte[], byte[]> context;
    private WireFormatDecoder decoder;
    private RunPartitions partitions;
    private DeadLetters deadLetters;
    private KeyValueStore<String, String> chunks;
    private KeyValueStore<String, String> seals;
    private KeyValueStore<String, String> meta;
    private KeyValueStore<String, byte[]> itemHeads;
    private KeyValueStore<String, byte[]> itemChunks;

    GenerationProcessor(Supplier<? extends Deserializer<?>> deserializers, DeadLetterStats stats) {
        this.deserializers = deserializers;
        this.stats = stats;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.decoder = new WireFormatDecoder(deserializers.get());
        this.partitions = RunPartitions.of(context.appConfigs(), RunPartitions.GENERATIONS_PARTITIONS_CONFIG);
        this.deadLetters = new DeadLetters(context, stats, NAME);
        this.chunks = context.getStateStore(SnapshotStores.GENERATION_CHUNKS);
        this.seals = context.getStateStore(SnapshotStores.GENERATION_SEALS);
        this.meta = context.getStateStore(SnapshotStores.RUN_META);
        this.itemHeads = context.getStateStore(SnapshotStores.ITEMS);
        this.itemChunks = context.getStateStore(SnapshotStores.ITEM_CHUNKS);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        try {
            String topic = context.recordMetadata().map(m -> m.topic()).orElse("");
            String key = DeltaProcessor.key(record.key());
            partitions.check(key, topic, context.recordMetadata().map(m -> m.partition()).orElse(-1));
            Object value = decoder.decode(topic, record.headers(), record.value());
            if (value instanceof GenerationChunk chunk && chunk.getCollection() != null) {
                onItemsChunk(key, chunk);
            } else if (value instanceof GenerationSealed seal && seal.getCollection() != null) {
                onItemsSeal(key, seal);
            } else if (value instanceof GenerationChunk chunk) {
                onChunk(key, chunk);
            } else if (value instanceof GenerationSealed seal) {
                onSeal(key, seal);
            } else {
                throw new Rejection(DeadLetterReasons.UNEXPECTED_RECORD_TYPE,
                        value.getClass().getName() + " does not belong on the generations topic");
            }
        } catch (Rejection rejection) {
            deadLetters.send(record, rejection);
        }
    }

    private void onChunk(String key, GenerationChunk chunk) throws Rejection {
        String runId = chunk.getRunId();
        checkCommon(key, runId, chunk.getWorkerId(), chunk.getGeneration());
        if (chunk.getChunkIndex() < 0 || chunk.getFirstMemberIndex() < 0) {
            throw invalid("chunk_index and first_member_index must be >= 0");
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("worker_id", chunk.getWorkerId());
        json.put("first_member_index", chunk.getFirstMemberIndex());
        List<Object> members = new ArrayList<>(chunk.getMembers().size());
        for (PersonaGenotype member : chunk.getMembers()) {
            members.add(LegacyKind.sortedMaps(member));
        }
        json.put("members", members);
        String chunkJson = storeJson(json);
        String sealJson = seals.get(StoreKeys.seal(runId, chunk.getGeneration()));
        if (sealJson != null && chunk.getChunkIndex() >= parse(sealJson).get("chunk_count").asInt()) {
            throw invalid("chunk " + chunk.getChunkIndex() + " is beyond the sealed chunk_count");
        }
        putOnce(chunks, StoreKeys.chunk(runId, chunk.getGeneration(), chunk.getChunkIndex()), chunkJson,
                "chunk " + chunk.getChunkIndex() + " of generation " + chunk.getGeneration());
    }

    private void onSeal(String key, GenerationSealed seal) throws Rejection {
        String runId = seal.getRunId();
        checkCommon(key, runId, seal.getWorkerId(), seal.getGeneration());
        if (seal.getMemberCount() < 0 || seal.getChunkCount() < 0) {
            throw invalid("member_count and chunk_count must be >= 0");
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("worker_id", seal.getWorkerId());
        json.put("member_count", seal.getMemberCount());
        json.put("chunk_count", seal.getChunkCount());
        if (seal.getScores() != null) {
            if (seal.getScores().size() != seal.getMemberCount()) {
                throw invalid("scores has " + seal.getScores().size() + " entries for " + seal.getMemberCount() + " members");
            }
            json.put("scores", seal.getScores());
        }
        String sealJson = storeJson(json);
        String prefix = StoreKeys.seal(runId, seal.getGeneration()) + StoreKeys.SEP;
        try (KeyValueIterator<String, String> it = chunks.prefixScan(prefix, new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                int index = Integer.parseInt(kv.key.substring(prefix.length()));
                if (index >= seal.getChunkCount()) {
                    throw new Rejection(DeadLetterReasons.GENERATION_CONFLICT,
                            "chunk " + index + " already stored is beyond chunk_count " + seal.getChunkCount());
                }
            }
        }
        boolean first = seals.get(StoreKeys.seal(runId, seal.getGeneration())) == null;
        putOnce(seals, StoreKeys.seal(runId, seal.getGeneration()), sealJson,
                "seal of generation " + seal.getGeneration());
        if (first) {
            CurrentState.Out o = CurrentState.generation(runId, seal.getGeneration(), seal.getMemberCount());
            context.forward(new Record<>(o.key().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    o.value().getBytes(java.nio.charset.StandardCharsets.UTF_8), System.currentTimeMillis(),
                    o.headers()));
        }
    }

    /** A chunk of a state-model run's generation: kept until its worker's seal (same transaction) arrives. */
    private void onItemsChunk(String key, GenerationChunk chunk) throws Rejection {
        checkCommon(key, chunk.getRunId(), chunk.getWorkerId(), chunk.getGeneration());
        checkCollection(chunk.getRunId(), chunk.getCollection());
        GenerationItems.stage(DeltaProcessor.kv(itemHeads), chunk);
    }

    /** Seals a state-model run's generation: its chunks become the generation's next version. */
    private void onItemsSeal(String key, GenerationSealed seal) throws Rejection {
        checkCommon(key, seal.getRunId(), seal.getWorkerId(), seal.getGeneration());
        checkCollection(seal.getRunId(), seal.getCollection());
        int version = GenerationItems.seal(DeltaProcessor.kv(itemHeads), chunkKv(itemChunks), seal);
        CurrentState.Out o = CurrentState.generation(seal.getRunId(), seal.getCollection(), seal.getGeneration(),
                version, seal.getMemberCount());
        context.forward(new Record<>(o.key().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                o.value().getBytes(java.nio.charset.StandardCharsets.UTF_8), System.currentTimeMillis(), o.headers()));
    }

    /** When the run's model is known here, the collection must be one of its generations collections. */
    private void checkCollection(String runId, String collection) throws Rejection {
        var run = dev.simsnap.snapshot.run.RunMeta.read(meta::get, runId);
        if (run == null) {
            return; // RunStarted travels on the other topic and may not be read yet
        }
        if (run.model() == null) {
            throw invalid("a state-model generation in run " + runId + ", which was started without a model");
        }
        var spec = run.parsedModel().collection(collection);
        if (spec.isEmpty() || spec.get().shape() != dev.simsnap.model.Shape.GENERATIONS) {
            throw invalid("collection '" + collection + "' is not a generations collection of run " + runId);
        }
    }

    private static dev.simsnap.engine.entity.ChunkedValues.Kv chunkKv(KeyValueStore<String, byte[]> store) {
        return dev.simsnap.snapshot.delta.ItemStore.adapt(DeltaProcessor.kv(store));
    }

    /**
     * A chunk's or seal's store value: simsnap's canonical compact JSON (members with their maps in the legacy key
     * order, as v1 stored them). NaN and infinities are refused ({@code invalid-generation}).
     */
    private static String storeJson(Map<String, Object> json) throws Rejection {
        try {
            return STORE_JSON.toText(json);
        } catch (IllegalArgumentException e) {
            throw new Rejection(DeadLetterReasons.INVALID_GENERATION, e.getMessage(), e);
        }
    }

    private static JsonNode parse(String storeJson) {
        try {
            return READER.readTree(storeJson);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("corrupt generation store value: " + e.getOriginalMessage(), e);
        }
    }

    private static void putOnce(KeyValueStore<String, String> store, String key, String value, String what)
            throws Rejection {
        checkSize(key, dev.simsnap.snapshot.store.RecordLimits.utf8Length(value), what);
        String existing = store.get(key);
        if (existing == null) {
            store.put(key, value);
        } else if (!existing.equals(value)) {
            throw new Rejection(DeadLetterReasons.GENERATION_CONFLICT, what + " differs from the one already stored");
        }
    }

    /** Refuses a store entry too large for one changelog record (its send would stop the stream thread). */
    private static void checkSize(String key, long valueBytes, String what) throws Rejection {
        long bytes = dev.simsnap.snapshot.store.RecordLimits.utf8Length(key) + valueBytes;
        if (bytes > dev.simsnap.snapshot.store.RecordLimits.MAX_STORE_ENTRY) {
            throw new Rejection(DeadLetterReasons.TOO_LARGE, what + " would be stored as " + bytes
                    + " bytes, more than one store record holds ("
                    + dev.simsnap.snapshot.store.RecordLimits.MAX_STORE_ENTRY + ")");
        }
    }

    private static void checkCommon(String key, String runId, String workerId, int generation) throws Rejection {
        if (!runId.equals(key)) {
            throw new Rejection(DeadLetterReasons.KEY_MISMATCH, "key does not equal run_id '" + runId + "'");
        }
        if (!RunIds.isValid(runId) || !RunIds.isValid(workerId)) {
            throw invalid("invalid run_id or worker_id");
        }
        if (generation < 0) {
            throw invalid("generation must be >= 0");
        }
    }

    private static Rejection invalid(String detail) {
        return new Rejection(DeadLetterReasons.INVALID_GENERATION, detail);
    }

    @Override
    public void close() {
        if (decoder != null) {
            decoder.close();
        }
    }
}
