package dev.simsnap.serde;

import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;

/**
 * How a serializer names the subject it registers a schema under (Confluent's three strategies).
 * simsnap's default is {@link #TOPIC_RECORD}: several record types share each topic.
 */
public enum SubjectNameStrategy {
    /** {@code <topic>-key} / {@code <topic>-value}: one record type per topic. */
    TOPIC,
    /** {@code <record full name>}: one schema history per type across all topics. */
    RECORD,
    /** {@code <topic>-<record full name>}: one history per type per topic. */
    TOPIC_RECORD;

    /** The subject for a record of {@code schema} on {@code topic}. */
    public String subject(String topic, boolean isKey, Schema schema) {
        switch (this) {
            case TOPIC:
                return topic + (isKey ? "-key" : "-value");
            case RECORD:
                return recordName(schema);
            default:
                return topic + "-" + recordName(schema);
        }
    }

    private static String recordName(Schema schema) {
        if (schema.getType() != Schema.Type.RECORD) {
            throw new org.apache.kafka.common.errors.SerializationException(
                    "record-based subject name strategies need a record schema, got " + schema.getType());
        }
        return schema.getFullName();
    }

    /**
     * Parses {@code topic}, {@code record}, {@code topic_record} (case-insensitive, '-' accepted for '_'), and
     * Confluent's class names ({@code io.confluent.kafka.serializers.subject.TopicNameStrategy},
     * {@code RecordNameStrategy}, {@code TopicRecordNameStrategy}, with or without the package) as aliases.
     *
     * @param key the config key, for the error message
     * @throws ConfigException for anything else
     */
    public static SubjectNameStrategy parse(String key, Object value) {
        if (value == null) {
            return TOPIC_RECORD;
        }
        String text = value instanceof Class<?> c ? c.getName() : String.valueOf(value).trim();
        String simple = text.substring(text.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT).replace('-', '_');
        switch (simple) {
            case "topic":
            case "topicnamestrategy":
                return TOPIC;
            case "record":
            case "recordnamestrategy":
                return RECORD;
            case "topic_record":
            case "topicrecordnamestrategy":
                return TOPIC_RECORD;
            default:
                throw new ConfigException(key, text, "expected topic, record, topic_record or a Confluent"
                        + " strategy class name (TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy)");
        }
    }
}
