package dev.simsnap.snapshot.read;

/** A consistent read kept overlapping with iteration applies until its deadline (retry later). */
public final class ConcurrentApplyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConcurrentApplyException(String message) {
        super(message);
    }
}
