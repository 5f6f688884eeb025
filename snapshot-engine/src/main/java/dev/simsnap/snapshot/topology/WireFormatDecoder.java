package dev.simsnap.snapshot.topology;

import dev.simsnap.registry.client.RegistryException;
import dev.simsnap.serde.WireFormat;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import dev.simsnap.snapshot.deadletter.Rejection;
import java.io.IOException;
import org.apache.avro.AvroRuntimeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Decodes a Confluent wire-format value with the given deserializer and turns every failure into a
 * {@link Rejection} with a precise reason: the framing is checked here first ({@link WireFormat#unframe}), then
 * the deserializer's exception chain is classified (registry 404 = unknown schema id; Avro or I/O failure =
 * corrupt Avro; anything else = undecodable).
 *
 * <p>A registry that cannot tell (unreachable, 5xx, 401/403: any registry error but "no such schema") says nothing
 * about the record, so it is not a rejection: the registry's exception is thrown as it is, the caller's work on the
 * record stops there and the record is decoded again later (the stream thread is replaced and resumes from its last
 * commit, see {@code ThreadFailures}). Dead-lettering it would drop a valid record for an outage.
 */
public final class WireFormatDecoder implements AutoCloseable {

    private final Deserializer<?> deserializer;

    /** @param deserializer a configured value deserializer producing the generated Avro classes */
    public WireFormatDecoder(Deserializer<?> deserializer) {
        this.deserializer = deserializer;
    }

    /** The decoded record (never null). */
    public Object decode(String topic, Headers headers, byte[] value) throws Rejection {
        if (value == null || value.length == 0) {
            throw new Rejection(DeadLetterReasons.EMPTY_VALUE, "null or empty value");
        }
        try {
            WireFormat.unframe(value);
        } catch (SerializationException e) {
            throw new Rejection(DeadLetterReasons.BAD_MAGIC_BYTE, e.getMessage(), e);
        }
        try {
            // With headers, so Confluent header framing (schema id in a header) is refused, not misread.
            Object decoded = deserializer.deserialize(topic, headers, value);
            if (decoded == null) {
                throw new Rejection(DeadLetterReasons.UNDECODABLE, "deserializer returned null");
            }
            return decoded;
        } catch (RuntimeException e) {
            RegistryException registry = RegistryException.in(e);
            if (registry != null && !(registry instanceof RegistryException.NotFound)) {
                throw registry;
            }
            throw new Rejection(classify(e), String.valueOf(e.getMessage()), e);
        }
    }

    static String classify(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RegistryException.NotFound) {
                return DeadLetterReasons.UNKNOWN_SCHEMA_ID;
            }
        }
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AvroRuntimeException || t instanceof IOException
                    || t instanceof ArrayIndexOutOfBoundsException || t instanceof IndexOutOfBoundsException
                    || t instanceof NegativeArraySizeException || t instanceof ClassCastException) {
                return DeadLetterReasons.CORRUPT_AVRO;
            }
        }
        String message = String.valueOf(error.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (message.contains("trailing byte") || message.contains("corrupt") || message.contains("truncated")) {
            return DeadLetterReasons.CORRUPT_AVRO;
        }
        return DeadLetterReasons.UNDECODABLE;
    }

    @Override
    public void close() {
        deserializer.close();
    }
}
