package dev.simsnap.snapshot.topology;

import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import dev.simsnap.snapshot.deadletter.DeadLetterStats;
import dev.simsnap.snapshot.deadletter.Rejection;
import dev.simsnap.engine.entity.SchemaLookup;
import dev.simsnap.serde.AvroDeserializer;
import dev.simsnap.snapshot.delta.DeltaLog;
import dev.simsnap.snapshot.delta.ItemStore;
import dev.simsnap.snapshot.store.RecordLimits;
import dev.simsnap.snapshot.store.SnapshotStores;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Applies {@code simsnap.deltas} to the stores, run by run in offset order; rejected records go to the dead-letter
 * sink and processing continues.
 *
 * <p>StateDeltas are buffered by (iteration, worker, sequence) and applied only when the run's consistent
 * iteration (min over expected workers of their last committed iteration) reaches their iteration, in
 * (iteration, worker_id, sequence) order, so the result does not depend on how workers interleave. The entity
 * writes of one step happen between two increments of the run's version in the run-meta store (seqlock), which
 * {@link dev.simsnap.snapshot.read.RunStateReader} uses to never show a half-applied step. Items of state-model runs
 * and of v1 runs (the legacy model's) go to the item stores.
 */
final class DeltaProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    static final String NAME = "simsnap-delta-processor";

    private final Supplier<? extends Deserializer<?>> deserializers;
    private final DeadLetterStats stats;
    private ProcessorContext<byte[], byte[]> context;
    private WireFormatDecoder decoder;
    private RunPartitions partitions;
    private DeadLetters deadLetters;
    /** Most bytes of a current-state record ({@link RecordLimits#OUTPUT_LIMIT_CONFIG}). */
    private long outputLimit;
    private KeyValueStore<String, String> meta;
    private KeyValueStore<String, byte[]> buffer;
    /** Lives as long as this initialisation of the task, so its caches stay coherent with the task's stores. */
    private DeltaLog log;
    /** The record being processed (the log's callbacks derive dead letters and output timestamps from it). */
    private Record<byte[], byte[]> current;

    DeltaProcessor(Supplier<? extends Deserializer<?>> deserializers, DeadLetterStats stats) {
        this.deserializers = deserializers;
        this.stats = stats;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        Object limit = context.appConfigs().get(RecordLimits.OUTPUT_LIMIT_CONFIG);
        this.outputLimit = limit == null ? RecordLimits.MAX_OUTPUT_RECORD : Long.parseLong(limit.toString());
        Deserializer<?> values = deserializers.get();
        this.decoder = new WireFormatDecoder(values);
        this.partitions = RunPartitions.of(context.appConfigs(), RunPartitions.DELTAS_PARTITIONS_CONFIG);
        this.deadLetters = new DeadLetters(context, stats, NAME);
        this.meta = context.getStateStore(SnapshotStores.RUN_META);
        this.buffer = context.getStateStore(SnapshotStores.DELTA_BUFFER);
        KeyValueStore<String, byte[]> itemHeads = context.getStateStore(SnapshotStores.ITEMS);
        KeyValueStore<String, byte[]> itemChunks = context.getStateStore(SnapshotStores.ITEM_CHUNKS);
        boolean registry = values instanceof AvroDeserializer<?> avro && avro.registry() != null;
        ItemStore items = new ItemStore(kv(itemHeads), kv(itemChunks), registry
                ? SchemaLookup.cached(((AvroDeserializer<?>) values).registry()) : SchemaLookup.legacyOnly());
        this.log = new DeltaLog(kv(meta), kv(buffer), items, registry,
                (runId, bytes, rejection) -> deadLetters.sendDerived(runId.getBytes(StandardCharsets.UTF_8),
                        bytes, "avro-single-object", current, rejection),
                Long.MAX_VALUE, (run, iteration, date, clock, changes) -> {
                    for (CurrentState.Out o : CurrentState.records(run, iteration, date, clock, changes)) {
                        byte[] key = o.key().getBytes(StandardCharsets.UTF_8);
                        byte[] value = o.value() == null ? null : o.value().getBytes(StandardCharsets.UTF_8);
                        long size = RecordLimits.recordBytes(key, value, o.headers());
                        if (size > outputLimit) {
                            // The broker would refuse it, and a batch it refuses leaves the exactly-once
                            // transaction abortable, not just one record skipped: not sent, dead-lettered instead.
                            deadLetters.sendDerived(run.getBytes(StandardCharsets.UTF_8), null, CurrentState.TOPIC,
                                    current, new Rejection(DeadLetterReasons.OUTPUT_TOO_LARGE, "the current-state"
                                            + " record " + o.key() + " of iteration " + iteration + " is " + size
                                            + " bytes, more than the current-state topic takes (" + outputLimit
                                            + "); the entity is stored and served by REST and snapshots, only this"
                                            + " record is not written"));
                            continue;
                        }
                        context.forward(new Record<>(key, value, current.timestamp(), o.headers()));
                    }
                });
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        try {
            String topic = context.recordMetadata().map(m -> m.topic()).orElse("");
            String key = key(record.key());
            partitions.check(key, topic, context.recordMetadata().map(m -> m.partition()).orElse(-1));
            Object value = decoder.decode(topic, record.headers(), record.value());
            current = record;
            log.process(key, value);
        } catch (Rejection rejection) {
            deadLetters.send(record, rejection);
        }
    }

    /** A store as {@link DeltaLog.Kv}. */
    static <V> DeltaLog.Kv<V> kv(KeyValueStore<String, V> store) {
        return new DeltaLog.Kv<>() {
            @Override
            public V get(String key) {
                return store.get(key);
            }

            @Override
            public void put(String key, V value) {
                store.put(key, value);
            }

            @Override
            public void delete(String key) {
                store.delete(key);
            }

            @Override
            public List<Map.Entry<String, V>> scan(String prefix, Predicate<String> stop) {
                List<Map.Entry<String, V>> out = new ArrayList<>();
                try (KeyValueIterator<String, V> it = store.prefixScan(prefix, new StringSerializer())) {
                    while (it.hasNext()) {
                        KeyValue<String, V> kv = it.next();
                        if (stop.test(kv.key)) {
                            break;
                        }
                        out.add(Map.entry(kv.key, kv.value));
                    }
                }
                return out;
            }
        };
    }

    /** The key as strict UTF-8 (null when absent or malformed, which then never equals a run id). */
    static String key(byte[] key) {
        if (key == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    @Override
    public void close() {
        if (decoder != null) {
            decoder.close();
        }
    }
}
