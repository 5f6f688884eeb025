package dev.simsnap.service;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the service does when a stream thread dies. Poison records never get here (they are dead-lettered), so a
 * failure is either the infrastructure (a broker cut off or failing over mid-commit: {@code InvalidTxnStateException},
 * timeouts) or a bug. Under exactly-once a replaced thread aborts the open transaction and resumes from the last
 * commit, so an infrastructure failure is met by replacing the thread, as Kafka Streams recommends; only when
 * threads keep dying ({@link #MAX_REPLACEMENTS} within {@link #WINDOW}) or the failure is not Kafka's does the
 * instance shut down (health then answers 503) rather than spin.
 *
 * <p>A schema registry that cannot be reached (or answers 5xx) while the thread decodes a record is infrastructure
 * too, and the record is not dead-lettered for it ({@code WireFormatDecoder}); the thread is replaced each time,
 * without the limit, so the service resumes by itself when the registry is back however long the outage lasts. It
 * cannot spin: each failure comes only after the registry client's own retries and back-off have run out. A
 * registry that refuses the service (401/403) is a configuration problem and shuts the instance down.
 */
final class ThreadFailures implements StreamsUncaughtExceptionHandler {

    static final int MAX_REPLACEMENTS = 5;
    static final Duration WINDOW = Duration.ofMinutes(10);
    private static final Logger LOG = LoggerFactory.getLogger(ThreadFailures.class);

    private final Clock clock;
    private final Deque<Long> replacements = new ArrayDeque<>();

    ThreadFailures(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable failure) {
        long now = clock.millis();
        while (!replacements.isEmpty() && replacements.peekFirst() < now - WINDOW.toMillis()) {
            replacements.removeFirst();
        }
        dev.simsnap.registry.client.RegistryException registry = dev.simsnap.registry.client.RegistryException
                .in(failure);
        if (registry != null && registry.isTransient()) {
            LOG.warn("snapshot stream thread stopped: the schema registry cannot be reached ({}); replacing it (it"
                    + " resumes from the last commit and decodes the record again)", registry.getMessage());
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        if (!causedByKafka(failure)) {
            LOG.error("snapshot stream thread failed (not a Kafka failure: a bug); shutting this instance down",
                    failure);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        if (replacements.size() >= MAX_REPLACEMENTS) {
            LOG.error("snapshot stream thread failed for the {}th time within {}; shutting this instance down",
                    replacements.size() + 1, WINDOW, failure);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        replacements.addLast(now);
        LOG.warn("snapshot stream thread failed on a Kafka error; replacing it (it resumes from the last commit)",
                failure);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    private static boolean causedByKafka(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KafkaException && !(t instanceof org.apache.kafka.streams.errors.StreamsException)) {
                return true;
            }
        }
        return false;
    }
}
