package dev.simsnap.snapshot.delta;

import dev.simsnap.engine.entity.ChunkedValues;
import dev.simsnap.engine.entity.EntityOps;
import dev.simsnap.engine.entity.SchemaLookup;
import dev.simsnap.engine.entity.StoredEntity;
import dev.simsnap.render.json.JsonFormat;
import dev.simsnap.render.json.JsonWriter;
import dev.simsnap.render.json.OrderedGenericDatumReader;
import dev.simsnap.render.layout.JsonValues;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.DecoderFactory;

/**
 * The items of state-model runs: where they are kept ({@code <run>|<collection>|<entity id>} in a head store and a
 * chunk store), how a change is applied to one ({@link EntityOps}) and how one is shown as JSON.
 *
 * <p>A stored value is an 8-byte insertion position followed by the {@link StoredEntity} bytes, split by
 * {@link ChunkedValues} above 512 KiB. The position orders collections declared with {@code "order": "insertion"}.
 */
public final class ItemStore {

    /** One stored item: its insertion position and value. */
    public record Stored(long position, StoredEntity entity) {
    }

    private static final ChunkedValues CHUNKS = new ChunkedValues();
    private static final JsonWriter COMPACT = JsonWriter.of(JsonFormat.python(null).ensureAscii(false));

    private final ChunkedValues.Kv heads;
    private final ChunkedValues.Kv chunks;
    private final DeltaLog.Kv<byte[]> headScan;
    private final SchemaLookup schemas;
    private final EntityOps ops;
    private final Map<Integer, OrderedGenericDatumReader<Object>> readers = new ConcurrentHashMap<>();

    public ItemStore(DeltaLog.Kv<byte[]> heads, DeltaLog.Kv<byte[]> chunks, SchemaLookup schemas) {
        this.heads = adapt(heads);
        this.chunks = adapt(chunks);
        this.headScan = heads;
        this.schemas = schemas;
        this.ops = new EntityOps(schemas);
    }

    /** A byte store of the rules as the chunk codec's key-value view. */
    public static ChunkedValues.Kv adapt(DeltaLog.Kv<byte[]> kv) {
        return new ChunkedValues.Kv() {
            @Override
            public byte[] get(String key) {
                return kv.get(key);
            }

            @Override
            public void put(String key, byte[] value) {
                kv.put(key, value);
            }

            @Override
            public void delete(String key) {
                kv.delete(key);
            }
        };
    }

    /** The key of an item. */
    public static String key(String runId, String collection, String entityId) {
        return runId + '|' + collection + '|' + entityId;
    }

    /** The prefix of every item key of one collection of a run. */
    public static String collectionPrefix(String runId, String collection) {
        return runId + '|' + collection + '|';
    }

    public EntityOps ops() {
        return ops;
    }

    /**
     * An item as read for a change: the item (null when there is none) and how many chunks its stored value has, to
     * give {@link #put(String, Stored, int)} back.
     */
    public record Found(Stored item, int chunks) {
    }

    /** The item at {@code key}, or null. */
    public Stored get(String key) {
        return stored(CHUNKS.get(heads, chunks, key));
    }

    /** The item at {@code key} (null when there is none) with its stored chunk count, reading its head once. */
    public Found find(String key) {
        byte[] head = heads.get(key);
        if (head == null) {
            return new Found(null, 0);
        }
        try {
            return new Found(stored(ChunkedValues.join(head, i -> chunks.get(ChunkedValues.chunkKey(key, i)))),
                    ChunkedValues.storedChunks(head));
        } catch (IllegalStateException e) {
            throw new IllegalStateException("value under key '" + key + "': " + e.getMessage(), e);
        }
    }

