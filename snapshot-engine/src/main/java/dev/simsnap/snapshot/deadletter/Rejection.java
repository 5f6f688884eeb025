package dev.simsnap.snapshot.deadletter;

/** Thrown while checking an input record that must go to the dead-letter topic instead of being applied. */
public final class Rejection extends Exception {

    private static final long serialVersionUID = 1L;

    private final String reason;

    /**
     * @param reason one of {@link DeadLetterReasons}, the machine-readable header value
     * @param detail a human-readable sentence
     */
    public Rejection(String reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    /** Like {@link #Rejection(String, String)}, keeping the exception that caused it (its class goes into a header). */
    public Rejection(String reason, String detail, Throwable cause) {
        super(detail, cause, false, false);
        this.reason = reason;
    }

    /** The machine-readable reason. */
    public String reason() {
        return reason;
    }
}
