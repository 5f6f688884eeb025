package dev.simsnap.snapshot.store;

import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The state stores: persistent RocksDB, changelogged (compacted changelog topics
 * {@code <application.id>-<store>-changelog}), queryable. Record caching is off so a put is visible to interactive
 * queries at once and in program order, which the run-meta seqlock relies on (see
 * {@link dev.simsnap.snapshot.read.RunStateReader}); it also bounds the data a crash can lose to the EOS
 * transaction, which is the same either way. The delta buffer, which no query reads, stages its writes until the
 * commit instead (see {@link #stagedBinary}).
 */
public final class SnapshotStores {

    /**
     * Run key to {@link dev.simsnap.snapshot.run.RunMeta} JSON, and {@link StoreKeys#runModel} to the run's state
     * model JSON.
     */
    public static final String RUN_META = "simsnap-run-meta";
    /**
     * The store that held v1 runs' entities as JSON before they became items of the legacy model; no longer part
     * of the topology. A non-empty changelog of it means state written by an earlier version
     * ({@code SnapshotService} refuses to start on it: that state must be rebuilt from the topics).
     */
    public static final String ENTITIES = "simsnap-entities";
    /** Buffered delta key to the StateDelta in Avro single-object encoding (deltas not yet consistent). */
    public static final String DELTA_BUFFER = "simsnap-delta-buffer";
    /**
     * Item key {@code <run>|<collection>|<entity id>} to the item of a state-model run (or of a v1 run's legacy
     * collection, see {@code dev.simsnap.schema.legacy.LegacyKind}): an 8-byte insertion position,
     * then {@link dev.simsnap.engine.entity.StoredEntity} bytes (schema id + Avro body), kept as a
     * {@link dev.simsnap.engine.entity.ChunkedValues} head so no value comes near Kafka's record limit.
     */
    public static final String ITEMS = "simsnap-items";
    /** The chunks of items larger than one chunk (see {@link #ITEMS}). */
    public static final String ITEM_CHUNKS = "simsnap-item-chunks";
    /** Chunk key to {@code {"worker_id","first_member_index","members":[...]}} compact JSON. */
    public static final String GENERATION_CHUNKS = "simsnap-generation-chunks";
    /** Seal key to {@code {"worker_id","member_count","chunk_count","scores"}} compact JSON. */
    public static final String GENERATION_SEALS = "simsnap-generation-seals";

    private SnapshotStores() {
    }

    /** String-to-String store builder. */
    public static StoreBuilder<KeyValueStore<String, String>> text(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.String())
                .withCachingDisabled()
                .withLoggingEnabled(Map.of());
    }

    /**
     * String-to-bytes store builder whose writes wait in memory until the task commits ({@link CommitStagedStore}),
     * for a store no interactive query reads and whose keys mostly live shorter than a commit interval: the delta
     * buffer, where a delta is put when accepted and deleted when its step is applied, usually milliseconds later.
     */
    public static StoreBuilder<KeyValueStore<String, byte[]>> stagedBinary(String name) {
        return CommitStagedStore.builder(binary(name));
    }

    /** String-to-bytes store builder. */
    public static StoreBuilder<KeyValueStore<String, byte[]>> binary(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withCachingDisabled()
                .withLoggingEnabled(Map.of());
    }
}
