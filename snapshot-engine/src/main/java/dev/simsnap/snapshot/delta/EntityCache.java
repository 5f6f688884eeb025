package dev.simsnap.snapshot.delta;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parsed entities that {@link DeltaLog} recently read or wrote, so applying an iteration does not parse each touched
 * entity's stored JSON again. Least recently used entries are dropped once the cached JSON text exceeds a budget
 * (counted in characters of the compact text; a state holds about that text again, documents a tree of a few
 * times its size).
 *
 * <p>Only valid while its owner is the sole writer of the entity store: entries are the values the owner itself
 * read or wrote. States are immutable, so sharing them is safe.
 */
final class EntityCache {

    /** Default budget: 16 Mi characters of compact JSON. */
    static final long DEFAULT_BUDGET_CHARS = 16L << 20;

    private final long budget;
    private long used;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(1024, 0.75f, true);

    private record Entry(EntityState state, int weight) {
    }

    EntityCache(long budgetChars) {
        this.budget = budgetChars;
    }

    /** The cached entity, or null when not cached. */
    EntityState get(String key) {
        Entry e = entries.get(key);
        return e == null ? null : e.state();
    }

    /** Caches {@code state}. */
    void put(String key, EntityState state) {
        int weight = state.json().length() + key.length();
        if (weight > budget) {
            remove(key);
            return;
        }
        Entry old = entries.put(key, new Entry(state, weight));
        used += weight - (old == null ? 0 : old.weight());
        Iterator<Map.Entry<String, Entry>> eldest = entries.entrySet().iterator();
        while (used > budget && eldest.hasNext()) {
            used -= eldest.next().getValue().weight();
            eldest.remove();
        }
    }

    /** Forgets {@code key} (the entity was deleted). */
    void remove(String key) {
        Entry old = entries.remove(key);
        if (old != null) {
            used -= old.weight();
        }
    }

    /** Forgets everything. */
    void clear() {
        entries.clear();
        used = 0;
    }

    int size() {
        return entries.size();
    }
}
