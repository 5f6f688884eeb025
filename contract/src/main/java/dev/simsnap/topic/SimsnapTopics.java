package dev.simsnap.topic;

import java.util.List;

/**
 * Every topic simsnap uses, each with its one {@link TopicSpec}: every process that creates or checks a topic
 * (workers, the gateway, the snapshot service, replay and checkpoints, the embedded registry, the dev broker, the
 * benchmarks) goes through these specs and {@link TopicAdmin}, so a topic has the same settings whoever creates it.
 *
 * <p>Replication is not in the specs: {@link Replication} derives it from the cluster size (factor {@code min(3,
 * brokers)}, {@code min.insync.replicas=2} from 3 brokers on).
 */
public final class SimsnapTopics {

    /** Partitions of the pipeline topics when a deployment does not choose (workers and service agree on it). */
    public static final int DEFAULT_PARTITIONS = 6;

    // History is the product: the service rebuilds runs from these two, so they never expire and are never
    // compacted (compaction would keep only the last record of a run key).
    private static final String UNLIMITED = "-1";

    /** Run lifecycle and state deltas, keyed by run id; the run's history. */
    public static final TopicSpec DELTAS = TopicSpec.builder("simsnap.deltas")
            .purpose("run lifecycle and state deltas (the history runs are rebuilt from)")
            .enforcedConfig("cleanup.policy", "delete")
            .enforcedConfig("retention.ms", UNLIMITED)
            .enforcedConfig("retention.bytes", UNLIMITED)
            .build();

    /** Generation populations (chunks, then a seal), keyed by run id; co-partitioned with {@link #DELTAS}. */
    public static final TopicSpec GENERATIONS = TopicSpec.builder("simsnap.generations")
            .purpose("generation chunks and seals (history)")
            .enforcedConfig("cleanup.policy", "delete")
            .enforcedConfig("retention.ms", UNLIMITED)
            .enforcedConfig("retention.bytes", UNLIMITED)
            .build();

    /**
     * Records the snapshot service could not apply, unchanged, reason in headers. Kept until an operator deletes
     * them (a refused record is evidence of what a worker sent); an operator may shorten it, so not enforced.
     */
    public static final TopicSpec DEAD_LETTER = TopicSpec.builder("simsnap.dead-letter")
            .purpose("records the service refused, with the reason in headers")
            .enforcedConfig("cleanup.policy", "delete")
            .config("retention.ms", UNLIMITED)
            .config("retention.bytes", UNLIMITED)
            .build();

    /** The current state of every item, per consistent step; compacted (only the latest value of a key matters). */
    public static final TopicSpec CURRENT_STATE = TopicSpec.builder("simsnap.current-state")
            .purpose("current state of every item, written per consistent step (compacted)")
            .enforcedConfig("cleanup.policy", "compact")
            .build();

    /**
     * Replay checkpoints: chunked state keyed {@code <run>@<step>#<chunk>}, written to the run's deltas partition
     * number (so created with the deltas topic's partition count), compacted. Chunks are at most 512 KiB; the
     * record limit is Kafka's default 1 MiB + overhead, set explicitly so a broker-wide smaller limit cannot refuse them.
     */
    public static final TopicSpec CHECKPOINTS = TopicSpec.builder("simsnap.checkpoints")
            .purpose("replay checkpoints (compacted)")
            .enforcedConfig("cleanup.policy", "compact")
            .config("max.message.bytes", "1048588")
            .build();

    /**
     * The embedded schema registry's store: one partition (its total order makes ids and versions deterministic on
     * replay), compacted.
     */
    public static final TopicSpec SCHEMAS = TopicSpec.builder("_simsnap_schemas")
            .purpose("the embedded schema registry's store (one partition, compacted)")
            .fixedPartitions(1)
            .enforcedConfig("cleanup.policy", "compact")
            .build();

    private SimsnapTopics() {
    }

    /**
     * The topics of the pipeline, which workers, the gateway and the service all ensure at start (whoever comes
     * first creates them all, with the same partition count): deltas, generations, dead letters, current state.
     */
    public static List<TopicSpec> pipeline() {
        return List.of(DELTAS, GENERATIONS, DEAD_LETTER, CURRENT_STATE);
    }

    /** Every simsnap topic: {@link #pipeline()}, then checkpoints and the registry store. */
    public static List<TopicSpec> all() {
        return List.of(DELTAS, GENERATIONS, DEAD_LETTER, CURRENT_STATE, CHECKPOINTS, SCHEMAS);
    }
}
