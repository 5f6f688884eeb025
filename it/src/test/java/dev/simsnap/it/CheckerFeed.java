package dev.simsnap.it;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The state an observer of per-iteration changes (SSE events, {@code simsnap.current-state} records) rebuilds:
 * starting empty (the observer saw the run from its start), each iteration's changed items (null = deleted) are
 * applied when the iteration closes. Each iteration must arrive exactly once, in order, from step 0 on, and the
 * rebuilt state then must equal the reference state after that step; anything else is a violation.
 */
final class CheckerFeed {

    private final String name;
    private final CheckerReference reference;
    private final Consumer<String> violations;
    private final Map<String, Map<String, Object>> state = new LinkedHashMap<>();
    private final Map<String, Object> pending = new LinkedHashMap<>();
    private volatile long last = -1;

    CheckerFeed(String name, CheckerReference reference, Consumer<String> violations) {
        this.name = name;
        this.reference = reference;
        this.violations = violations;
        state.put("entities", new java.util.TreeMap<>());
        state.put("ledger", new java.util.TreeMap<>());
    }

    /** An item the open iteration changed: its value after it, null when deleted. */
    void change(String collection, String id, Object value) {
        pending.put(collection + "\u0000" + id, value);
    }

    /** Closes iteration {@code k}: applies its changes and checks the state. */
    void iteration(long k) {
        if (k != last + 1) {
            violations.accept(name + ": iteration " + k + " arrived after " + last + " (each exactly once, in order)");
        }
        pending.forEach((key, value) -> {
            int cut = key.indexOf('\u0000');
            Map<String, Object> items = state.get(key.substring(0, cut));
            if (items == null) {
                violations.accept(name + ": iteration " + k + " changed unknown collection " + key.substring(0, cut));
            } else if (value == null) {
                items.remove(key.substring(cut + 1));
            } else {
                items.put(key.substring(cut + 1), value);
            }
        });
        pending.clear();
        if (k < 0 || k > reference.last()) {
            violations.accept(name + ": iteration " + k + " is outside the run's steps 0.." + reference.last());
        } else if (!Objects.equals(state, reference.at(k))) {
            violations.accept(name + ": the state after iteration " + k + " differs from the reference: "
                    + CheckerFiles.diff(reference.at(k), state));
        }
        last = Math.max(last, k);
        CheckerCounts.inc("read." + name);
    }

    /** The last iteration seen (-1 before any). */
    long last() {
        return last;
    }
}
