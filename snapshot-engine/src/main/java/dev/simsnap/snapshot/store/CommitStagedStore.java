package dev.simsnap.snapshot.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A key-value store whose writes wait in memory until the task commits, for keys that mostly live shorter than a
 * commit interval (the delta buffer: a delta is put when accepted and deleted when its step is applied, usually a few
 * milliseconds later). A key put and deleted between two commits never reaches RocksDB or the changelog; a key still
 * there at the commit is written once, with its last value.
 *
 * <p>Exactly-once: Kafka Streams calls {@link #flushCache} on every store of a task that is a {@link CachedStateStore}
 * while it prepares the task's commit, before it flushes the producer and commits the transaction (Kafka 4.1:
 * {@code StreamTask.prepareCommit} -> {@code ProcessorStateManager.flushCache}), which is how its own record cache
 * works. The staged writes then go to the wrapped (logged) store and its changelog inside the transaction whose
 * offsets they belong to, so the changelog at every committed offset holds exactly what an unstaged store would. A
 * crash loses the staged writes together with the aborted transaction; {@link #init} and {@link #clearCache} start
 * from the wrapped store again. Unlike the record cache, a staged put followed by a delete costs nothing at the
 * commit, and the stage is a plain sorted map of strings.
 *
 * <p>Reads ({@link #get}, ranges, prefix scans) see the staged writes first. Only the stream thread may use it: no
 * interactive query reads the store it is used for. Keys must not contain surrogates (characters outside the Basic
 * Multilingual Plane): for all other strings, {@link String#compareTo} order is the order of their UTF-8 bytes,
 * which is the wrapped store's order.
 */
public final class CommitStagedStore implements KeyValueStore<String, byte[]>, CachedStateStore<String, byte[]> {

    /** A staged delete (compared by identity). */
    private static final byte[] DELETED = new byte[0];

    private final KeyValueStore<String, byte[]> inner;
    /** Writes since the last commit: the new value, or {@link #DELETED}. */
    private final TreeMap<String, byte[]> staged = new TreeMap<>();

    private CommitStagedStore(KeyValueStore<String, byte[]> inner) {
        this.inner = inner;
    }

    /**
     * Stages the writes of the stores {@code inner} builds (which must have record caching off: the stage replaces
     * it); name, changelog and its configuration are {@code inner}'s.
     */
    public static StoreBuilder<KeyValueStore<String, byte[]>> builder(StoreBuilder<KeyValueStore<String, byte[]>> inner) {
        return new StoreBuilder<>() {
            @Override
            public StoreBuilder<KeyValueStore<String, byte[]>> withCachingEnabled() {
                throw new UnsupportedOperationException("the stage replaces the record cache");
            }

            @Override
            public StoreBuilder<KeyValueStore<String, byte[]>> withCachingDisabled() {
                return this;
            }

            @Override
            public StoreBuilder<KeyValueStore<String, byte[]>> withLoggingEnabled(Map<String, String> config) {
                inner.withLoggingEnabled(config);
                return this;
            }

            @Override
            public StoreBuilder<KeyValueStore<String, byte[]>> withLoggingDisabled() {
                inner.withLoggingDisabled();
                return this;
            }

            @Override
            public KeyValueStore<String, byte[]> build() {
                return new CommitStagedStore(inner.build());
            }

            @Override
            public Map<String, String> logConfig() {
                return inner.logConfig();
            }

            @Override
            public boolean loggingEnabled() {
                return inner.loggingEnabled();
            }

            @Override
            public String name() {
                return inner.name();
            }
        };
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        staged.clear();
        inner.init(context, root);
    }

    /** Writes the staged changes to the wrapped store (and so its changelog), then flushes it. */
    @Override
    public void flush() {
        flushCache();
        inner.flush();
    }

    @Override
    public void flushCache() {
        for (Map.Entry<String, byte[]> e : staged.entrySet()) {
            if (e.getValue() == DELETED) {
                inner.delete(e.getKey());
            } else {
                inner.put(e.getKey(), e.getValue());
            }
        }
        staged.clear();
    }

    @Override
    public void clearCache() {
        staged.clear();
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<String, byte[]> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public void close() {
        staged.clear();
        inner.close();
    }

    @Override
    public boolean persistent() {
        return inner.persistent();
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen();
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return inner.query(query, positionBound, config);
    }

    @Override
    public Position getPosition() {
        return inner.getPosition();
    }

    /** @throws IllegalArgumentException when {@code key} contains a surrogate (see the class comment) */
    @Override
    public void put(String key, byte[] value) {
        requireBmp(key);
        if (value == null) {
            delete(key);
        } else {
            staged.put(key, value);
        }
    }

    @Override
    public byte[] putIfAbsent(String key, byte[] value) {
        byte[] existing = get(key);
        if (existing == null) {
            put(key, value);
        }
        return existing;
    }

    @Override
    public void putAll(List<KeyValue<String, byte[]>> entries) {
        entries.forEach(kv -> put(kv.key, kv.value));
    }

    /**
     * Deletes {@code key}. A key put since the last commit is dropped from the stage, and only when the wrapped store
     * holds an older value is its delete staged.
     */
    @Override
    public byte[] delete(String key) {
        byte[] before = staged.remove(key);
        if (before == DELETED) {
            staged.put(key, DELETED);
            return null;
        }
        byte[] kept = inner.get(key);
        if (kept != null) {
            staged.put(key, DELETED);
        }
        return before != null ? before : kept;
    }

    @Override
    public byte[] get(String key) {
        byte[] v = staged.get(key);
        if (v != null) {
            return v == DELETED ? null : v;
        }
        return inner.get(key);
    }

    @Override
    public KeyValueIterator<String, byte[]> range(String from, String to) {
        requireBmp(from);
        requireBmp(to);
        Map<String, byte[]> part = from == null && to == null ? staged
                : from == null ? staged.headMap(to, true)
                : to == null ? staged.tailMap(from, true)
                : from.compareTo(to) > 0 ? Map.of() : staged.subMap(from, true, to, true);
        return new Merged(part, inner.range(from, to));
    }

    @Override
    public KeyValueIterator<String, byte[]> all() {
        return new Merged(staged, inner.all());
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<String, byte[]> prefixScan(P prefix, PS serializer) {
        String text = new String(serializer.serialize(null, prefix), StandardCharsets.UTF_8);
        requireBmp(text);
        Map<String, byte[]> part = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : staged.tailMap(text, true).entrySet()) {
            if (!e.getKey().startsWith(text)) {
                break;
            }
            part.put(e.getKey(), e.getValue());
        }
        return new Merged(part, inner.prefixScan(prefix, serializer));
    }

    @Override
    public long approximateNumEntries() {
        return inner.approximateNumEntries() + staged.size();
    }

    private static void requireBmp(String key) {
        if (key == null) {
            return;
        }
        for (int i = 0; i < key.length(); i++) {
            if (Character.isSurrogate(key.charAt(i))) {
                throw new IllegalArgumentException("key with a character outside the Basic Multilingual Plane: "
                        + key);
            }
        }
    }

    /** Ascending merge of a snapshot of staged entries over the wrapped store's iterator; staged entries win. */
    private static final class Merged implements KeyValueIterator<String, byte[]> {
        private final Iterator<Map.Entry<String, byte[]>> stagedEntries;
        private final KeyValueIterator<String, byte[]> stored;
        private Map.Entry<String, byte[]> nextStaged;
        private KeyValue<String, byte[]> next;

        Merged(Map<String, byte[]> staged, KeyValueIterator<String, byte[]> stored) {
            // A copy: the caller may write to the store while it iterates.
            this.stagedEntries = new ArrayList<>(staged.entrySet()).iterator();
            this.stored = stored;
            this.nextStaged = stagedEntries.hasNext() ? stagedEntries.next() : null;
        }

        @Override
        public boolean hasNext() {
            while (next == null) {
                String storedKey = stored.hasNext() ? stored.peekNextKey() : null;
                if (nextStaged == null && storedKey == null) {
                    return false;
                }
                int order = nextStaged == null ? 1 : storedKey == null ? -1 : nextStaged.getKey().compareTo(storedKey);
                if (order <= 0) {
                    Map.Entry<String, byte[]> e = nextStaged;
                    nextStaged = stagedEntries.hasNext() ? stagedEntries.next() : null;
                    if (order == 0) {
                        stored.next(); // the staged write replaces the stored value
                    }
                    if (e.getValue() != DELETED) {
                        next = KeyValue.pair(e.getKey(), e.getValue());
                    }
                } else {
                    next = stored.next();
                }
            }
            return true;
        }

        @Override
        public KeyValue<String, byte[]> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            KeyValue<String, byte[]> out = next;
            next = null;
            return out;
        }

        @Override
        public String peekNextKey() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return next.key;
        }

        @Override
        public void close() {
            stored.close();
        }
    }
}
