package dev.simsnap.snapshot.write;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes hidden, no longer visible directory trees (replaced snapshots, leftovers of interrupted writes) on one
 * daemon thread, so a write does not wait for thousands of unlinks. One thread is enough: unlinks in one directory
 * serialize on the directory's lock anyway. A tree whose deletion fails (or is cut short by JVM exit) stays where it
 * is, keeps its leftover name, and is scheduled again by a later write.
 */
final class BackgroundDeleter {

    private static final Logger LOG = LoggerFactory.getLogger(BackgroundDeleter.class);

    private final ThreadPoolExecutor thread = DaemonPool.create(1, "simsnap-snapshot-cleaner");
    /** Trees scheduled or being deleted; guarded by itself for the wait/notify in {@link #awaitIdle}. */
    private final Set<Path> pending = ConcurrentHashMap.newKeySet();

    /** Schedules {@code dir} for deletion unless it already is; a no-op after {@link #shutdown}. */
    void schedule(Path dir) {
        if (!pending.add(dir)) {
            return;
        }
        try {
            thread.execute(() -> run(dir));
        } catch (RejectedExecutionException e) {
            done(dir);
        }
    }

    /** True while {@code dir} is scheduled or being deleted. */
    boolean isPending(Path dir) {
        return pending.contains(dir);
    }

    /** Waits until nothing is scheduled; false when {@code timeout} passed first. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (pending) {
            while (!pending.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                pending.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /** Accepts no new trees; the one being deleted and those already scheduled still are. */
    void shutdown() {
        thread.shutdown();
    }

    private void run(Path dir) {
        try {
            DirectoryTrees.delete(dir);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not delete {} (a later snapshot write retries): {}", dir, e.toString());
        } finally {
            done(dir);
        }
    }

    private void done(Path dir) {
        synchronized (pending) {
            pending.remove(dir);
            pending.notifyAll();
        }
    }
}
