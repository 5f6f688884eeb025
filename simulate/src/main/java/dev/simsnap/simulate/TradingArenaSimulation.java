package dev.simsnap.simulate;

import dev.simsnap.producer.Iteration;
import dev.simsnap.producer.ProgressReporter;
import dev.simsnap.producer.RunSpec;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.schema.run.RunStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.KafkaException;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs {@link TradingArenaModel} as one run published by {@code workers} workers ({@code w0}, {@code w1}, ...), one
 * thread each, in this process. Worker w0 starts the run (declaring every worker) and ends it once all are done;
 * iterations 0..{@code iterations} are published (0 is the initial state). A worker resumes after its last
 * committed iteration, so re-running the same command after a crash finishes the run.
 */
public final class TradingArenaSimulation {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TradingArenaSimulation.class);

    /** Parameters of a run. */
    public record Params(String runId, int agents, int stocks, long iterations, int workers, long seed) {
        /** Checks ranges; throws {@link IllegalArgumentException} naming the option. */
        public Params {
            if (workers < 1) {
                throw new IllegalArgumentException("field 'workers': must be at least 1, got " + workers);
            }
            if (iterations < 0) {
                throw new IllegalArgumentException("field 'iterations': must be >= 0, got " + iterations);
            }
            new TradingArenaModel(agents, stocks, seed); // validates agents and stocks
        }
    }

    private TradingArenaSimulation() {
    }

    /** The worker id of worker {@code k}. */
    public static String workerId(int k) {
        return "w" + k;
    }

    /**
     * Publishes the run; blocks until every worker finished.
     *
     * @param config   worker configuration (bootstrap servers, registry URL, ...)
     * @param progress where to report progress, or null
     * @throws IllegalStateException when a worker failed (the run is then ended FAILED when possible)
     */
    public static void run(Properties config, Params p, ProgressReporter progress) {
        List<String> ids = new ArrayList<>();
        for (int k = 0; k < p.workers(); k++) {
            ids.add(workerId(k));
        }
        Map<String, String> settings = new TreeMap<>(Map.of("agents", String.valueOf(p.agents()),
                "stocks", String.valueOf(p.stocks()), "iterations", String.valueOf(p.iterations()),
                "workers", String.valueOf(p.workers()), "seed", String.valueOf(p.seed()),
                "iterations_per_day", String.valueOf(TradingArenaModel.ITERATIONS_PER_DAY)));
        RunSpec spec = new RunSpec("trading-arena", ids, settings, p.seed());
        ExecutorService pool = Executors.newFixedThreadPool(p.workers());
        try (SimsnapWorker first = open(config, p.runId(), workerId(0))) {
            first.startRun(spec);
            List<Future<?>> results = new ArrayList<>();
            results.add(pool.submit(() -> publish(first, config, p, 0, progress)));
            for (int k = 1; k < p.workers(); k++) {
                int worker = k;
                results.add(pool.submit(() -> {
                    try (SimsnapWorker w = open(config, p.runId(), workerId(worker))) {
                        w.joinRun(Duration.ofSeconds(60));
                        publish(w, config, p, worker, progress);
                    }
                    return null;
                }));
            }
            Throwable failure = null;
            for (Future<?> result : results) {
                try {
                    result.get();
                } catch (ExecutionException e) {
                    failure = failure == null ? e.getCause() : failure;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = e;
                }
            }
            if (failure != null) {
                try {
                    first.endRun(RunStatus.FAILED);
                } catch (RuntimeException e) {
                    failure.addSuppressed(e);
                }
                throw new IllegalStateException("run " + p.runId() + " failed: " + failure, failure);
            }
            long deadline = System.nanoTime() + outageTimeoutMillis(config) * 1_000_000L;
            for (long backoff = 100; ; backoff = Math.min(backoff * 2, 5_000)) {
                try {
                    first.endRun(RunStatus.COMPLETED); // a no-op once the run reads back as ended
                    break;
                } catch (KafkaException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    LOG.warn("run {}: ending it failed ({}); retrying", p.runId(), e.toString());
                    sleep(backoff);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static SimsnapWorker open(Properties config, String runId, String workerId) {
        return SimsnapWorker.builder().config(config).run(runId).worker(workerId).build();
    }

    private static Void publish(SimsnapWorker worker, Properties config, Params p, int k,
                                ProgressReporter progress) {
        if (progress != null) {
            progress.track(worker.stats());
        }
        TradingArenaModel model = new TradingArenaModel(p.agents(), p.stocks(), p.seed());
        while (model.iteration() < p.iterations()) {
            List<EntityChange> changes = model.advance();
            long i = model.iteration();
            if (i <= worker.state().lastIteration()) {
                continue; // committed before a restart
            }
            long deadline = System.nanoTime() + outageTimeoutMillis(config) * 1_000_000L;
            for (long backoff = 100; ; backoff = Math.min(backoff * 2, 5_000)) {
                try (Iteration it = worker.beginIteration(i, TradingArenaModel.virtualDate(i))) {
                    for (EntityChange change : changes) {
                        if (TradingArenaModel.ownerOf(change, p.workers()) == k) {
                            change.applyTo(it);
                        }
                    }
                    it.commit();
                    break;
                } catch (KafkaException e) {
                    // Kafka did not answer: the worker settles the transaction in doubt on its next call.
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    LOG.warn("worker {} of run {}: iteration {} failed ({}); retrying", worker.workerId(),
                            p.runId(), i, e.toString());
                    sleep(backoff);
                    if (i <= worker.state().lastIteration()) {
                        break; // the attempt whose outcome was unknown had been committed
                    }
                } catch (IllegalArgumentException e) {
                    if (i <= worker.state().lastIteration()) {
                        break; // read back after a replaced producer: committed by the attempt in doubt
                    }
                    throw e;
                }
            }
        }
        return null;
    }

    /** How long a worker retries an iteration while Kafka does not answer ({@value #OUTAGE_TIMEOUT}, ms). */
    private static long outageTimeoutMillis(Properties config) {
        return Long.parseLong(config.getProperty(OUTAGE_TIMEOUT, "1800000").trim());
    }

    /** Config key: how long (ms) a simulated worker retries an iteration through a Kafka outage; 30 min default. */
    public static final String OUTAGE_TIMEOUT = "simsnap.outage.timeout.ms";

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
