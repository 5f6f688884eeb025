package dev.simsnap.registry.server;

/** A request the registry refuses; answered as {@code {"error_code": N, "message": "..."}}. */
public final class RegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient ErrorCode errorCode;

    RegistryException(ErrorCode errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    RegistryException(ErrorCode errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
    }

    /** The HTTP status and Confluent error code. */
    public ErrorCode errorCode() {
        return errorCode;
    }
}
