package dev.simsnap.snapshot.deadletter;

/**
 * Headers added to every dead-letter record. The original key, value and headers are kept unchanged; these are
 * appended after them (values UTF-8 text).
 */
public final class DeadLetterHeaders {

    /** Machine-readable reason, one of {@link DeadLetterReasons}. */
    public static final String REASON = "simsnap.dlq.reason";
    /** Human-readable detail. */
    public static final String DETAIL = "simsnap.dlq.detail";
    /** Topic the record was read from. */
    public static final String SOURCE_TOPIC = "simsnap.dlq.source.topic";
    /** Partition the record was read from (decimal). */
    public static final String SOURCE_PARTITION = "simsnap.dlq.source.partition";
    /** Offset the record was read from (decimal). */
    public static final String SOURCE_OFFSET = "simsnap.dlq.source.offset";
    /** Class name of the exception behind the rejection ({@code dev.simsnap.snapshot.deadletter.Rejection} when none). */
    public static final String ERROR_CLASS = "simsnap.dlq.error.class";
    /** Present only when the value is not the original record bytes: {@code avro-single-object}. */
    public static final String VALUE_FORMAT = "simsnap.dlq.value.format";
    /**
     * Present only when the dead letter carries no value because the value and headers together would exceed
     * what one record may hold: the original value's size in bytes (decimal). The original stays on its source
     * topic at {@link #SOURCE_OFFSET}.
     */
    public static final String VALUE_OMITTED = "simsnap.dlq.value.omitted";

    private DeadLetterHeaders() {
    }
}
