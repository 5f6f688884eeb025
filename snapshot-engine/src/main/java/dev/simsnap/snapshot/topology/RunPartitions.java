package dev.simsnap.snapshot.topology;

import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import dev.simsnap.snapshot.deadletter.Rejection;
import java.util.Map;

/**
 * The partition rule of the input topics (PROTOCOL.md section 2): a run's records are on partition
 * {@code toPositive(murmur2(utf8(run id))) % partitions} of each topic. A record elsewhere was written by a producer
 * with another partitioner; the service would keep its run apart from where every reader (REST routing, catch-up,
 * replay, fork) looks for it, so it is refused ({@code wrong-partition}) instead of being applied out of sight.
 *
 * <p>The partition counts are the service's app configs {@link #DELTAS_PARTITIONS_CONFIG} and
 * {@link #GENERATIONS_PARTITIONS_CONFIG}, set from the topics it ensured at start; without them (a topology run
 * outside the service) nothing is checked.
 */
public final class RunPartitions {

    /** App config: the partition count of the deltas topic (absent or 0: not checked). */
    public static final String DELTAS_PARTITIONS_CONFIG = "simsnap.deltas.partitions";
    /** App config: the partition count of the generations topic (absent or 0: not checked). */
    public static final String GENERATIONS_PARTITIONS_CONFIG = "simsnap.generations.partitions";

    private final int partitions;

    private RunPartitions(int partitions) {
        this.partitions = partitions;
    }

    /** The rule for the topic whose partition count is app config {@code key} of {@code appConfigs}. */
    static RunPartitions of(Map<String, Object> appConfigs, String key) {
        Object value = appConfigs.get(key);
        return new RunPartitions(value == null ? 0 : Integer.parseInt(value.toString()));
    }

    /**
     * Refuses a record of run {@code key} read from {@code partition} of {@code topic} when the run belongs on
     * another partition. Keys that are no valid run id are left to the record's own checks.
     */
    void check(String key, String topic, int partition) throws Rejection {
        if (partitions <= 0 || partition < 0 || key == null || !RunIds.isValid(key)) {
            return;
        }
        int expected = CurrentState.partitionOf(key, partitions);
        if (partition != expected) {
            throw new Rejection(DeadLetterReasons.WRONG_PARTITION, "run " + key + " belongs on partition " + expected
                    + " of the " + partitions + " of " + topic + " (murmur2 of its id, PROTOCOL.md section 2); this"
                    + " record is on partition " + partition + ": its producer used another partitioner");
        }
    }
}
