package dev.simsnap.snapshot.store;

/**
 * The sizes that keep every record the engine writes — store changelogs, current-state and dead letters — under
 * Kafka's default {@code max.request.size} of 1,048,576 bytes (a record over it fails its send, and a failed send
 * of a stream task fails the task, again on every restart). The engine checks them before it writes: a value that
 * could exceed them is split ({@link dev.simsnap.engine.entity.ChunkedValues}), announced by a small marker, or
 * refused with the dead-letter reason {@code too-large} before anything of its record is stored.
 */
public final class RecordLimits {

    /**
     * Most bytes of key plus value of one store entry, i.e. of its changelog record; leaves 48 KiB of the
     * 1 MiB record limit for record and batch overhead.
     */
    public static final int MAX_STORE_ENTRY = 1_000_000;

    /** Most bytes of key, value and headers of a dead letter; above it the value is left out (see the headers). */
    public static final int MAX_DEAD_LETTER = 1_000_000;

    /**
     * Streams property ({@code context.appConfigs()}) with the most bytes of key, value and headers a
     * {@code simsnap.current-state} record may have: the service sets it from the topic's {@code max.message.bytes}
     * (less {@link #BATCH_OVERHEAD}) when it starts. Absent: {@link #MAX_OUTPUT_RECORD}.
     */
    public static final String OUTPUT_LIMIT_CONFIG = "simsnap.current-state.max.record.bytes";

    /** Most bytes of a current-state record when the topic sets no lower limit. */
    public static final int MAX_OUTPUT_RECORD = 1_000_000;

    /** Bytes of a record batch's and record's framing that a topic's {@code max.message.bytes} also counts. */
    public static final int BATCH_OVERHEAD = 1024;

    /** Most characters of a dead letter's detail header. */
    public static final int MAX_DETAIL_CHARS = 4096;

    private RecordLimits() {
    }

    /** Bytes of a record's key, value and headers (each header counted with 8 bytes of framing). */
    public static long recordBytes(byte[] key, byte[] value, org.apache.kafka.common.header.Headers headers) {
        long n = (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        for (org.apache.kafka.common.header.Header h : headers) {
            n += utf8Length(h.key()) + (h.value() == null ? 0 : h.value().length) + 8;
        }
        return n;
    }

    /** Bytes of {@code text} in UTF-8 (without allocating). */
    public static long utf8Length(String text) {
        long n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
