package dev.simsnap.engine.entity;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;
import java.util.zip.CRC32C;

/**
 * Store values of any size over stores (and changelogs) that must keep every value small: a value above the threshold
 * (default 512 KiB) is split into a head value under the entity's key and chunk values under derived keys, and joined
 * back on read. Pure functions over a tiny {@link Kv} interface; heads and chunks may live in one store or two.
 *
 * <h2>Format</h2>
 * Head value under {@code key}, one of:
 * <pre>
 *   inline   0x00, value bytes                                        (1 + n &lt;= threshold)
 *   chunked  0x01, int32 total length, int32 chunk count, int32 chunk size, int32 CRC-32C of the whole value
 *            (17 bytes; integers big-endian)
 * </pre>
 * Chunk {@code i} (from 0) is the raw bytes {@code [i * chunkSize, min((i + 1) * chunkSize, total))} of the value,
 * under {@link #chunkKey chunkKey(key, i)} = {@code key + "\u0000#" + i as 8 lowercase hex digits}: a NUL sorts
 * before every other character and the index has a fixed width, so in a byte-ordered store (UTF-8 keys) the chunks
 * sort right after their head, in index order, before any other key. Chunk size = threshold, so no head and no chunk
 * is larger than the threshold. Keys must not contain NUL.
 *
 * <p>Writes put the chunks first, then the head, then delete the chunks the previous value had beyond the new count
 * (a value that shrinks, or becomes inline, or is deleted, leaves no stale chunk). A read checks every chunk's length
 * and the CRC, so a head and chunks from different writes (an interrupted write outside a transaction) are reported
 * ({@link IllegalStateException}), never joined silently.
 */
public final class ChunkedValues {

    /** The tiny store interface: byte values under string keys. */
    public interface Kv {
        /** The value, or null. */
        byte[] get(String key);

        void put(String key, byte[] value);

        /** Removes the key; no-op when absent. */
        void delete(String key);
    }

    /** 512 KiB: no store value, changelog record or current-state record comes near Kafka's 1 MB limit. */
    public static final int DEFAULT_THRESHOLD = 512 * 1024;
    /** The smallest threshold accepted (tests use small ones). */
    public static final int MIN_THRESHOLD = 32;

    static final byte INLINE = 0x00;
    static final byte CHUNKED = 0x01;
    static final int CHUNKED_HEAD_SIZE = 17;
    private static final String CHUNK_SEPARATOR = "\u0000#";

    private final int threshold;

    /** With {@link #DEFAULT_THRESHOLD}. */
    public ChunkedValues() {
        this(DEFAULT_THRESHOLD);
    }

    /** With {@code threshold} bytes as the largest head or chunk value. */
    public ChunkedValues(int threshold) {
        if (threshold < MIN_THRESHOLD) {
            throw new IllegalArgumentException("threshold must be >= " + MIN_THRESHOLD + " bytes, was " + threshold);
        }
        this.threshold = threshold;
    }

    public int threshold() {
        return threshold;
    }

    /** The key of chunk {@code index} of the value under {@code key}. */
    public static String chunkKey(String key, int index) {
        return key + CHUNK_SEPARATOR + String.format("%08x", index);
    }

    // ---------------------------------------------------------------- pure split / join

    /** A value split for storing: the head value and the chunk values (empty when inline), in index order. */
    public record Split(byte[] head, List<byte[]> chunks) {
    }

