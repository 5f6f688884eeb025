package dev.simsnap.serde;

import dev.simsnap.registry.client.RegistryException;
import dev.simsnap.registry.client.SchemaRegistries;
import dev.simsnap.registry.client.SchemaRegistry;
import dev.simsnap.registry.client.SchemaVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
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
 * <p>Generated (specific) records whose schema has no logical type, bytes or fixed are encoded by a
 * {@link CompiledWriter}, which produces the same bytes as Avro's {@code SpecificDatumWriter} (and leaves any datum
 * it does not recognise to it); other records by Avro's {@code SpecificDatumWriter} / {@code GenericDatumWriter}.
 *
 * <p>{@code null} serializes to {@code null} (a Kafka tombstone). Errors are {@link SerializationException}s.
 * Construct with a registry, or use the no-arg constructor plus {@link #configure} (Kafka's
 * {@code value.serializer} class config).
 *
 * <p>Thread-safe: a {@code KafkaProducer} calls its serializer on every thread that calls {@code send}, and Kafka
 * Streams may share one serde. The encoding buffer and encoder are reused from one call to the next, but each call
 * borrows them exclusively (a call that finds them in use encodes into fresh ones), and every call returns a new
 * array holding only its own record.
 */
public final class AvroSerializer<T extends IndexedRecord> implements Serializer<T> {

    private static final int MAX_CACHED = 10_000;

    private SchemaRegistry registry;
    private boolean ownsRegistry;
    private AvroSerdeConfig config = AvroSerdeConfig.defaults();
    private boolean isKey;
    private final Map<TopicSchema, Target> targets = new ConcurrentHashMap<>();
    private final Map<Schema, SpecificWriters> specificWriters = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> genericWriters = new ConcurrentHashMap<>();
    // The (topic, schema) of the previous record and how to write it: a producer sends long runs of one record type
    // to one topic, so this spares the map look-up (and its key object) per record. Replaced, never mutated.
    private volatile Hit last;
    // One idle encoding buffer + encoder, borrowed for the duration of one serialize call. A borrower that finds it
    // taken (another thread is serializing) uses a fresh one, so concurrent callers never share a buffer.
    private final AtomicReference<Scratch> spare = new AtomicReference<>();

    /** Cache key. Schema.equals short-cuts on identity, and generated classes share one schema instance. */
    private record TopicSchema(String topic, Schema schema) {
    }

    /** What a (topic, schema) pair is written as; {@code header} is the 5-byte wire-format prefix (never mutated). */
    private record Target(int id, Schema writeSchema, boolean convert, byte[] header) {
        Target(int id, Schema writeSchema, boolean convert) {
            this(id, writeSchema, convert, WireFormat.header(id));
        }
    }

    /** Avro's writer for a specific schema, and the compiled one (null when the schema is not compiled). */
    private record SpecificWriters(DatumWriter<Object> avro, CompiledWriter compiled) {
    }

