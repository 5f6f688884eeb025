package dev.simsnap.serde;

import dev.simsnap.registry.client.RegistryException;
import dev.simsnap.registry.client.SchemaRegistries;
import dev.simsnap.registry.client.SchemaRegistry;
import dev.simsnap.registry.client.SchemaVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serializes Avro records (generated SpecificRecords or GenericRecords) to the Confluent wire format
 * ({@link WireFormat}): {@code 0x00}, the writer schema's registry id (4 bytes big-endian), Avro binary.
 *
 * <p>Per record: the subject comes from the subject name strategy (default {@code <topic>-<record full name>});
 * with {@code auto.register.schemas=true} (default) the schema is registered (the registry returns the existing id
 * when it already holds it), with {@code false} it is looked up and a missing schema is an error. With
 * {@code use.latest.version=true} the record is written with the subject's latest version and framed with its id
 * (the record is converted by Avro schema resolution when its own schema differs). Ids are cached per
 * (topic, schema), so after the first record of a type the hot path does no registry call.
 *
 * <p>{@code null} serializes to {@code null} (a Kafka tombstone). Errors are {@link SerializationException}s.
 * Construct with a registry, or use the no-arg constructor plus {@link #configure} (Kafka's
 * {@code value.serializer} class config). Thread-safe.
 */
public final class AvroSerializer<T extends IndexedRecord> implements Serializer<T> {

    private static final int MAX_CACHED = 10_000;

    private SchemaRegistry registry;
    private boolean ownsRegistry;
    private AvroSerdeConfig config = AvroSerdeConfig.defaults();
    private boolean isKey;
    private final Map<TopicSchema, Target> targets = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> specificWriters = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> genericWriters = new ConcurrentHashMap<>();

    /** Cache key. Schema.equals short-cuts on identity, and generated classes share one schema instance. */
    private record TopicSchema(String topic, Schema schema) {
    }

    /** What a (topic, schema) pair is written as. */
    private record Target(int id, Schema writeSchema, boolean convert) {
    }

    /** For Kafka's class-name configs; {@link #configure} must run before use. */
    public AvroSerializer() {
    }

    /** Uses {@code registry} with default settings as a value serializer; {@link #configure} may still follow. */
    public AvroSerializer(SchemaRegistry registry) {
        this.registry = registry;
    }

    /** Uses {@code registry} (not closed by {@link #close}) with the serde settings in {@code config}. */
    public AvroSerializer(SchemaRegistry registry, Map<String, ?> config, boolean isKey) {
        this.registry = registry;
        this.config = AvroSerdeConfig.parse(config);
        this.isKey = isKey;
    }

    /**
     * Reads the serde settings; creates the registry client from {@code configs} unless one was given to the
     * constructor.
     */
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
        targets.clear();
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (registry == null) {
            throw new IllegalStateException("AvroSerializer is not configured: call configure() or pass a registry");
        }
        Schema schema = data.getSchema();
        Target target = targets.get(new TopicSchema(topic, schema));
        if (target == null) {
            target = resolve(topic, schema);
            if (targets.size() >= MAX_CACHED) {
                targets.clear(); // bounded: generic records with ever-new schemas must not leak memory
            }
            targets.put(new TopicSchema(topic, schema), target);
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            out.write(WireFormat.header(target.id()));
            Object datum = data;
            if (target.convert()) {
                datum = convert(data, target.writeSchema());
            }
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            writerFor(target.convert() ? target.writeSchema() : schema, target.convert() ? null : data)
                    .write(datum, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot encode " + schema.getFullName() + " for topic " + topic
                    + " as Avro (schema id " + target.id() + "): " + e, e);
        }
    }

    /** Same as {@link #serialize(String, IndexedRecord)}: the id travels in the payload, no header is added. */
    @Override
    public byte[] serialize(String topic, Headers headers, T data) {
        return serialize(topic, data);
    }

    @Override
    public void close() {
        if (ownsRegistry && registry != null) {
            registry.close();
        }
    }

    private Target resolve(String topic, Schema schema) {
        Schema registered = config.removeJavaProperties() ? JavaProperties.remove(schema) : schema;
        String subject = config.strategy(isKey).subject(topic, isKey, schema);
        try {
            if (config.useLatestVersion()) {
                SchemaVersion latest = registry.version(subject, SchemaRegistry.LATEST);
                boolean same = JavaProperties.remove(latest.schema()).equals(JavaProperties.remove(schema));
                if (!same) {
                    SchemaCompatibility.SchemaPairCompatibility pair =
                            SchemaCompatibility.checkReaderWriterCompatibility(latest.schema(), schema);
                    if (pair.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                        throw new SerializationException("use.latest.version: " + schema.getFullName()
                                + " cannot be converted to the latest version " + latest.version() + " (id "
                                + latest.id() + ") of subject " + subject + ": " + pair.getDescription());
                    }
                }
                return new Target(latest.id(), latest.schema(), !same);
            }
            int id = config.autoRegister() ? registry.register(subject, registered)
                    : registry.lookup(subject, registered).id();
            return new Target(id, schema, false);
        } catch (RegistryException.NotFound e) {
            if (!config.autoRegister() || config.useLatestVersion()) {
                throw new SerializationException("Schema " + schema.getFullName() + " is not registered under subject "
                        + subject + " and auto.register.schemas=false: " + e.getMessage(), e);
            }
            throw new SerializationException("Error registering schema " + schema.getFullName() + " under subject "
                    + subject + ": " + e.getMessage(), e);
        } catch (RegistryException e) {
            throw new SerializationException("Error " + (config.autoRegister() ? "registering" : "looking up")
                    + " schema " + schema.getFullName() + " under subject " + subject + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private DatumWriter<Object> writerFor(Schema schema, IndexedRecord sample) {
        if (sample instanceof SpecificRecord) {
            // The class's own SpecificData carries its logical-type conversions.
            return specificWriters.computeIfAbsent(schema, s -> (DatumWriter<Object>) (DatumWriter<?>)
                    new SpecificDatumWriter<>(s, SpecificData.getForClass(sample.getClass())));
        }
        return genericWriters.computeIfAbsent(schema, s -> new GenericDatumWriter<>(s, GenericData.get()));
    }

    /** Re-reads the record's own encoding with {@code target} as reader schema (Avro schema resolution). */
    private Object convert(T data, Schema target) throws IOException {
        ByteArrayOutputStream own = new ByteArrayOutputStream(256);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(own, null);
        writerFor(data.getSchema(), data).write(data, encoder);
        encoder.flush();
        return new GenericDatumReader<>(data.getSchema(), target, GenericData.get())
                .read(null, DecoderFactory.get().binaryDecoder(own.toByteArray(), null));
    }
}
