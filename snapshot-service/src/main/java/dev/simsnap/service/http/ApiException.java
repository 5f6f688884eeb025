package dev.simsnap.service.http;

/**
 * An HTTP error answer: the status and a one-line message, rendered as {@code {"error": "...", "status": N}}.
 * Create them through {@link ApiErrors} so every code and message lives in one place.
 */
public final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }
}
