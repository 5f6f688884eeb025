package dev.simsnap.serde;

import dev.simsnap.registry.client.SchemaRegistries;
import dev.simsnap.registry.client.SchemaRegistry;
import java.util.Map;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * {@link AvroSerializer} + {@link AvroDeserializer} as one Kafka {@link Serde}, sharing one registry client (and
 * so its caches). Build with {@link AvroSerdes}, or use the no-arg constructor as Kafka Streams'
 * {@code default.value.serde} class and let {@link #configure} read the config.
 */
public final class AvroSerde<T extends IndexedRecord> implements Serde<T> {

    private final AvroSerializer<T> serializer;
    private final AvroDeserializer<T> deserializer;
    private SchemaRegistry owned;

    /** Unconfigured; {@link #configure} creates the registry client from the config. */
    public AvroSerde() {
        this(new AvroSerializer<>(), new AvroDeserializer<>());
    }

    /** Wraps an already configured pair. */
    public AvroSerde(AvroSerializer<T> serializer, AvroDeserializer<T> deserializer) {
        this.serializer = serializer;
        this.deserializer = deserializer;
    }

    /** Configures both halves with one registry client built from {@code configs} ({@code mock://} or REST). */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        SchemaRegistry registry = SchemaRegistries.fromConfig(configs);
        this.owned = registry;
        serializer.configure(configs, isKey, registry);
        deserializer.configure(configs, isKey, registry);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
        if (owned != null) {
            owned.close();
        }
    }
}
