package dev.simsnap.serde;

import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * Serde config keys (Confluent's names) and their parsed values. Registry keys ({@code schema.registry.url}, auth,
 * retries) are in {@link dev.simsnap.registry.client.RegistryClientConfig}; only {@code schema.registry.url} is
 * required.
 *
 * @param autoRegister       {@value #AUTO_REGISTER_SCHEMAS}, default true
 * @param useLatestVersion   {@value #USE_LATEST_VERSION}, default false
 * @param keyStrategy        {@value #KEY_SUBJECT_NAME_STRATEGY}, default topic_record
 * @param valueStrategy      {@value #VALUE_SUBJECT_NAME_STRATEGY}, default topic_record
 * @param specificReader     {@value #SPECIFIC_AVRO_READER}, default true (Confluent's default is false)
 * @param removeJavaProperties {@value #AVRO_REMOVE_JAVA_PROPERTIES}, default true (Confluent's default is false)
 */
public record AvroSerdeConfig(boolean autoRegister, boolean useLatestVersion, SubjectNameStrategy keyStrategy,
                              SubjectNameStrategy valueStrategy, boolean specificReader,
                              boolean removeJavaProperties) {

    /** true: register unknown schemas; false: only look them up (and fail when missing). */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    /** true: frame every record with the subject's latest version (converting the record to it). */
    public static final String USE_LATEST_VERSION = "use.latest.version";
    /** Subject naming for keys: topic, record, topic_record or a Confluent class name. */
    public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
    /** Subject naming for values: topic, record, topic_record or a Confluent class name. */
    public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";
    /** true: deserialize into the generated classes; false: GenericRecord with the writer schema. */
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
    /**
     * true: register schemas without the {@code avro.java.string} properties the Java code generator adds,
     * so the registry holds exactly the .avsc contract text other languages register too.
     */
    public static final String AVRO_REMOVE_JAVA_PROPERTIES = "avro.remove.java.properties";

    /** All defaults. */
    public static AvroSerdeConfig defaults() {
        return parse(Map.of());
    }

    /** Parses a Kafka-style config map; unknown keys are ignored. */
    public static AvroSerdeConfig parse(Map<String, ?> config) {
        return new AvroSerdeConfig(
                bool(config, AUTO_REGISTER_SCHEMAS, true),
                bool(config, USE_LATEST_VERSION, false),
                SubjectNameStrategy.parse(KEY_SUBJECT_NAME_STRATEGY, config.get(KEY_SUBJECT_NAME_STRATEGY)),
                SubjectNameStrategy.parse(VALUE_SUBJECT_NAME_STRATEGY, config.get(VALUE_SUBJECT_NAME_STRATEGY)),
                bool(config, SPECIFIC_AVRO_READER, true),
                bool(config, AVRO_REMOVE_JAVA_PROPERTIES, true));
    }

    /** The strategy for keys or values. */
    public SubjectNameStrategy strategy(boolean isKey) {
        return isKey ? keyStrategy : valueStrategy;
    }

    private static boolean bool(Map<String, ?> config, String key, boolean defaultValue) {
        Object v = config.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String text = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
        if (text.equals("true")) {
            return true;
        }
        if (text.equals("false")) {
            return false;
        }
        throw new ConfigException(key, v, "expected true or false");
    }
}
