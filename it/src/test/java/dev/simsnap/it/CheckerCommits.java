package dev.simsnap.it;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which worker commits are in flight, so a reader can tell whether its read overlapped one: a read overlapped a
 * commit when one was in flight as it began, or one began before it ended.
 */
final class CheckerCommits {

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong begun = new AtomicLong();

    /** What a reader notes before reading. */
    record Mark(int inFlight, long begun) {
    }

    void begin() {
        begun.incrementAndGet();
        inFlight.incrementAndGet();
    }

    void end() {
        inFlight.decrementAndGet();
    }

    Mark mark() {
        return new Mark(inFlight.get(), begun.get());
    }

    boolean overlapped(Mark before) {
        return before.inFlight() > 0 || begun.get() > before.begun() || inFlight.get() > 0;
    }
}
