package dev.simsnap.it.fault;

import dev.simsnap.schema.run.IterationCommitted;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A producer interceptor that holds a worker inside its transaction: when the worker sends the
 * {@code IterationCommitted} of an armed step, {@code send} blocks, so the step's deltas are already handed to the
 * producer (the transaction is open on the brokers) and the commit has not happened. A fault injected then lands
 * mid-transaction by construction, not by timing.
 *
 * <p>In this JVM: {@link #arm(String, long)} by transactional id, then {@link Gate#awaitPaused} and
 * {@link Gate#release}. The worker library hands its client properties to its consumers too (reading the run
 * back), for which this interceptor does nothing. In a worker process: system properties {@code fault.pause.step} and
 * {@code fault.pause.file}: the file is written when the worker is held, and it is held until killed.
 */
public final class PauseBeforeCommit implements ProducerInterceptor<Object, Object>,
        ConsumerInterceptor<Object, Object> {

    private static final Map<String, Gate> GATES = new ConcurrentHashMap<>();
    private String transactionalId;

    /** A step armed for one transactional id. */
    static final class Gate {
        private final long step;
        private final CountDownLatch paused = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        private Gate(long step) {
            this.step = step;
        }

        /** Waits until the worker is held before committing the armed step. */
        boolean awaitPaused(long seconds) throws InterruptedException {
            return paused.await(seconds, TimeUnit.SECONDS);
        }

        /** Lets the held worker go on (send its IterationCommitted and commit). */
        void release() {
            released.countDown();
        }
    }

    /** Arms {@code step} of the worker whose producer has {@code transactionalId}. */
    static Gate arm(String transactionalId, long step) {
        Gate gate = new Gate(step);
        GATES.put(transactionalId, gate);
        return gate;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        Object id = configs.get("transactional.id");
        transactionalId = id == null ? "" : id.toString();
    }

    @Override
    public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
        if (record.value() instanceof IterationCommitted committed) {
            holdInProcess(committed.getIteration());
            holdInJvm(committed.getIteration());
        }
        return record;
    }

    private void holdInJvm(long step) {
        Gate gate = GATES.get(transactionalId);
        if (gate == null || gate.step != step) {
            return;
        }
        GATES.remove(transactionalId, gate);
        gate.paused.countDown();
        try {
            if (!gate.released.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("held worker " + transactionalId + " never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void holdInProcess(long step) {
        String armed = System.getProperty("fault.pause.step");
        if (armed == null || Long.parseLong(armed) != step) {
            return;
        }
        try {
            Files.writeString(Path.of(System.getProperty("fault.pause.file")), Long.toString(step));
            Thread.sleep(Long.MAX_VALUE); // until kill -9
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
    }

    @Override
    public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    }

    @Override
    public void close() {
    }
}
