package dev.simsnap.engine.entity;

import java.util.TreeMap;

/** A sorted in-memory {@link ChunkedValues.Kv} (keys compared as UTF-8 bytes would be: NUL first). */
final class MapKv implements ChunkedValues.Kv {

    final TreeMap<String, byte[]> map = new TreeMap<>();
    int largestValue;

    @Override
    public byte[] get(String key) {
        return map.get(key);
    }

    @Override
    public void put(String key, byte[] value) {
        largestValue = Math.max(largestValue, value.length);
        map.put(key, value.clone());
    }

    @Override
    public void delete(String key) {
        map.remove(key);
    }
}
