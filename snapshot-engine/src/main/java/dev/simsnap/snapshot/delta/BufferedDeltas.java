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
    private static final BinaryMessageDecoder<StateDelta> DECODER =
            new BinaryMessageDecoder<>(CODERS, StateDelta.getClassSchema());

    private BufferedDeltas() {
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
