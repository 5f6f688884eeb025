package dev.simsnap.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class ThreadFailuresTest {

    private static final StreamsException COMMIT_FAILED = new StreamsException(
            "Error encountered trying to commit a transaction", new InvalidTxnStateException("invalid state"));

    @Test
    void aKafkaFailureReplacesTheThreadUntilThreadsKeepDying() {
        MutableClock clock = new MutableClock();
        ThreadFailures failures = new ThreadFailures(clock);
        for (int i = 0; i < ThreadFailures.MAX_REPLACEMENTS; i++) {
            assertThat(failures.handle(COMMIT_FAILED)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(failures.handle(COMMIT_FAILED)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }

    @Test
    void failuresOutsideTheWindowAreForgotten() {
        MutableClock clock = new MutableClock();
        ThreadFailures failures = new ThreadFailures(clock);
        for (int i = 0; i < 3 * ThreadFailures.MAX_REPLACEMENTS; i++) {
            assertThat(failures.handle(COMMIT_FAILED)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
            clock.advance(ThreadFailures.WINDOW.dividedBy(ThreadFailures.MAX_REPLACEMENTS - 1));
        }
    }

    @Test
    void anUnreachableRegistryReplacesTheThreadHoweverOftenAndARefusingOneShutsDown() {
        MutableClock clock = new MutableClock();
        ThreadFailures failures = new ThreadFailures(clock);
        StreamsException unreachable = new StreamsException("failed to process", new org.apache.kafka.common.errors
                .SerializationException("cannot decode", new dev.simsnap.registry.client.RegistryException.Unavailable(
                "GET http://registry:8081/schemas/ids/7 failed", new java.net.ConnectException("refused"))));
        for (int i = 0; i < 3 * ThreadFailures.MAX_REPLACEMENTS; i++) {
            assertThat(failures.handle(unreachable)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
            clock.advance(Duration.ofSeconds(1));
        }
        StreamsException overloaded = new StreamsException("failed to process",
                dev.simsnap.registry.client.RegistryException.of(503, 50002, "timeout"));
        assertThat(failures.handle(overloaded)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        // Registry outages do not use up the budget Kafka failures have.
        assertThat(failures.handle(COMMIT_FAILED)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        StreamsException refused = new StreamsException("failed to process",
                dev.simsnap.registry.client.RegistryException.of(401, 401, "Unauthorized"));
        assertThat(failures.handle(refused)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }

    @Test
    void aBugShutsTheInstanceDown() {
        ThreadFailures failures = new ThreadFailures(new MutableClock());
        assertThat(failures.handle(new StreamsException("failed to process", new NullPointerException("bug"))))
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
