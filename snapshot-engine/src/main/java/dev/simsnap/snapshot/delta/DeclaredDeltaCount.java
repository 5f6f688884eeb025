package dev.simsnap.snapshot.delta;

/**
 * When {@code IterationCommitted.delta_count} is checked against the StateDeltas a worker sent for the step.
 *
 * <p>The count a commit of step N by worker W is compared with is the number of StateDelta records of W for the run
 * with an iteration above W's last committed one and at most N that reached the run's bookkeeping: the record's key
 * equals its {@code run_id}, the run is started and not ended, and W is an expected worker. Deltas refused on arrival
 * after that point ({@code invalid-delta}, {@code too-large}, {@code stale-sequence}) count, since the worker did
 * send them; a {@code late-delta} (its step already committed) counts for no commit; records that do not decode, or
 * are refused before the run and worker are known ({@code key-mismatch}, {@code run-not-started}, {@code run-ended},
 * {@code unknown-worker}), count for none. Each part of a change sent in parts ({@code item_part}) is one record.
 *
 * <p>The count is checked in every run started with a state model ({@code RunStarted.model} set), and in a run
 * without one (the v1 contract) unless the commit declares {@code delta_count = 0}: history written before the check
 * existed holds v1 commits that declared 0 whatever they sent, and must replay as it did, so in a v1 run 0 means
 * "not declared".
 */
public final class DeclaredDeltaCount {

    private DeclaredDeltaCount() {
    }

    /** Whether a commit declaring {@code deltaCount} in a run with ({@code stateModel}) or without a model is checked. */
    public static boolean checked(boolean stateModel, int deltaCount) {
        return stateModel || deltaCount != 0;
    }
}
