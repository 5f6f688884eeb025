package dev.simsnap.serde;

import dev.simsnap.registry.client.RegistryException;
import dev.simsnap.registry.client.SchemaRegistries;
import dev.simsnap.registry.client.SchemaRegistry;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Deserializes the Confluent wire format ({@link WireFormat}): checks the magic byte, fetches the writer schema by
 * its id from the registry (cached), and decodes the Avro body with schema resolution.
 *
 * <p>Reader schema: in specific mode ({@code specific.avro.reader=true}, simsnap's default) the generated class
 * named by the writer schema's full name, or the class given to the constructor, so a record written by an older
 * or newer version of the contract resolves into the current class (missing fields take their defaults, unknown
 * fields are skipped). In generic mode ({@code false}) a {@link org.apache.avro.generic.GenericRecord} with the
 * writer schema (strings as {@link org.apache.avro.util.Utf8}). DatumReaders are cached per schema id (within one
 * deserializer the reader schema is a function of the id).
 *
 * <p>{@code null} deserializes to {@code null} (a tombstone, Kafka's convention). Everything else that is not one
 * complete framed Avro record is a {@link SerializationException} naming the problem: empty or too short payload,
 * magic byte 0x01 (GUID framing) or another magic byte, a {@code __value_schema_id}/{@code __key_schema_id}
 * header (Confluent header framing), an unknown schema id, a writer schema the reader cannot resolve, a corrupt or
 * truncated body, trailing bytes. Thread-safe.
 */
public final class AvroDeserializer<T extends IndexedRecord> implements Deserializer<T> {

    /** Default cap on one string or bytes value, and on the items of one array or map, when decoding. */
    static final long MAX_STRING_OR_BYTES = 64L << 20;
    static final long MAX_COLLECTION_ITEMS = 16L << 20;

    static {
        // Avro allocates a string, bytes or collection from its length prefix before reading it. A body decoded with
        // the wrong schema (a record framed by another registry, a corrupt id) can announce gigabytes and exhaust the
        // heap; with these caps it fails as a corrupt record instead. They are set here unless the user set them, and
        // reloaded, since Avro may have read its defaults already if anything decoded earlier in this JVM.
        setDefault("org.apache.avro.limits.string.maxLength", MAX_STRING_OR_BYTES);
        setDefault("org.apache.avro.limits.bytes.maxLength", MAX_STRING_OR_BYTES);
        setDefault("org.apache.avro.limits.collectionItems.maxLength", MAX_COLLECTION_ITEMS);
        org.apache.avro.DecodeLimits.reload();
    }

    private static void setDefault(String property, long value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Long.toString(value));
        }
    }

    private SchemaRegistry registry;
    private boolean ownsRegistry;
    private AvroSerdeConfig config = AvroSerdeConfig.defaults();
    private boolean isKey;
    private final Class<? extends SpecificRecord> type;
    private final Map<Integer, DatumReader<Object>> readers = new ConcurrentHashMap<>();

    /** For Kafka's class-name configs; {@link #configure} must run before use. */
    public AvroDeserializer() {
        this.type = null;
    }

    /** Uses {@code registry} (not closed by {@link #close}) with the serde settings in {@code config}. */
    public AvroDeserializer(SchemaRegistry registry, Map<String, ?> config, boolean isKey) {
        this(registry, null, config, isKey);
    }

    /**
     * Specific mode fixed to {@code type}: every record is read as {@code type} (writer schemas of another record
     * type are rejected with a SerializationException naming both).
     */
    public AvroDeserializer(SchemaRegistry registry, Class<? extends SpecificRecord> type, Map<String, ?> config,
                            boolean isKey) {
        this.registry = registry;
        this.type = type;
        this.config = AvroSerdeConfig.parse(config);
        this.isKey = isKey;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        configure(configs, isKey, null);
    }

    void configure(Map<String, ?> configs, boolean isKey, SchemaRegistry shared) {
        this.config = AvroSerdeConfig.parse(configs);
        this.isKey = isKey;
        if (shared != null) {
            this.registry = shared;
        } else if (registry == null) {
            this.registry = SchemaRegistries.fromConfig(configs);
            this.ownsRegistry = true;
        }
        readers.clear();
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (registry == null) {
            throw new IllegalStateException("AvroDeserializer is not configured: call configure() or pass a registry");
        }
        WireFormat.Framed framed = WireFormat.unframe(data);
        DatumReader<Object> reader = readerFor(framed.schemaId(), topic);
        Object value;
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, framed.bodyOffset(), framed.bodyLength(), null);
        try {
            value = reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Corrupt or truncated Avro body (" + framed.bodyLength() + " bytes) for"
                    + " schema id " + framed.schemaId() + " on topic " + topic + ": " + e, e);
        }
        int trailing;
        try {
            trailing = decoder.isEnd() ? 0 : Math.max(1, decoder.inputStream().available());
        } catch (IOException e) {
            trailing = 1;
        }
        if (trailing > 0) {
            throw new SerializationException(trailing + " trailing byte(s) after the Avro record (schema id "
                    + framed.schemaId() + ", topic " + topic + "): the payload is not exactly one record");
        }
        if (!(value instanceof IndexedRecord)) {
            throw new SerializationException("Schema id " + framed.schemaId() + " on topic " + topic
                    + " is not a record schema; AvroDeserializer reads records only");
        }
        @SuppressWarnings("unchecked")
        T record = (T) value;
        return record;
    }

    /**
     * Rejects Confluent header framing ({@code __value_schema_id} / {@code __key_schema_id} header present), then
     * deserializes like {@link #deserialize(String, byte[])}.
     */
    @Override
    public T deserialize(String topic, Headers headers, byte[] data) {
        if (headers != null && data != null) {
            String header = isKey ? WireFormat.KEY_SCHEMA_ID_HEADER : WireFormat.VALUE_SCHEMA_ID_HEADER;
            if (headers.lastHeader(header) != null) {
                throw new SerializationException("Record on topic " + topic + " carries a " + header + " header:"
                        + " Confluent header framing (schema id in a header) is not supported; simsnap reads the"
                        + " schema id from the payload (magic byte 0x00 + 4-byte id)");
            }
        }
        return deserialize(topic, data);
    }

    /** The registry this deserializer resolves writer schemas with (null before {@link #configure}). */
    public SchemaRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        if (ownsRegistry && registry != null) {
            registry.close();
        }
    }

    private DatumReader<Object> readerFor(int id, String topic) {
        DatumReader<Object> cached = readers.get(id);
        if (cached != null) {
            return cached;
        }
        Schema writer;
        try {
            writer = registry.getById(id);
        } catch (RegistryException.NotFound e) {
            throw new SerializationException("Unknown schema id " + id + " on topic " + topic
                    + ": the schema registry has no schema with that id (" + e.getMessage() + ")", e);
        } catch (RegistryException e) {
            throw new SerializationException("Cannot fetch writer schema id " + id + " for topic " + topic
                    + " from the schema registry: " + e.getMessage(), e);
        }
        DatumReader<Object> reader = config.specificReader() || type != null
                ? specificReader(id, topic, writer) : new GenericDatumReader<>(writer, writer, GenericData.get());
        readers.put(id, reader);
        return reader;
    }

    @SuppressWarnings("unchecked")
    private DatumReader<Object> specificReader(int id, String topic, Schema writer) {
        if (writer.getType() != Schema.Type.RECORD) {
            throw new SerializationException("Schema id " + id + " on topic " + topic + " is a " + writer.getType()
                    + " schema; AvroDeserializer reads records only");
        }
        Class<?> cls = type != null ? type : generatedClass(writer);
        if (cls == null) {
            throw new SerializationException("No generated class " + SpecificData.getClassName(writer)
                    + " on the classpath for schema id " + id + " (topic " + topic + "); use generic mode ("
                    + AvroSerdeConfig.SPECIFIC_AVRO_READER + "=false) to read it as GenericRecord");
        }
        SpecificData model = SpecificData.getForClass(cls);
        Schema reader = model.getSchema(cls);
        if (!reader.getFullName().equals(writer.getFullName()) && !reader.getAliases().contains(writer.getFullName())) {
            throw new SerializationException("Schema id " + id + " on topic " + topic + " is "
                    + writer.getFullName() + ", but this deserializer reads " + reader.getFullName());
        }
        SchemaCompatibility.SchemaPairCompatibility pair =
                SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (pair.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new SerializationException("Writer schema id " + id + " (topic " + topic + ") cannot be read as "
                    + cls.getName() + ": " + pair.getResult().getIncompatibilities());
        }
        return (DatumReader<Object>) (DatumReader<?>) new SpecificDatumReader<>(writer, reader, model);
    }

    /** The generated SpecificRecord class for the writer's full name, or null. */
    private static Class<?> generatedClass(Schema writer) {
        String name = SpecificData.getClassName(writer);
        ClassLoader[] loaders = {Thread.currentThread().getContextClassLoader(), AvroDeserializer.class.getClassLoader()};
        for (ClassLoader loader : loaders) {
            if (loader == null) {
                continue;
            }
            try {
                Class<?> c = Class.forName(name, true, loader);
                return SpecificRecord.class.isAssignableFrom(c) ? c : null;
            } catch (ClassNotFoundException | LinkageError e) {
                // try the next loader
            }
        }
        return null;
    }
}
