package dev.simsnap.service.http;

import dev.simsnap.snapshot.deadletter.DeadLetterStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The few metrics of one instance, scraped at {@code GET /metrics} (Prometheus text format):
 * {@code simsnap_snapshots_written_total}, {@code simsnap_dead_letters_total} (this instance's stream threads),
 * {@code simsnap_http_forwarded_total} and {@code simsnap_http_requests_seconds} (by method, route, status).
 */
public final class ServiceMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter snapshotsWritten = Counter.builder("simsnap.snapshots.written")
            .description("Snapshot folders written by POST /runs/{run}/snapshots").register(registry);
    private final Counter forwarded = Counter.builder("simsnap.http.forwarded")
            .description("Requests forwarded to the instance owning the run").register(registry);

    /**
     * Held here because Micrometer keeps a function counter's state object only weakly: with nothing else holding
     * the supplier, a garbage collection made the counter read NaN while records were being dead-lettered.
     */
    private final Supplier<DeadLetterStats> deadLetters;

    /** @param deadLetters the dead-letter counts (null until the service runs) */
    public ServiceMetrics(Supplier<DeadLetterStats> deadLetters) {
        this.deadLetters = deadLetters;
        FunctionCounter.builder("simsnap.dead.letters", deadLetters, s -> s.get() == null ? 0 : s.get().total())
                .description("Records this instance sent to the dead-letter topic").register(registry);
    }

    void snapshotWritten() {
        snapshotsWritten.increment();
    }

    void forwarded() {
        forwarded.increment();
    }

    void request(String method, String route, int status, float millis) {
        Timer.builder("simsnap.http.requests").tag("method", method).tag("route", route)
                .tag("status", Integer.toString(status)).register(registry)
                .record((long) (millis * 1000), TimeUnit.MICROSECONDS);
    }

    /** Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
