package dev.simsnap.snapshot.delta;

import dev.simsnap.engine.entity.StoredEntity;
import dev.simsnap.engine.entity.ChunkedValues;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The generations of state-model runs in the item stores. Each save of a generation is a new <em>version</em>;
 * the newest is the generation's current population, earlier ones stay for as-of reads.
 *
 * <ul>
 *   <li>a chunk waiting for its seal: {@code <run>|~gen|<collection>|<generation:20>|p|<worker>|<chunk:10>};</li>
 *   <li>a sealed version: {@code <run>|~gen|<collection>|<generation:20>|v|<version:10>}, value = the step it was
 *       saved at (8 bytes, -1 when none), the member count, then each member (Confluent-framed), kept through
 *       {@link ChunkedValues} so a population of any size stays under Kafka's record limit.</li>
 * </ul>
 * Collection names never start with {@code ~}, so these keys never mix with a collection's items.
 */
public final class GenerationItems {

    private static final ChunkedValues CHUNKS = new ChunkedValues();

    /** One version of one generation. */
    public record Version(long generation, int version, long step, List<byte[]> members) {
    }

    private GenerationItems() {
    }

    static String base(String runId, String collection, long generation) {
        return runId + "|~gen|" + collection + "|" + pad(generation, 20) + "|";
    }

    public static String collectionPrefix(String runId, String collection) {
        return runId + "|~gen|" + collection + "|";
    }

    public static String pendingPrefix(String runId, String collection, long generation, String worker) {
        return base(runId, collection, generation) + "p|" + worker + "|";
    }

    public static String pendingKey(String runId, String collection, long generation, String worker, int chunk) {
        return pendingPrefix(runId, collection, generation, worker) + pad(chunk, 10);
    }

    public static String versionPrefix(String runId, String collection, long generation) {
        return base(runId, collection, generation) + "v|";
    }

    public static String versionKey(String runId, String collection, long generation, int version) {
        return versionPrefix(runId, collection, generation) + pad(version, 10);
    }

    /** A pending chunk's value: first member index, then the members. */
    public static byte[] encodeChunk(int firstMember, List<ByteBuffer> members) {
        return encode(firstMember, members.stream().map(GenerationItems::bytes).toList());
    }

    public static long chunkFirstMember(byte[] value) {
        return ByteBuffer.wrap(value).getLong();
    }

    public static List<byte[]> members(byte[] value) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(value))) {
            in.readLong();
            int n = in.readInt();
            List<byte[]> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[] m = new byte[in.readInt()];
                in.readFully(m);
                out.add(m);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stores a sealed version. */
    public static void putVersion(ChunkedValues.Kv heads, ChunkedValues.Kv chunks, String key, long step,
                                  List<byte[]> members) {
        CHUNKS.put(heads, chunks, key, encode(step, members));
    }

    /** Every generation's newest version among those saved at or before {@code maxStep} (any step when null). */
    public static SortedMap<Long, Version> latest(DeltaLog.Kv<byte[]> heads, ChunkedValues.Kv headsKv,
                                                  ChunkedValues.Kv chunks, String runId, String collection,
                                                  Long maxStep) {
        SortedMap<Long, Version> out = new TreeMap<>();
        String prefix = collectionPrefix(runId, collection);
        for (Map.Entry<String, byte[]> e : heads.scan(prefix, k -> false)) {
            String rest = e.getKey().substring(prefix.length());
            if (e.getKey().indexOf('\0') >= 0 || !rest.substring(21).startsWith("v|")) {
                continue; // chunk keys and pending chunks
            }
            long generation = Long.parseLong(rest.substring(0, 20));
            int version = Integer.parseInt(rest.substring(23));
            byte[] value = CHUNKS.get(headsKv, chunks, e.getKey());
            long step = ByteBuffer.wrap(value).getLong();
            if (maxStep != null && step > maxStep) {
                continue;
            }
            out.put(generation, new Version(generation, version, step, members(value)));
        }
        return out;
    }

    /** A framed member as the engine's stored form. */
    public static StoredEntity entity(byte[] framed) {
        ByteBuffer b = ByteBuffer.wrap(framed);
        if (framed.length < 5 || b.get() != 0) {
            throw new IllegalArgumentException("a generation member is not Confluent-framed");
        }
        int id = b.getInt();
        byte[] body = new byte[b.remaining()];
        b.get(body);
        return new StoredEntity(id, body);
    }

    private static byte[] encode(long head, List<byte[]> members) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(head);
            out.writeInt(members.size());
            for (byte[] m : members) {
                out.writeInt(m.length);
                out.write(m);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private static String pad(long n, int width) {
        String s = Long.toString(n);
        return "0".repeat(Math.max(0, width - s.length())) + s;
    }
}
