package dev.simsnap.registry.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A small thread-safe LRU map: at most {@code capacity} entries, the least recently used one evicted first.
 * Registry answers are immutable per key (an id never changes its schema), so entries never expire.
 */
final class BoundedCache<K, V> {

    private final LinkedHashMap<K, V> map;

    BoundedCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("cache capacity must be >= 1, was " + capacity);
        }
        this.map = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized V get(K key) {
        return map.get(key);
    }

    synchronized void put(K key, V value) {
        map.put(key, value);
    }

    synchronized void removeIf(Predicate<K> keyTest) {
        map.keySet().removeIf(keyTest);
    }

    synchronized int size() {
        return map.size();
    }
}
