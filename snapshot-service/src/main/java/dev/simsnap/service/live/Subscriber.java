package dev.simsnap.service.live;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One observer of one run: a bounded queue the hub offers live events to, never blocking the hub. When the queue
 * is full the subscriber is marked dropped (the reason is kept); it receives nothing more and its sender ends the
 * stream with a final {@code dropped} event.
 */
public final class Subscriber {

    private final String run;
    private final int capacity;
    private final BlockingQueue<LiveEvent> queue;
    private volatile String dropReason;

    public Subscriber(String run, int capacity) {
        this.run = run;
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    public String run() {
        return run;
    }

    /** Called by the hub; false when the subscriber is (now) dropped. */
    public boolean offer(LiveEvent event) {
        if (dropReason != null) {
            return false;
        }
        if (!queue.offer(event)) {
            dropReason = "slow observer: " + capacity + " events queued and not yet sent";
            return false;
        }
        return true;
    }

    /** Marks the subscriber dropped (e.g. the service is closing). */
    void drop(String reason) {
        if (dropReason == null) {
            dropReason = reason;
        }
    }

    /** The next queued event, or null after {@code millis}. */
    public LiveEvent poll(long millis) throws InterruptedException {
        return queue.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** Why the subscriber was dropped, or null. Queued events are still to be sent before the final event. */
    public String dropReason() {
        return dropReason;
    }

    /** True once dropped and every event queued before the drop was taken. */
    public boolean drained() {
        return dropReason != null && queue.isEmpty();
    }
}
