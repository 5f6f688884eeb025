package dev.simsnap.snapshot.topology;

import dev.simsnap.snapshot.deadletter.DeadLetterStats;
import dev.simsnap.snapshot.store.SnapshotStores;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The snapshot topology. Two independent sub-topologies (keys and values read as bytes, decoded inside the
 * processors so a poison record is dead-lettered instead of failing the task):
 *
 * <pre>
 *   simsnap.deltas      -> simsnap-delta-processor      [run-meta, delta-buffer, items, item-chunks] -> simsnap.dead-letter
 *   simsnap.generations -> simsnap-generation-processor [generation-chunks, generation-seals] -> simsnap.dead-letter
 * </pre>
 *
 * <p>Run with {@code processing.guarantee=exactly_once_v2} (see {@link dev.simsnap.service.SnapshotService}):
 * store changes, dead-letter records and offsets of one commit are then atomic.
 */
public final class SnapshotTopology {

    /** Name of the deltas source node. */
    public static final String DELTAS_SOURCE = "simsnap-deltas-source";
    /** Name of the generations source node. */
    public static final String GENERATIONS_SOURCE = "simsnap-generations-source";

    private static final String DLQ_REASON = dev.simsnap.snapshot.deadletter.DeadLetterHeaders.REASON;

    private SnapshotTopology() {
    }

    /**
     * Adds the stores, processors and sinks to {@code builder}.
     *
     * @param values supplies one configured value deserializer per processor instance (Confluent wire format,
     *               specific Avro reader), e.g. {@code dev.simsnap.serde.AvroDeserializer}
     * @param stats  where dead-letter counts go (shared by all stream threads)
     */
    public static void build(StreamsBuilder builder, SnapshotTopics topics,
                             Supplier<? extends Deserializer<?>> values, DeadLetterStats stats) {
        builder.addStateStore(SnapshotStores.text(SnapshotStores.RUN_META));
        builder.addStateStore(SnapshotStores.stagedBinary(SnapshotStores.DELTA_BUFFER));
        builder.addStateStore(SnapshotStores.binary(SnapshotStores.ITEMS));
        builder.addStateStore(SnapshotStores.binary(SnapshotStores.ITEM_CHUNKS));
        builder.addStateStore(SnapshotStores.text(SnapshotStores.GENERATION_CHUNKS));
        builder.addStateStore(SnapshotStores.text(SnapshotStores.GENERATION_SEALS));

        String currentState = topics.currentState();
        Produced<byte[], byte[]> deadLetter = Produced.with(Serdes.ByteArray(), Serdes.ByteArray());
        builder.stream(topics.deltas(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(DELTAS_SOURCE))
                .process(() -> new DeltaProcessor(values, stats), Named.as(DeltaProcessor.NAME),
                        SnapshotStores.RUN_META, SnapshotStores.DELTA_BUFFER, SnapshotStores.ITEMS,
                        SnapshotStores.ITEM_CHUNKS)
                // Dead letters (they always carry simsnap.dlq.reason) and current-state records share the processor's
                // output; current-state records are partitioned by their run, like the deltas.
                .to((key, value, ctx) -> ctx.headers().lastHeader(DLQ_REASON) != null ? topics.deadLetter()
                                : currentState,
                        deadLetter.withName("simsnap-delta-dead-letter-sink").withStreamPartitioner(
                                (topic, key, value, partitions) -> topic.equals(currentState)
                                        ? java.util.Optional.of(java.util.Set.of(CurrentState.partitionOf(
                                        CurrentState.runOf(new String(key, java.nio.charset.StandardCharsets.UTF_8)),
                                        partitions)))
                                        : java.util.Optional.empty()));
        builder.stream(topics.generations(),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(GENERATIONS_SOURCE))
                // Connecting RUN_META (unused by the processor) joins both inputs in one sub-topology, so partition p of
                // deltas and of generations form one task: a run's meta, entities and generations live on one instance
                // (the topics must have equal partition counts; Streams checks it at start-up).
                .process(() -> new GenerationProcessor(values, stats), Named.as(GenerationProcessor.NAME),
                        SnapshotStores.GENERATION_CHUNKS, SnapshotStores.GENERATION_SEALS, SnapshotStores.RUN_META,
                        SnapshotStores.ITEMS, SnapshotStores.ITEM_CHUNKS)
                .to((key, value, ctx) -> ctx.headers().lastHeader(DLQ_REASON) != null ? topics.deadLetter()
                                : currentState,
                        deadLetter.withName("simsnap-generation-dead-letter-sink").withStreamPartitioner(
                                (topic, key, value, partitions) -> topic.equals(currentState)
                                        ? java.util.Optional.of(java.util.Set.of(CurrentState.partitionOf(
                                        CurrentState.runOf(new String(key, java.nio.charset.StandardCharsets.UTF_8)),
                                        partitions)))
                                        : java.util.Optional.empty()));
    }
}
