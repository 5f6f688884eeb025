package dev.simsnap.producer;

import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.serde.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.io.BinaryData;

/**
 * Encodes one worker's v2 {@link StateDelta} records straight to their Confluent-framed bytes: {@code 0x00}, the
 * StateDelta schema id (4 bytes big-endian), then the Avro binary of
 * {@code StateDelta(run, worker, sequence, step, virtual_date = 0, entity_type = null, entity_id, collection, op,
 * patch_fields, payload = null, item, item_part)} — the bytes the value serializer writes for that record.
 *
 * <p>Why: a step sends one StateDelta per change. Building the specific record, wrapping its item in a ByteBuffer
 * and walking the record's schema to encode it (re-encoding the run and worker ids every time) was a large share of
 * the caller thread's work in a step's commit; here the ids are encoded once (they are the same in every record of
 * the worker) and each record is the constant prefix plus its own few fields.
 *
 * <p>The worker uses it only after checking that it writes, for a probe record, exactly the bytes its value
 * serializer writes ({@link SimsnapWorker}); any other configuration (another schema id resolution, a serializer
 * converting to another version) keeps the records going through the serializer. Not thread-safe (one reusable
 * buffer); every call returns a new array.
 */
final class DeltaEncoder {

    private final byte[] prefix;
    private byte[] buf = new byte[1024];
    private int count;

    /** For records framed with {@code schemaId} (the registry id of the StateDelta schema on the deltas topic). */
    DeltaEncoder(int schemaId, String runId, String workerId) {
        count = 0;
        byte[] header = WireFormat.header(schemaId);
        write(header, 0, header.length);
        string(runId);
        string(workerId);
        prefix = Arrays.copyOf(buf, count);
    }

    /**
     * The framed record of one change, or of part {@code partIndex} of {@code partCount} of it ({@code partCount} 1:
     * the whole change, {@code item_part} null); its item is {@code item[from, from + length)}, or null when
     * {@code item} is null.
     */
    byte[] encode(long sequence, long step, String entityId, String collection, Operation op, List<String> fields,
                  byte[] item, int from, int length, int partIndex, int partCount) {
        count = 0;
        write(prefix, 0, prefix.length);
        varLong(sequence);
        varLong(step);
        one(0); // virtual_date: int 0
        one(0); // entity_type: union branch 0 (null)
        string(entityId);
        one(2); // collection: union branch 1 (string)
        string(collection);
        varLong(op.ordinal());
        if (!fields.isEmpty()) { // array: one block of all items, then the 0 block; empty: just the 0 block
            varLong(fields.size());
            for (int i = 0; i < fields.size(); i++) {
                string(fields.get(i));
            }
        }
        one(0); // end of patch_fields
        one(0); // payload: union branch 0 (null)
        if (item == null) {
            one(0); // item: union branch 0 (null)
        } else {
            one(2); // item: union branch 1 (bytes)
            varLong(length);
            write(item, from, length);
        }
        if (partCount == 1) {
            one(0); // item_part: union branch 0 (null)
        } else {
            one(2); // item_part: union branch 1 (ItemPart)
            varLong(partIndex); // an int's zig-zag varint is the long's for the same value
            varLong(partCount);
        }
        return Arrays.copyOf(buf, count);
    }

    /** Avro's string: the UTF-8 length as a long, then the UTF-8 bytes (as {@link String#getBytes} gives them). */
    private void string(String s) {
        int n = s.length();
        ensure(n + 10);
        int lengthAt = count;
        int p = lengthAt + (n < 64 ? 1 : 10); // a one-byte length is written in place; longer ones are moved below
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) { // not ASCII: the JDK's encoder decides (surrogates, replacement)
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                varLong(utf8.length);
                write(utf8, 0, utf8.length);
                return;
            }
            buf[p++] = (byte) c;
        }
        if (n < 64) {
            buf[lengthAt] = (byte) (n << 1); // zig-zag of 0..63 fits one byte
            count = p;
        } else {
            int at = lengthAt + BinaryData.encodeLong(n, buf, lengthAt); // returns the bytes written
            System.arraycopy(buf, lengthAt + 10, buf, at, n);
            count = at + n;
        }
    }

    private void one(int b) {
        ensure(1);
        buf[count++] = (byte) b;
    }

    private void varLong(long v) {
        ensure(10);
        count += BinaryData.encodeLong(v, buf, count); // returns the bytes written
    }

    private void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    private void ensure(int extra) {
        if (extra > buf.length - count) {
            long needed = (long) count + extra;
            if (needed > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("a StateDelta of more than 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) Math.max(needed, Math.min(Integer.MAX_VALUE - 16, buf.length * 2L)));
        }
    }
}
