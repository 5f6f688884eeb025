package dev.simsnap.producer;

import java.util.List;
import java.util.Optional;

/**
 * What a worker learned about its run by reading back the run's committed records (read_committed) on the run's
 * partition of {@code simsnap.deltas}.
 *
 * @param started            true when a RunStarted of the run was committed (by any worker)
 * @param kind               the run's kind, empty when not started
 * @param expectedWorkers    the workers the RunStarted declares (empty when not started)
 * @param ended              true when a RunEnded of the run was committed
 * @param lastIteration      the last iteration this worker committed, or -1
 * @param lastSequence       the sequence of this worker's last committed delta, or -1 (the next delta gets
 *                           {@code lastSequence + 1})
 */
public record RunState(boolean started, Optional<String> kind, List<String> expectedWorkers, boolean ended,
                       long lastIteration, long lastSequence) {

    static RunState empty() {
        return new RunState(false, Optional.empty(), List.of(), false, -1, -1);
    }
}
