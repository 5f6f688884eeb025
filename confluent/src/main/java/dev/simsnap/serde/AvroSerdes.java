package dev.simsnap.serde;

import dev.simsnap.registry.client.SchemaRegistries;
import dev.simsnap.registry.client.SchemaRegistry;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;

/**
 * Ready-to-use {@link AvroSerde}s. {@code config} needs only {@code schema.registry.url} ({@code http://...},
 * comma-separated for failover, or {@code mock://<scope>} for tests); see {@link AvroSerdeConfig} and
 * {@link dev.simsnap.registry.client.RegistryClientConfig} for the optional keys.
 */
public final class AvroSerdes {

    private AvroSerdes() {
    }

    /**
     * Specific records: serializes any generated record, deserializes into the generated class named by the writer
     * schema. The type parameter is unchecked: use {@code SpecificRecord} for topics carrying several types, or
     * {@link #specific(Class, Map, boolean)} to have other types rejected.
     */
    public static <T extends SpecificRecord> AvroSerde<T> specific(Map<String, ?> config, boolean isKey) {
        return build(SchemaRegistries.fromConfig(config), null, with(config, true), isKey);
    }

    /** Specific records of exactly {@code type} (writer schemas of other record types fail to deserialize). */
    public static <T extends SpecificRecord> AvroSerde<T> specific(Class<T> type, Map<String, ?> config,
                                                                   boolean isKey) {
        return build(SchemaRegistries.fromConfig(config), type, with(config, true), isKey);
    }

    /** Specific records through an existing registry client (shared caches, not closed by the serde). */
    public static <T extends SpecificRecord> AvroSerde<T> specific(SchemaRegistry registry, Map<String, ?> config,
                                                                   boolean isKey) {
        return build(registry, null, with(config, true), isKey);
    }

    /** Generic records: deserializes to {@link GenericRecord} with the writer schema. */
    public static AvroSerde<GenericRecord> generic(Map<String, ?> config, boolean isKey) {
        return build(SchemaRegistries.fromConfig(config), null, with(config, false), isKey);
    }

    /** Generic records through an existing registry client. */
    public static AvroSerde<GenericRecord> generic(SchemaRegistry registry, Map<String, ?> config, boolean isKey) {
        return build(registry, null, with(config, false), isKey);
    }

    private static <T extends org.apache.avro.generic.IndexedRecord> AvroSerde<T> build(
            SchemaRegistry registry, Class<? extends SpecificRecord> type, Map<String, ?> config, boolean isKey) {
        return new AvroSerde<>(new AvroSerializer<>(registry, config, isKey),
                new AvroDeserializer<>(registry, type, config, isKey));
    }

    private static Map<String, ?> with(Map<String, ?> config, boolean specific) {
        Map<String, Object> copy = new HashMap<>(config);
        copy.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, specific);
        return copy;
    }
}
