package dev.simsnap.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The Confluent wire format of a Kafka key or value:
 *
 * <pre>
 *   byte 0     0x00                        magic byte
 *   bytes 1-4  schema id, int32 big-endian  the registry id of the writer schema
 *   bytes 5-   Avro binary encoding of the datum (no single-object header, no container file)
 * </pre>
 *
 * <p>Other framings Confluent serializers can produce are recognised only to be rejected clearly: magic byte
 * 0x01 followed by a 16-byte schema GUID, and the schema id carried in a {@code __value_schema_id} /
 * {@code __key_schema_id} header instead of in the payload.
 */
public final class WireFormat {

    /** Byte 0 of every framed payload. */
    public static final byte MAGIC_BYTE = 0x00;
    /** Magic byte of Confluent's GUID framing (unsupported). */
    public static final byte GUID_MAGIC_BYTE = 0x01;
    /** Magic byte plus the 4-byte id: where the Avro body starts. */
    public static final int HEADER_SIZE = 5;
    /** Header Confluent's header-framing serializers put the value schema id in (unsupported). */
    public static final String VALUE_SCHEMA_ID_HEADER = "__value_schema_id";
    /** Header Confluent's header-framing serializers put the key schema id in (unsupported). */
    public static final String KEY_SCHEMA_ID_HEADER = "__key_schema_id";

    private WireFormat() {
    }

    /** Where a framed payload's parts are. */
    public record Framed(int schemaId, int bodyOffset, int bodyLength) {
    }

    /** Returns {@code 0x00, id (4 bytes big-endian), body...}. */
    public static byte[] frame(int schemaId, byte[] body) {
        return ByteBuffer.allocate(HEADER_SIZE + body.length).put(MAGIC_BYTE).putInt(schemaId).put(body).array();
    }

    /** The 5 header bytes: {@code 0x00} then {@code schemaId} big-endian. */
    public static byte[] header(int schemaId) {
        return ByteBuffer.allocate(HEADER_SIZE).put(MAGIC_BYTE).putInt(schemaId).array();
    }

    /**
     * Checks the framing of {@code payload} and returns the schema id and where the body is. The body may be
     * empty (an Avro record of no fields encodes to zero bytes).
     *
     * @throws SerializationException for an empty or too short payload, magic byte 0x01 (GUID framing) or any
     *                                other magic byte (named in hex)
     */
    public static Framed unframe(byte[] payload) {
        if (payload == null || payload.length == 0) {
            throw new SerializationException("Empty payload: a Confluent wire-format record needs at least "
                    + HEADER_SIZE + " bytes (magic byte 0x00 + 4-byte schema id)");
        }
        byte magic = payload[0];
        if (magic == GUID_MAGIC_BYTE) {
            throw new SerializationException("Unsupported magic byte 0x01: GUID-framed (magic 1) records are not"
                    + " supported; simsnap reads magic byte 0x00 followed by a 4-byte schema id");
        }
        if (magic != MAGIC_BYTE) {
            throw new SerializationException(String.format("Unknown magic byte 0x%02X: not the Confluent wire format"
                    + " (expected 0x00 followed by a 4-byte schema id)%s", magic & 0xFF,
                    magic == '{' ? "; the payload looks like JSON" : ""));
        }
        if (payload.length < HEADER_SIZE) {
            throw new SerializationException("Payload of " + payload.length + " bytes is too short for the Confluent"
                    + " wire format: needs " + HEADER_SIZE + " bytes (magic byte 0x00 + 4-byte schema id) before the"
                    + " Avro body");
        }
        int id = ByteBuffer.wrap(payload, 1, 4).getInt();
        return new Framed(id, HEADER_SIZE, payload.length - HEADER_SIZE);
    }
}