    /** Splits {@code value} (pure: no store involved). */
    public Split split(byte[] value) {
        Objects.requireNonNull(value, "value");
        if (value.length + 1 <= threshold) {
            byte[] head = new byte[value.length + 1];
            head[0] = INLINE;
            System.arraycopy(value, 0, head, 1, value.length);
            return new Split(head, List.of());
        }
        int count = (int) ((value.length + (long) threshold - 1) / threshold);
        List<byte[]> chunks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int from = i * threshold;
            chunks.add(Arrays.copyOfRange(value, from, Math.min(value.length, from + threshold)));
        }
        CRC32C crc = new CRC32C();
        crc.update(value, 0, value.length);
        byte[] head = ByteBuffer.allocate(CHUNKED_HEAD_SIZE).put(CHUNKED).putInt(value.length).putInt(count)
                .putInt(threshold).putInt((int) crc.getValue()).array();
        return new Split(head, chunks);
    }

    /** How many chunks a head value refers to: 0 for an inline head. */
    public static int chunkCount(byte[] head) {
        Objects.requireNonNull(head, "head");
        if (head.length == 0) {
            throw new IllegalStateException("empty head value: not written by ChunkedValues");
        }
        if (head[0] == INLINE) {
            return 0;
        }
        if (head[0] != CHUNKED || head.length != CHUNKED_HEAD_SIZE) {
            throw new IllegalStateException(String.format("head value of %d bytes with tag 0x%02X: not written by"
                    + " ChunkedValues", head.length, head[0] & 0xFF));
        }
        return ByteBuffer.wrap(head, 5, 4).getInt();
    }

    /**
     * Joins a head value and its chunks (pure: {@code chunk} gives chunk {@code i}, or null when it is missing).
     *
     * @throws IllegalStateException when a chunk is missing or has the wrong length, or the CRC does not match
     */
    public static byte[] join(byte[] head, IntFunction<byte[]> chunk) {
        int count = chunkCount(head);
        if (count == 0) {
            return Arrays.copyOfRange(head, 1, head.length);
        }
        ByteBuffer h = ByteBuffer.wrap(head, 1, CHUNKED_HEAD_SIZE - 1);
        int total = h.getInt();
        h.getInt();
        int size = h.getInt();
        int expectedCrc = h.getInt();
        if (total < 0 || size <= 0 || count != (int) ((total + (long) size - 1) / size)) {
            throw new IllegalStateException("corrupt chunked head: total " + total + ", " + count + " chunks of "
                    + size);
        }
        byte[] value = new byte[total];
        for (int i = 0; i < count; i++) {
            byte[] c = chunk.apply(i);
            int expected = i < count - 1 ? size : total - (count - 1) * size;
            if (c == null) {
                throw new IllegalStateException("chunk " + i + " of " + count + " is missing");
            }
            if (c.length != expected) {
                throw new IllegalStateException("chunk " + i + " of " + count + " has " + c.length + " bytes, expected "
                        + expected);
            }
            System.arraycopy(c, 0, value, i * size, c.length);
        }
        CRC32C crc = new CRC32C();
        crc.update(value, 0, total);
        if ((int) crc.getValue() != expectedCrc) {
            throw new IllegalStateException("chunked value of " + total + " bytes fails its CRC-32C: head and chunks"
                    + " are from different writes");
        }
        return value;
    }

    // ---------------------------------------------------------------- over stores

    /** Stores {@code value} under {@code key}: head in {@code heads}, chunks in {@code chunks}; null deletes. */
    public void put(Kv heads, Kv chunks, String key, byte[] value) {
        checkKey(key);
        if (value == null) {
            delete(heads, chunks, key);
            return;
        }
        put(heads, chunks, key, value, previousCount(heads, key));
    }

    /**
     * {@link #put(Kv, Kv, String, byte[])} for a caller that knows how many chunks the value it replaces has
     * ({@link #storedChunks}; 0 when there is none or it is inline), so the old head is not read again.
     */
    public void put(Kv heads, Kv chunks, String key, byte[] value, int previous) {
        checkKey(key);
        if (value == null) {
            delete(heads, chunks, key);
            return;
        }
        Split split = split(value);
        for (int i = 0; i < split.chunks().size(); i++) {
            chunks.put(chunkKey(key, i), split.chunks().get(i));
        }
        heads.put(key, split.head());
        for (int i = split.chunks().size(); i < previous; i++) {
            chunks.delete(chunkKey(key, i));
        }
    }

    /** The value under {@code key}, joined from its chunks when it has any; null when there is none. */
    public byte[] get(Kv heads, Kv chunks, String key) {
        checkKey(key);
        byte[] head = heads.get(key);
        if (head == null) {
            return null;
        }
        try {
            return join(head, i -> chunks.get(chunkKey(key, i)));
        } catch (IllegalStateException e) {
            throw new IllegalStateException("value under key '" + key + "': " + e.getMessage(), e);
        }
    }

    /** Deletes the value under {@code key} and its chunks. */
    public void delete(Kv heads, Kv chunks, String key) {
        checkKey(key);
        int previous = previousCount(heads, key);
        heads.delete(key);
        for (int i = 0; i < previous; i++) {
            chunks.delete(chunkKey(key, i));
        }
    }

    /** {@link #put(Kv, Kv, String, byte[])} with heads and chunks in one store. */
    public void put(Kv store, String key, byte[] value) {
        put(store, store, key, value);
    }

    /** {@link #get(Kv, Kv, String)} with heads and chunks in one store. */
    public byte[] get(Kv store, String key) {
        return get(store, store, key);
    }

    /** {@link #delete(Kv, Kv, String)} with heads and chunks in one store. */
    public void delete(Kv store, String key) {
        delete(store, store, key);
    }

    private static int previousCount(Kv heads, String key) {
        return storedChunks(heads.get(key));
    }

    /** How many chunks the stored head value {@code head} has: 0 when null, inline, or not written by this class. */
    public static int storedChunks(byte[] head) {
        if (head == null) {
            return 0;
        }
        try {
            return chunkCount(head);
        } catch (IllegalStateException e) {
            return 0; // not ours: nothing we could have chunked
        }
    }

    private static void checkKey(String key) {
        if (key == null || key.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException("chunked value keys must be non-null and contain no NUL character: "
                    + (key == null ? "null" : key.replace("\u0000", "\\u0000")));
        }
    }
}
