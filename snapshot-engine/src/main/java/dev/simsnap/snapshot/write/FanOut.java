package dev.simsnap.snapshot.write;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs I/O tasks on a pool and returns only when none of them is running any more, so the caller may delete what
 * they were writing into. On the first failure the tasks not yet started are skipped (not cancelled: cancelling a
 * running {@link java.util.concurrent.FutureTask} makes {@code get()} return while the task still runs).
 *
 * <p>The pool gets one runner per thread (at most one per task), and each runner takes the next task until none is
 * left: a snapshot has about 10,000 files, and a future per file, queued and taken under the pool's queue lock by
 * 32 threads on 2 cores, cost more than the small writes themselves.
 */
final class FanOut {

    /** A unit of I/O work. */
    @FunctionalInterface
    interface IoTask {
        void run() throws IOException;
    }

    private FanOut() {
    }

    /**
     * Runs every task on {@code pool}, at most as many at once as it has threads, and waits for all of them.
     *
     * @throws IOException            the first task failure when it was an IOException; RuntimeExceptions and Errors
     *                                are rethrown as they are
     * @throws InterruptedIOException when the caller was interrupted (the interrupt flag is restored; the tasks were
     *                                still waited for)
     */
    static void runAll(ThreadPoolExecutor pool, List<IoTask> tasks) throws IOException {
        AtomicBoolean failed = new AtomicBoolean();
        AtomicInteger next = new AtomicInteger();
        int runners = Math.min(pool.getMaximumPoolSize(), tasks.size());
        List<Future<?>> futures = new ArrayList<>(runners);
        Throwable first = null;
        try {
            for (int r = 0; r < runners; r++) {
                futures.add(pool.submit(() -> {
                    int i;
                    while (!failed.get() && (i = next.getAndIncrement()) < tasks.size()) {
                        try {
                            tasks.get(i).run();
                        } catch (Throwable t) {
                            failed.set(true);
                            throw t;
                        }
                    }
                    return null;
                }));
            }
        } catch (RejectedExecutionException e) {
            failed.set(true);
            first = new IOException("snapshot writer is closed", e);
        }
        boolean interrupted = false;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause();
                    }
                    break;
                } catch (InterruptedException e) {
                    // Keep waiting: returning now would let the caller delete files a task is still writing.
                    interrupted = true;
                    failed.set(true);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (first instanceof IOException io) {
            throw io;
        }
        if (first instanceof RuntimeException re) {
            throw re;
        }
        if (first instanceof Error err) {
            throw err;
        }
        if (first != null) {
            throw new IOException(first);
        }
        if (interrupted) {
            throw new InterruptedIOException("interrupted while writing a snapshot");
        }
    }
}
