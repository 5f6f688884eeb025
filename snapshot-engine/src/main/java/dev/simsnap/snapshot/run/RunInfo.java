package dev.simsnap.snapshot.run;

import java.util.List;
import java.util.Map;

/**
 * What the service knows about one run, as of one moment.
 *
 * @param runId               the run id
 * @param kind                RunStarted.kind
 * @param expectedWorkers     RunStarted.expected_workers, sorted
 * @param config              RunStarted.config, sorted by key
 * @param randomSeed          RunStarted.random_seed
 * @param startedAtMs         RunStarted.started_at_ms
 * @param forkedFrom          RunStarted.forked_from, or null (recorded only: state is not copied from the origin)
 * @param workers             progress per expected worker, by worker id
 * @param consistentIteration highest iteration every expected worker has committed and whose deltas are applied;
 *                            -1 before the first
 * @param virtualDate         IterationCommitted.virtual_date of the consistent iteration (null before the first)
 * @param lag                 highest iteration any worker committed minus {@code consistentIteration}
 * @param appliedDeltas       deltas applied to the entity state so far
 * @param ended               RunEnded seen
 * @param endStatus           RunEnded.status name, or null
 * @param finalIteration      RunEnded.final_iteration, -1 when not ended
 * @param endedAtMs           RunEnded.ended_at_ms, 0 when not ended
 * @param version             the run's state version (even; grows by 2 per applied step)
 */
public record RunInfo(String runId, String kind, List<String> expectedWorkers, Map<String, String> config,
                      long randomSeed, long startedAtMs, ForkOrigin forkedFrom, List<WorkerProgress> workers,
                      long consistentIteration, Integer virtualDate, long lag, long appliedDeltas, boolean ended,
                      String endStatus, long finalIteration, long endedAtMs, long version) {

    /**
     * One worker's progress.
     *
     * @param workerId               the worker
     * @param lastCommittedIteration its last IterationCommitted.iteration, -1 when none
     * @param lastSequence           its last accepted StateDelta.sequence as of the run's last stored step (its
     *                               commits, start and end; deltas accepted after it are not counted), -1 when none
     * @param lag                    highest iteration any worker committed minus this worker's
     * @param refusals               its commits refused after its transaction committed, or null when none
     */
    public record WorkerProgress(String workerId, long lastCommittedIteration, long lastSequence, long lag,
                                 StepRefusals refusals) {
    }

    /**
     * A worker's commits that the service refused although the worker's transaction committed (a declared
     * {@code delta_count} that was not what it sent, a step too far ahead of the slowest worker): nothing of such a
     * step was applied, and the worker's last committed step stayed where it was.
     *
     * @param count      how many of its commits were refused
     * @param lastStep   the step of the last one
     * @param lastReason its dead-letter reason
     */
    public record StepRefusals(long count, long lastStep, String lastReason) {
    }

    /** Where a forked run came from. */
    public record ForkOrigin(String runId, long iteration) {
    }
}
