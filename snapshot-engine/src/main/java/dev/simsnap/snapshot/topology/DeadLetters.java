package dev.simsnap.snapshot.topology;

import dev.simsnap.snapshot.deadletter.DeadLetterHeaders;
import dev.simsnap.snapshot.deadletter.DeadLetterStats;
import dev.simsnap.snapshot.deadletter.Rejection;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends rejected records to the dead-letter sink with the {@link DeadLetterHeaders}, and counts them. */
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
        context.forward(record);
        stats.increment(rejection.reason());
        sensor.record();
        LOG.warn("dead-lettered record: {} ({})", rejection.reason(), rejection.getMessage());
    }

    private void addCommon(Headers headers, Rejection rejection) {
        put(headers, DeadLetterHeaders.REASON, rejection.reason());
        put(headers, DeadLetterHeaders.DETAIL, String.valueOf(rejection.getMessage()));
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
