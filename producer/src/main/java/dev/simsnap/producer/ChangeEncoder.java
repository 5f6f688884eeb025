package dev.simsnap.producer;

import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.serde.WireFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Encodes the Confluent-framed bodies of a worker's changes through one reusable buffer and encoder. The bytes are
 * exactly {@code WireFormat.frame(id, ItemCodec.encodeUpsert | encodeResolvedPatch | encodeAppend(...))}: the same
 * {@link GenericDatumWriter} calls, written once into the framed array instead of through a fresh encoder, a
 * growing stream, its copy and the frame's copy per change (20–29 % of a step's time went to adding changes).
 * Failures are left to {@link ItemCodec}, which throws its own exceptions and messages. Not thread-safe.
 */
final class ChangeEncoder {

    /** Most append array schemas remembered (per writer schema instance and path); the map is cleared beyond. */
    private static final int MAX_ARRAYS = 1024;

    private final Bytes out = new Bytes();
    private BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    /** {@link ItemCodec#appendArraySchema} by writer schema instance, then path. */
    private final Map<Schema, Map<String, Schema>> arrays = new IdentityHashMap<>();
    private int arrayCount;

    /**
     * The framed UPSERT body of {@code item}, which the caller has checked against its own schema (a version of
     * {@code writer}, or a branch of the registered union {@code writer}), as {@link ItemCodec#encodeUpsert}
     * checks it.
     */
    byte[] upsert(int schemaId, Schema writer, GenericRecord item) {
        start(schemaId);
        try {
            new GenericDatumWriter<Object>(writer, GenericData.get()).write(item, encoder);
            return finish();
        } catch (IOException | RuntimeException e) {
            discard();
            return WireFormat.frame(schemaId, ItemCodec.encodeUpsert(writer, item)); // throws ItemCodec's error
        }
    }

    /** The framed PATCH body; {@code schemas} and {@code values} as for {@link ItemCodec#encodeResolvedPatch}. */
    byte[] patch(int schemaId, List<String> paths, List<Schema> schemas, List<?> values) {
        start(schemaId);
        try {
            for (int i = 0; i < schemas.size(); i++) {
                new GenericDatumWriter<Object>(schemas.get(i), GenericData.get()).write(values.get(i), encoder);
            }
            return finish();
        } catch (IOException | RuntimeException e) {
            discard();
            return WireFormat.frame(schemaId, ItemCodec.encodeResolvedPatch(paths, schemas, values));
        }
    }

    /** The framed APPEND body of {@code items} to the array at {@code path}; as {@link ItemCodec#encodeAppend}. */
    byte[] append(int schemaId, Schema writer, String path, List<?> items) {
        Schema array = arrayAt(writer, path);
        Schema element = array.getElementType();
        for (Object item : items) {
            if (!GenericData.get().validate(element, item)) {
                return WireFormat.frame(schemaId, ItemCodec.encodeAppend(writer, path, items)); // throws its error
            }
        }
        start(schemaId);
        try {
            new GenericDatumWriter<Object>(array, GenericData.get()).write(items, encoder);
            return finish();
        } catch (IOException | RuntimeException e) {
            discard();
            return WireFormat.frame(schemaId, ItemCodec.encodeAppend(writer, path, items));
        }
    }

    private Schema arrayAt(Schema writer, String path) {
        Map<String, Schema> byPath = arrays.get(writer);
        Schema array = byPath == null ? null : byPath.get(path);
        if (array == null) {
            array = ItemCodec.appendArraySchema(writer, path); // throws for a path that is not an array
            if (arrayCount >= MAX_ARRAYS) {
                arrays.clear();
                arrayCount = 0;
            }
            arrays.computeIfAbsent(writer, w -> new java.util.HashMap<>()).put(path, array);
            arrayCount++;
        }
        return array;
    }

    private void start(int schemaId) {
        out.count = 0;
        out.write(WireFormat.MAGIC_BYTE);
        out.write(schemaId >>> 24);
        out.write(schemaId >>> 16);
        out.write(schemaId >>> 8);
        out.write(schemaId);
    }

    private byte[] finish() {
        try {
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen: the stream is in memory
        }
        return Arrays.copyOf(out.buf, out.count);
    }

    /** After a failed encode the encoder may hold part of it: a new one starts clean. */
    private void discard() {
        encoder = EncoderFactory.get().binaryEncoder(out, null);
        out.count = 0;
    }

    /** An unsynchronized growable byte sink, reset for every change. */
    private static final class Bytes extends OutputStream {
        byte[] buf = new byte[4096];
        int count;

        @Override
        public void write(int b) {
            if (count == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            buf[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (count + len > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + len));
            }
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }
    }
}
