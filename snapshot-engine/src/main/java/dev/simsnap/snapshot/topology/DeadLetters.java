package dev.simsnap.snapshot.topology;

import dev.simsnap.snapshot.deadletter.DeadLetterHeaders;
import dev.simsnap.snapshot.deadletter.DeadLetterStats;
import dev.simsnap.snapshot.deadletter.Rejection;
import dev.simsnap.snapshot.store.RecordLimits;
import org.apache.kafka.common.header.Header;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends rejected records to the dead-letter sink with the {@link DeadLetterHeaders}, and counts them. A dead letter
 * that would exceed {@link RecordLimits#MAX_DEAD_LETTER} (a record close to the broker's limit plus the dead-letter
 * headers) is sent without its value, marked by {@link DeadLetterHeaders#VALUE_OMITTED}: its send would fail, and
 * a failed send would stop the stream thread on this record at every start.
 */
final class DeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

    private final ProcessorContext<byte[], byte[]> context;
    private final DeadLetterStats stats;
    private final Sensor sensor;

    DeadLetters(ProcessorContext<byte[], byte[]> context, DeadLetterStats stats, String processorName) {
        this.context = context;
        this.stats = stats;
        // Streams metric group "stream-simsnap-metrics": dead-letter-rate and dead-letter-total per processor.
        this.sensor = context.metrics().addRateTotalSensor("simsnap", processorName, "dead-letter",
                Sensor.RecordingLevel.INFO);
    }

    /** Forwards the original key, value and headers plus the dead-letter headers. */
    void send(Record<byte[], byte[]> original, Rejection rejection) {
        Headers headers = new RecordHeaders(original.headers().toArray());
        addCommon(headers, rejection);
        forward(original.withHeaders(headers), rejection);
    }

    /** Forwards a value that is not an original record (apply-time rejections), marking its format. */
    void sendDerived(byte[] key, byte[] value, String valueFormat, Record<?, ?> trigger, Rejection rejection) {
        Headers headers = new RecordHeaders();
        addCommon(headers, rejection);
        put(headers, DeadLetterHeaders.VALUE_FORMAT, valueFormat);
        forward(new Record<>(key, value, trigger.timestamp(), headers), rejection);
    }

    private void forward(Record<byte[], byte[]> record, Rejection rejection) {
        context.forward(withinLimit(record));
        stats.increment(rejection.reason());
        sensor.record();
        LOG.warn("dead-lettered record: {} ({})", rejection.reason(), rejection.getMessage());
    }

    /** The record, or (when over the limit) the same without its value, and then without the original headers. */
    static Record<byte[], byte[]> withinLimit(Record<byte[], byte[]> record) {
        long headers = headerBytes(record.headers());
        long key = record.key() == null ? 0 : record.key().length;
        long value = record.value() == null ? 0 : record.value().length;
        if (key + value + headers <= RecordLimits.MAX_DEAD_LETTER) {
            return record;
        }
        Headers kept = new RecordHeaders(record.headers().toArray());
        put(kept, DeadLetterHeaders.VALUE_OMITTED, Long.toString(value));
        if (key + headers > RecordLimits.MAX_DEAD_LETTER - 1024) {
            // Only simsnap's own headers (they are small) and no key: the source offset still finds the original.
            Headers own = new RecordHeaders();
            for (Header h : kept) {
                if (h.key().startsWith("simsnap.dlq.")) {
                    own.add(h);
                }
            }
            return new Record<>(null, null, record.timestamp(), own);
        }
        return new Record<>(record.key(), null, record.timestamp(), kept);
    }

    private static long headerBytes(Headers headers) {
        long n = 0;
        for (Header h : headers) {
            n += RecordLimits.utf8Length(h.key()) + (h.value() == null ? 0 : h.value().length) + 8;
        }
        return n;
    }

    private void addCommon(Headers headers, Rejection rejection) {
        put(headers, DeadLetterHeaders.REASON, rejection.reason());
        String detail = String.valueOf(rejection.getMessage());
        put(headers, DeadLetterHeaders.DETAIL, detail.length() <= RecordLimits.MAX_DETAIL_CHARS ? detail
                : detail.substring(0, RecordLimits.MAX_DETAIL_CHARS) + "… (" + detail.length() + " characters)");
        RecordMetadata meta = context.recordMetadata().orElse(null);
        if (meta != null) {
            put(headers, DeadLetterHeaders.SOURCE_TOPIC, meta.topic());
            put(headers, DeadLetterHeaders.SOURCE_PARTITION, Integer.toString(meta.partition()));
            put(headers, DeadLetterHeaders.SOURCE_OFFSET, Long.toString(meta.offset()));
        }
        Throwable cause = rejection.getCause() != null ? rejection.getCause() : rejection;
        put(headers, DeadLetterHeaders.ERROR_CLASS, cause.getClass().getName());
    }

    private static void put(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
