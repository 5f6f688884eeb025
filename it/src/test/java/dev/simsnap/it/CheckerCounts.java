package dev.simsnap.it;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counts of the consistency checker over all tries of one JVM (what it did, what readers saw, violations). */
final class CheckerCounts {

    private static final Map<String, AtomicLong> COUNTS = new ConcurrentSkipListMap<>();
    private static final Set<String> INTERLEAVINGS = ConcurrentHashMap.newKeySet();

    private CheckerCounts() {
    }

    static void add(String name, long n) {
        COUNTS.computeIfAbsent(name, k -> new AtomicLong()).addAndGet(n);
    }

    static void inc(String name) {
        add(name, 1);
    }

    static long get(String name) {
        AtomicLong v = COUNTS.get(name);
        return v == null ? 0 : v.get();
    }

    static void interleaving(String schedule) {
        INTERLEAVINGS.add(schedule);
    }

    /** One line: runs, steps, interleavings, faults and retries, reads per kind, overlaps, violations. */
    static String summary() {
        long reads = COUNTS.entrySet().stream().filter(e -> e.getKey().startsWith("read.")).mapToLong(e -> e.getValue()
                .get()).sum();
        StringBuilder sb = new StringBuilder("consistency-checker: runs=" + get("runs") + " steps=" + get("steps")
                + " interleavings=" + INTERLEAVINGS.size() + " reads=" + reads);
        COUNTS.forEach((k, v) -> {
            if (!k.equals("runs") && !k.equals("steps") && !k.equals("violations")) {
                sb.append(' ').append(k).append('=').append(v.get());
            }
        });
        return sb.append(" violations=").append(get("violations")).toString();
    }
}
