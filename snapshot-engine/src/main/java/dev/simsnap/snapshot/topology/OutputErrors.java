package dev.simsnap.snapshot.topology;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology's production exception handler (Streams {@code production.exception.handler}): the last line behind
 * the engine's own size checks ({@link dev.simsnap.snapshot.store.RecordLimits}; a current-state record over what
 * its topic takes is dead-lettered as {@code output-too-large} before it is sent, since under exactly-once a batch
 * the broker refuses leaves the whole transaction abortable). A current-state or dead-letter record Kafka still
 * refuses as too large (e.g. a topic whose {@code max.message.bytes} was lowered while the service runs) is skipped
 * with an ERROR naming the input record (topic, partition, offset) that produced it, and the task goes on:
 * current-state is a compacted view the stores and REST reads still serve, and the input record stays on its topic.
 * Everything else — a changelog record above all, whose loss would make the store and its changelog disagree —
 * fails the task as before.
 */
public final class OutputErrors implements ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(OutputErrors.class);

    @Override
    public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                                     Exception exception) {
        boolean tooLarge = exception instanceof RecordTooLargeException
                || exception instanceof RecordBatchTooLargeException;
        if (tooLarge && !record.topic().endsWith("-changelog")) {
            LOG.error("skipped a record of {} bytes to {} that Kafka refused ({}); it was produced by {}-{}@{}",
                    (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0
                            : record.value().length), record.topic(), exception.toString(), context.topic(),
                    context.partition(), context.offset());
            return ProductionExceptionHandlerResponse.CONTINUE;
        }
        return ProductionExceptionHandlerResponse.FAIL;
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
