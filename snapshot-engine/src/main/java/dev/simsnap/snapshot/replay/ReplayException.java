package dev.simsnap.snapshot.replay;

/** A replay that cannot produce the requested state; the message is one line for users. */
public final class ReplayException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why: the caller maps it to an HTTP status / exit message. */
    public enum Kind { UNKNOWN_RUN, OUT_OF_RANGE, INVALID }

    private final Kind kind;

    public ReplayException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
