package dev.simsnap.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The independent reference of the consistency checker: applies a script's changes to plain Java maps and lists,
 * with the semantics PROTOCOL.md and docs/state-models.md state (UPSERT replaces the item, PATCH sets each dotted
 * path, APPEND adds to the end of the array at its path, DELETE removes an existing item; a consistent step applies
 * every worker's changes of that step in (worker id, sequence) order), and keeps the state after every consistent
 * step. It uses no production class: what the service shows is compared with what this computes.
 *
 * <p>Step -1 is the started run before any consistent step: both collections empty.
 */
final class CheckerReference {

    /** States by step + 1: collection -> entity id -> item. */
    private final List<Map<String, Map<String, Object>>> states = new ArrayList<>();

    private CheckerReference() {
    }

    /** Applies {@code changes} ({@code [worker][step]}, workers in id order) step by step. */
    static CheckerReference of(List<List<List<CheckerChange>>> changes) {
        CheckerReference ref = new CheckerReference();
        Map<String, Map<String, Object>> state = new TreeMap<>();
        state.put("entities", new TreeMap<>());
        state.put("ledger", new TreeMap<>());
        ref.states.add(deepCopy(state));
        int steps = changes.get(0).size();
        for (int k = 0; k < steps; k++) {
            for (List<List<CheckerChange>> worker : changes) {
                for (CheckerChange c : worker.get(k)) {
                    apply(state, c);
                }
            }
            ref.states.add(deepCopy(state));
        }
        return ref;
    }

    /** The last step. */
    long last() {
        return states.size() - 2;
    }

    /** The state after consistent step {@code k} (-1..last). */
    Map<String, Map<String, Object>> at(long k) {
        return states.get((int) k + 1);
    }

    /** An item after step {@code k}; null when absent. */
    Object item(long k, String collection, String id) {
        return at(k).get(collection).get(id);
    }

    /** The steps -1..last whose state is {@code state}, ascending. */
    List<Long> stepsWith(Map<String, Map<String, Object>> state) {
        List<Long> out = new ArrayList<>();
        for (long k = -1; k <= last(); k++) {
            if (at(k).equals(state)) {
                out.add(k);
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void apply(Map<String, Map<String, Object>> state, CheckerChange c) {
        Map<String, Object> items = state.get(c.collection());
        Object existing = items.get(c.id());
        if (c.op() != CheckerChange.Op.UPSERT && existing == null) {
            throw new IllegalStateException("the script is invalid: " + c + " on a missing item");
        }
        switch (c.op()) {
            case UPSERT -> items.put(c.id(), deepCopy(c.item()));
            case DELETE -> items.remove(c.id());
            case PATCH -> c.set().forEach((path, value) -> {
                String[] parts = path.split("\\.");
                Map<String, Object> at = (Map<String, Object>) existing;
                for (int i = 0; i < parts.length - 1; i++) {
                    at = (Map<String, Object>) at.get(parts[i]);
                }
                at.put(parts[parts.length - 1], value);
            });
            case APPEND -> {
                List<Object> list = (List<Object>) ((Map<String, Object>) existing).get(c.path());
                list.addAll(c.items());
            }
        }
    }

    /** A deep, mutable copy of maps and lists (leaves are immutable strings and longs). */
    @SuppressWarnings("unchecked")
    static <T> T deepCopy(T value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = map instanceof TreeMap<?, ?> ? new TreeMap<>() : new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put((String) k, deepCopy(v)));
            return (T) copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(v -> copy.add(deepCopy(v)));
            return (T) copy;
        }
        return value;
    }
}
