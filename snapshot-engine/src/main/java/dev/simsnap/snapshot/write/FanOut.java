package dev.simsnap.snapshot.write;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs I/O tasks on a pool and returns only when none of them is running any more, so the caller may delete what
 * they were writing into. On the first failure the tasks not yet started are skipped (not cancelled: cancelling a
 * running {@link java.util.concurrent.FutureTask} makes {@code get()} return while the task still runs).
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
     * Runs every task on {@code pool} and waits for all of them.
     *
     * @throws IOException            the first task failure when it was an IOException; RuntimeExceptions and Errors
     *                                are rethrown as they are
     * @throws InterruptedIOException when the caller was interrupted (the interrupt flag is restored; the tasks were
     *                                still waited for)
     */
    static void runAll(ExecutorService pool, List<IoTask> tasks) throws IOException {
        AtomicBoolean failed = new AtomicBoolean();
        List<Future<?>> futures = new ArrayList<>(tasks.size());
        Throwable first = null;
        try {
            for (IoTask task : tasks) {
                futures.add(pool.submit(() -> {
                    if (failed.get()) {
                        return null;
                    }
                    try {
                        task.run();
                    } catch (Throwable t) {
                        failed.set(true);
                        throw t;
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