    /** The last record's topic, schema and datum class, with its target and writers. */
    private record Hit(String topic, Schema schema, Class<?> type, Target target, DatumWriter<Object> avro,
                       CompiledWriter compiled) {
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
        last = null;
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
        Hit hit = last;
        if (hit == null || hit.schema() != schema || hit.type() != data.getClass() || !hit.topic().equals(topic)) {
            hit = lookUp(topic, schema, data);
            last = hit;
        }
        Target target = hit.target();
        Scratch scratch = borrow();
        try {
            byte[] bytes;
            if (target.convert()) {
                bytes = scratch.encode(target.header(), convert(data, target.writeSchema()),
                        genericWriter(target.writeSchema()), null);
            } else {
                bytes = scratch.encode(target.header(), data, hit.avro(), hit.compiled());
            }
            giveBack(scratch);
            return bytes;
        } catch (IOException | RuntimeException e) {
            // The scratch is not given back: its encoder may hold part of the failed record.
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

    private Hit lookUp(String topic, Schema schema, T data) {
        TopicSchema key = new TopicSchema(topic, schema);
        Target target = targets.get(key);
        if (target == null) {
            target = resolve(topic, schema);
            if (targets.size() >= MAX_CACHED) {
                targets.clear(); // bounded: generic records with ever-new schemas must not leak memory
            }
            targets.put(key, target);
        }
        if (data instanceof SpecificRecord) {
            SpecificWriters writers = specificWriters(schema, data);
            return new Hit(topic, schema, data.getClass(), target, writers.avro(), writers.compiled());
        }
        return new Hit(topic, schema, data.getClass(), target, genericWriter(schema), null);
    }

    @SuppressWarnings("unchecked")
    private SpecificWriters specificWriters(Schema schema, IndexedRecord sample) {
        return specificWriters.computeIfAbsent(schema, s -> {
            // The class's own SpecificData carries its logical-type conversions.
            SpecificData model = SpecificData.getForClass(sample.getClass());
            return new SpecificWriters((DatumWriter<Object>) (DatumWriter<?>) new SpecificDatumWriter<>(s, model),
                    CompiledWriter.compile(s, model));
        });
    }

    private DatumWriter<Object> genericWriter(Schema schema) {
        return genericWriters.computeIfAbsent(schema, s -> new GenericDatumWriter<>(s, GenericData.get()));
    }

    /** Re-reads the record's own encoding with {@code target} as reader schema (Avro schema resolution). */
    private Object convert(T data, Schema target) throws IOException {
        ByteArrayOutputStream own = new ByteArrayOutputStream(256);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(own, null);
        DatumWriter<Object> writer = data instanceof SpecificRecord ? specificWriters(data.getSchema(), data).avro()
                : genericWriter(data.getSchema());
        writer.write(data, encoder);
        encoder.flush();
        return new GenericDatumReader<>(data.getSchema(), target, GenericData.get())
                .read(null, DecoderFactory.get().binaryDecoder(own.toByteArray(), null));
    }

    private Scratch borrow() {
        Scratch scratch = spare.getAndSet(null);
        return scratch != null ? scratch : new Scratch();
    }

    private void giveBack(Scratch scratch) {
        if (scratch.reusable()) {
            spare.set(scratch);
        }
    }

    /**
     * A growable output buffer with its Avro encoder, used by one serialize call at a time. Each call starts from an
     * empty buffer and returns a copy of exactly the bytes written, so nothing of it outlives the call.
     */
    private static final class Scratch extends OutputStream {
        // A buffer grown past this by one huge record is dropped afterwards instead of being kept for every record.
        private static final int MAX_KEPT = 1 << 20;

        private byte[] buf = new byte[1024];
        private int count;
        private final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(this, null);

        /**
         * Returns {@code header} followed by the Avro binary encoding of {@code datum}: written by {@code compiled}
         * when it is given and takes the datum, else (from scratch) by {@code avro}.
         */
        byte[] encode(byte[] header, Object datum, DatumWriter<Object> avro, CompiledWriter compiled)
                throws IOException {
            count = 0;
            write(header, 0, header.length);
            if (compiled != null) {
                if (compiled.write(datum, encoder)) {
                    encoder.flush();
                    return Arrays.copyOf(buf, count);
                }
                encoder.flush(); // drop the partial datum: flush it into the buffer, then rewind past it
                count = header.length;
            }
            avro.write(datum, encoder);
            encoder.flush();
            return Arrays.copyOf(buf, count);
        }

        boolean reusable() {
            return buf.length <= MAX_KEPT;
        }

        @Override
        public void write(int b) {
            if (count == buf.length) {
                grow(1);
            }
            buf[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (len > buf.length - count) {
                grow(len);
            }
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        private void grow(int extra) {
            int needed = count + extra;
            if (needed < 0) {
                throw new OutOfMemoryError("Avro record larger than 2 GiB");
            }
            buf = Arrays.copyOf(buf, Math.max(needed, buf.length * 2));
        }
    }
}
