package dev.simsnap.producer;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Prints one progress line about once a second (iterations/s, records, bytes summed over the tracked workers) to a
 * stream, normally stderr, and a final line on {@link #close()}.
 */
public final class ProgressReporter implements AutoCloseable {

    private final String label;
    private final PrintStream out;
    private final List<WorkerStats> tracked = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    private final long startNanos = System.nanoTime();
    private long lastIterations;
    private long lastNanos = startNanos;

    /** Starts printing to {@code out} with {@code label} in front of every line. */
    public ProgressReporter(String label, PrintStream out) {
        this.label = label;
        this.out = out;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "simsnap-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::print, 1, 1, TimeUnit.SECONDS);
    }

    /** Adds a worker's counters to the totals. */
    public void track(WorkerStats stats) {
        tracked.add(stats);
    }

    private synchronized void print() {
        long iterations = tracked.stream().mapToLong(WorkerStats::iterations).sum();
        long now = System.nanoTime();
        double rate = (iterations - lastIterations) / Math.max(1e-9, (now - lastNanos) / 1e9);
        lastIterations = iterations;
        lastNanos = now;
        out.println(line(iterations, String.format(Locale.ROOT, "%.1f it/s", rate)));
    }

    private String line(long iterations, String rate) {
        long records = tracked.stream().mapToLong(WorkerStats::records).sum();
        long bytes = tracked.stream().mapToLong(WorkerStats::bytes).sum();
        long generations = tracked.stream().mapToLong(WorkerStats::generations).sum();
        return String.format(Locale.ROOT, "[%s] %d worker-iterations committed (%s), %s%d records, %.2f MB", label,
                iterations, rate, generations > 0 ? generations + " generations, " : "", records, bytes / 1e6);
    }

    /** Stops the timer and prints the totals with the average rate. */
    @Override
    public synchronized void close() {
        timer.shutdownNow();
        long iterations = tracked.stream().mapToLong(WorkerStats::iterations).sum();
        double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        out.println(line(iterations, String.format(Locale.ROOT, "%.1f it/s average over %.1f s",
                iterations / seconds, seconds)) + " - done");
    }
}
