package dev.simsnap.snapshot.delta;

import dev.simsnap.schema.delta.StateDelta;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;

/**
 * The delta buffer's value format: a StateDelta in Avro single-object encoding (the bytes
 * {@link StateDelta#toByteBuffer()} gives). Encoded with Avro's generated custom coders for the payload records
 * (off by default in Avro, and several times faster for maps), which write the same bytes.
 */
final class BufferedDeltas {

    private static final SpecificData CODERS = customCoders();
    private static final BinaryMessageEncoder<StateDelta> ENCODER =
            new BinaryMessageEncoder<>(CODERS, StateDelta.getClassSchema());
    private static final BinaryMessageDecoder<StateDelta> DECODER = decoder();

    private BufferedDeltas() {
    }

    /**
     * Reads values written with the current schema and with the earlier ones (a buffer written before an upgrade
     * holds them): the schema without {@code item_part}, and without {@code item_part} and {@code item}.
     */
    private static BinaryMessageDecoder<StateDelta> decoder() {
        BinaryMessageDecoder<StateDelta> d = new BinaryMessageDecoder<>(CODERS, StateDelta.getClassSchema());
        d.addSchema(without(StateDelta.getClassSchema(), "item_part"));
        d.addSchema(without(without(StateDelta.getClassSchema(), "item_part"), "item"));
        return d;
    }

    private static org.apache.avro.Schema without(org.apache.avro.Schema record, String field) {
        java.util.List<org.apache.avro.Schema.Field> fields = new java.util.ArrayList<>();
        for (org.apache.avro.Schema.Field f : record.getFields()) {
            if (!f.name().equals(field)) {
                fields.add(new org.apache.avro.Schema.Field(f, f.schema()));
            }
        }
        return org.apache.avro.Schema.createRecord(record.getName(), record.getDoc(), record.getNamespace(), false,
                fields);
    }

    private static SpecificData customCoders() {
        SpecificData data = new SpecificData(StateDelta.class.getClassLoader());
        data.setCustomCoders(true);
        return data;
    }

    /** The delta's buffer bytes. */
    static byte[] encode(StateDelta delta) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(512);
            ENCODER.encode(delta, out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The delta in {@code bytes} (as {@link #encode} or {@link StateDelta#toByteBuffer()} wrote them). */
    static StateDelta decode(byte[] bytes) {
        try {
            return DECODER.decode(ByteBuffer.wrap(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt buffered delta", e);
        }
    }
}