    private static Stored stored(byte[] value) {
        if (value == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(value);
        long position = b.getLong();
        byte[] rest = new byte[b.remaining()];
        b.get(rest);
        return new Stored(position, StoredEntity.fromBytes(rest));
    }

    public void put(String key, Stored item) {
        CHUNKS.put(heads, chunks, key, value(item));
    }

    /**
     * {@link #put(String, Stored)} over a stored value of {@code previousChunks} chunks ({@link Found#chunks()}, read
     * by this store's only writer since), without reading its head again.
     */
    public void put(String key, Stored item, int previousChunks) {
        CHUNKS.put(heads, chunks, key, value(item), previousChunks);
    }

    private static byte[] value(Stored item) {
        byte[] entity = item.entity().toBytes();
        return ByteBuffer.allocate(8 + entity.length).putLong(item.position()).put(entity).array();
    }

    public void delete(String key) {
        CHUNKS.delete(heads, chunks, key);
    }

    /**
     * The entity ids and items of one collection of a run, in key (byte) order. A key the scan lists but whose item
     * is gone when it is read (deleted meanwhile by the stores' writer) is left out.
     */
    public List<Map.Entry<String, Stored>> scan(String runId, String collection) {
        String prefix = collectionPrefix(runId, collection);
        List<Map.Entry<String, Stored>> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : headScan.scan(prefix, k -> false)) {
            if (e.getKey().indexOf('\0') >= 0) {
                continue; // a chunk key, when heads and chunks share one store
            }
            Stored item = get(e.getKey());
            if (item != null) { // null: deleted since the scan listed it (a reader overlapping an apply retries)
                out.add(Map.entry(e.getKey().substring(prefix.length()), item));
            }
        }
        return out;
    }

    /**
     * The generations of a generations collection: each generation's newest version saved at or before
     * {@code maxStep} (any, when null), members in population order.
     */
    public java.util.SortedMap<Long, List<StoredEntity>> generations(String runId, String collection, Long maxStep) {
        java.util.SortedMap<Long, List<StoredEntity>> out = new java.util.TreeMap<>();
        GenerationItems.latest(headScan, heads, chunks, runId, collection, maxStep).forEach((g, v) ->
                out.put(g, v.members().stream().map(GenerationItems::entity).toList()));
        return out;
    }

    /**
     * Every version of every generation of a generations collection: generation -> versions in version order, with
     * their members or without ({@link GenerationItems#versions}).
     */
    public java.util.SortedMap<Long, List<GenerationItems.Version>> generationVersions(String runId,
                                                                                     String collection,
                                                                                     boolean withMembers) {
        return GenerationItems.versions(headScan, heads, chunks, runId, collection, withMembers);
    }

    /** The members (Confluent-framed, population order) of one version of a generation; empty when none. */
    public java.util.Optional<List<byte[]>> generationMembers(String runId, String collection, long generation,
                                                              int version) {
        return GenerationItems.members(heads, chunks, runId, collection, generation, version);
    }

    /**
     * The entity as compact JSON (Python's {@code json.dumps} separators, UTF-8), decoded with its writer schema;
     * {@code simsnap.json.Value} records are written as the value they hold, as the layout renders them (not as
     * Avro's {@code {"v": ...}} wrapper).
     */
    public String json(StoredEntity entity) {
        return valueJson(decode(entity));
    }

    /**
     * {@link #json(StoredEntity)} of an entity whose decoded value is at hand ({@link EntityOps.Applied#value()}):
     * the same text, without decoding the body again.
     */
    public static String valueJson(Object value) {
        return new String(COMPACT.toBytes(JsonValues.unwrap(value)), StandardCharsets.UTF_8);
    }

    /** The entity as an Avro value of its writer schema (maps keep their order). */
    public Object decode(StoredEntity entity) {
        OrderedGenericDatumReader<Object> reader = readers.computeIfAbsent(entity.schemaId(), id -> {
            Schema s = schemas.byId(id);
            if (s == null) {
                throw new IllegalStateException("schema id " + id + " is not in the registry");
            }
            return new OrderedGenericDatumReader<>(s);
        });
        try {
            return reader.read(null, DecoderFactory.get().binaryDecoder(entity.body(), null));
        } catch (IOException e) {
            throw new IllegalStateException("item with schema id " + entity.schemaId() + " does not decode", e);
        }
    }
}
