package dev.simsnap.snapshot.deadletter;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Process-wide count of dead-lettered records by reason, shared by all stream threads of one topology (also
 * exported as the Streams metric {@code dead-letter-total}). Counts records sent, including ones whose
 * transaction later aborted, so it is an upper bound under exactly-once.
 */
public final class DeadLetterStats {

    private final Map<String, AtomicLong> byReason = new ConcurrentHashMap<>();

    /** Adds one record for {@code reason}. */
    public void increment(String reason) {
        byReason.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    }

    /** Total of all reasons. */
    public long total() {
        return byReason.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Count for one reason (0 when none). */
    public long count(String reason) {
        AtomicLong n = byReason.get(reason);
        return n == null ? 0 : n.get();
    }

    /** A sorted copy of all counts. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        byReason.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
