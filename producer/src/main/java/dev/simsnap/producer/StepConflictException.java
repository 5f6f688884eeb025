package dev.simsnap.producer;

/**
 * A step re-sent with content different from what the worker committed for that step number. Steps are never
 * overwritten: the caller must send the next step. Nothing was written.
 */
public final class StepConflictException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final long step;
    private final String committedDigest;
    private final String sentDigest;

    public StepConflictException(String worker, long step, String committedDigest, String sentDigest, long next) {
        super("step " + step + " of worker " + worker + " was committed with different content (digest "
                + abbrev(committedDigest) + " vs " + abbrev(sentDigest) + "); steps are never overwritten: send the"
                + " next step (" + next + ")");
        this.step = step;
        this.committedDigest = committedDigest;
        this.sentDigest = sentDigest;
    }

    private static String abbrev(String hex) {
        return hex == null ? "none" : hex.length() <= 12 ? hex : hex.substring(0, 12) + "…";
    }

    public long step() {
        return step;
    }

    /** Hex digest of the committed step ("" when it was committed without one). */
    public String committedDigest() {
        return committedDigest;
    }

    /** Hex digest of the step as re-sent. */
    public String sentDigest() {
        return sentDigest;
    }
}
