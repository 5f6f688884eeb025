package dev.simsnap.snapshot.write;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Fixed-size pools of daemon threads that exit when idle, for writers nobody closes. */
final class DaemonPool {

    /** Idle threads exit after this long, so a forgotten writer holds no threads. */
    private static final long KEEP_ALIVE_SECONDS = 10;

    private DaemonPool() {
    }

    /**
     * A pool of at most {@code threads} daemon threads named {@code <name>-<n>}, unbounded FIFO queue. Daemon, because
     * many callers (CLI commands, tests) never close their writer and must still be able to exit; whatever a killed
     * thread leaves behind is a hidden leftover that the next write removes.
     */
    static ThreadPoolExecutor create(int threads, String name) {
        AtomicInteger counter = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, name + "-" + counter.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
