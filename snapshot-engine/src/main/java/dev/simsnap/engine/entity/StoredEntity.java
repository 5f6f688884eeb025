package dev.simsnap.engine.entity;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * An entity as a store holds it: the registry id of the schema its body was written with, and the Avro binary body.
 * Immutable: the constructor and {@link #body()} copy; {@link #bodyBuffer()} is a read-only view without a copy.
 *
 * <p>Store value format ({@link #toBytes()}):
 * <pre>
 *   byte 0     0x01                         format version
 *   bytes 1-4  schema id, int32 big-endian   the registry id of the body's writer schema
 *   bytes 5-   Avro binary body              (no framing, no container; may be empty)
 * </pre>
 * Not the Confluent framing on purpose: a stored value is never mistaken for a Kafka record value, and the version
 * byte leaves room for another layout. Values can be large (an entity with a long array); split them with
 * {@link ChunkedValues} before they reach a store with a size limit.
 */
public final class StoredEntity {

    /** Byte 0 of the store format this class writes. */
    public static final byte FORMAT_VERSION = 0x01;
    /** Version byte plus schema id: where the body starts. */
    public static final int HEADER_SIZE = 5;

    private final int schemaId;
    private final byte[] body;

    /** Copies {@code body}. */
    public StoredEntity(int schemaId, byte[] body) {
        this(schemaId, Objects.requireNonNull(body, "body").clone(), true);
    }

    private StoredEntity(int schemaId, byte[] body, boolean owned) {
        this.schemaId = schemaId;
        this.body = body;
    }

    /** Takes {@code body} without copying: for callers in this package that just made the array. */
    static StoredEntity owning(int schemaId, byte[] body) {
        return new StoredEntity(schemaId, Objects.requireNonNull(body, "body"), true);
    }

    /** The registry id of the schema the body was written with. */
    public int schemaId() {
        return schemaId;
    }

    /** A copy of the Avro body. */
    public byte[] body() {
        return body.clone();
    }

    /** The Avro body, read-only, without a copy. */
    public ByteBuffer bodyBuffer() {
        return ByteBuffer.wrap(body).asReadOnlyBuffer();
    }

    /** The body's length in bytes. */
    public int bodyLength() {
        return body.length;
    }

    /** The body itself, not copied: only for readers in this package that never write to it. */
    byte[] bodyArray() {
        return body;
    }

    /** The store value: version byte, schema id, body. */
    public byte[] toBytes() {
        return ByteBuffer.allocate(HEADER_SIZE + body.length).put(FORMAT_VERSION).putInt(schemaId).put(body).array();
    }

    /**
     * Reads a store value written by {@link #toBytes()}.
     *
     * @throws IllegalArgumentException when the value is shorter than the header or has another version byte
     */
    public static StoredEntity fromBytes(byte[] value) {
        Objects.requireNonNull(value, "value");
        if (value.length < HEADER_SIZE) {
            throw new IllegalArgumentException("Stored entity value of " + value.length + " bytes is shorter than its "
                    + HEADER_SIZE + "-byte header (version byte + schema id)");
        }
        if (value[0] != FORMAT_VERSION) {
            throw new IllegalArgumentException(String.format("Stored entity value has format version 0x%02X; this"
                    + " build reads 0x%02X", value[0] & 0xFF, FORMAT_VERSION));
        }
        int id = ByteBuffer.wrap(value, 1, 4).getInt();
        return new StoredEntity(id, Arrays.copyOfRange(value, HEADER_SIZE, value.length), true);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredEntity other && other.schemaId == schemaId && Arrays.equals(other.body, body);
    }

    @Override
    public int hashCode() {
        return 31 * schemaId + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "StoredEntity{schemaId=" + schemaId + ", body=" + body.length + " bytes}";
    }
}
