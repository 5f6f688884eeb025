package dev.simsnap.registry.client;

/**
 * A failed registry call: the HTTP status, the registry's {@code error_code} and its message.
 *
 * <p>{@link #of} picks the subclass from the error code (falling back on the status), so callers can catch
 * e.g. {@link SubjectNotFound} whatever registry answered. Unchecked, because serdes and lambdas cannot
 * propagate checked exceptions.
 */
public class RegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final int errorCode;

    /**
     * @param status    the HTTP status, or -1 when no response arrived
     * @param errorCode the registry's error_code, or -1 when none was given
     */
    public RegistryException(int status, int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    /** The HTTP status, -1 when no response arrived. */
    public int status() {
        return status;
    }

    /** The registry's error_code, -1 when the answer carried none. */
    public int errorCode() {
        return errorCode;
    }

    /** The known code, or null. */
    public ErrorCode code() {
        return ErrorCode.of(errorCode);
    }

    @Override
    public String getMessage() {
        return super.getMessage() + " (status " + status + ", error_code " + errorCode + ")";
    }

    /** The registry's message alone, without status and code. */
    public String registryMessage() {
        return super.getMessage();
    }

    /**
     * Whether the registry could not serve the call for now rather than refused it: no URL answered
     * ({@link Unavailable}), or it answered 408, 429 or a 5xx. Asking again later may succeed; a caller that
     * decodes records must not blame the record for it.
     */
    public boolean isTransient() {
        return this instanceof Unavailable || status == 408 || status == 429 || status >= 500;
    }

    /** The first {@link RegistryException} in {@code error}'s cause chain (itself included), or null. */
    public static RegistryException in(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RegistryException r) {
                return r;
            }
        }
        return null;
    }

    /** Builds the subclass matching {@code errorCode} (or {@code status} when the code is unknown). */
    public static RegistryException of(int status, int errorCode, String message) {
        ErrorCode code = ErrorCode.of(errorCode);
        if (code != null) {
            switch (code) {
                case SUBJECT_NOT_FOUND:
                    return new SubjectNotFound(status, errorCode, message);
                case VERSION_NOT_FOUND:
                    return new VersionNotFound(status, errorCode, message);
                case SCHEMA_NOT_FOUND:
                    return new SchemaNotFound(status, errorCode, message);
                case SUBJECT_SOFT_DELETED:
                case SUBJECT_NOT_SOFT_DELETED:
                case VERSION_SOFT_DELETED:
                case VERSION_NOT_SOFT_DELETED:
                    return new SoftDeleteState(status, errorCode, message);
                case INCOMPATIBLE_SCHEMA:
                case INCOMPATIBLE_SCHEMA_LEGACY:
                    return new IncompatibleSchema(status, errorCode, message);
                case INVALID_SCHEMA:
                    return new InvalidSchema(status, errorCode, message);
                case INVALID_VERSION:
                    return new InvalidVersion(status, errorCode, message);
                case INVALID_COMPATIBILITY_LEVEL:
                    return new InvalidCompatibilityLevel(status, errorCode, message);
                case INVALID_MODE:
                    return new InvalidMode(status, errorCode, message);
                case OPERATION_NOT_PERMITTED:
                    return new OperationNotPermitted(status, errorCode, message);
                default:
                    break;
            }
        }
        if (status == 404) {
            return new NotFound(status, errorCode, message);
        }
        if (status == 409) {
            return new IncompatibleSchema(status, errorCode, message);
        }
        if (status >= 500) {
            return new ServerError(status, errorCode, message);
        }
        return new RegistryException(status, errorCode, message, null);
    }

    /** Builds the exception for a known code with its usual status (used by the in-memory registry). */
    public static RegistryException of(ErrorCode code, String message) {
        return of(code.httpStatus(), code.code(), message);
    }

    /** 404: something does not exist; see the subclasses. */
    public static class NotFound extends RegistryException {
        private static final long serialVersionUID = 1L;

        NotFound(int status, int errorCode, String message) {
            super(status, errorCode, message, null);
        }
    }

    /** 40401. */
    public static final class SubjectNotFound extends NotFound {
        private static final long serialVersionUID = 1L;

        SubjectNotFound(int status, int errorCode, String message) {
            super(status, errorCode, message);
        }
    }

    /** 40402. */
    public static final class VersionNotFound extends NotFound {
        private static final long serialVersionUID = 1L;

        VersionNotFound(int status, int errorCode, String message) {
            super(status, errorCode, message);
        }
    }

    /** 40403. */
    public static final class SchemaNotFound extends NotFound {
        private static final long serialVersionUID = 1L;

        SchemaNotFound(int status, int errorCode, String message) {
            super(status, errorCode, message);
        }
    }

    /** 40404–40407: a soft-delete state forbids the call; {@link #code()} says which. */
    public static final class SoftDeleteState extends NotFound {
        private static final long serialVersionUID = 1L;

        SoftDeleteState(int status, int errorCode, String message) {
            super(status, errorCode, message);
        }
    }

    /** 409 with error_code 409 (older registries) or 40901. */
    public static final class IncompatibleSchema extends RegistryException {
        private static final long serialVersionUID = 1L;

        IncompatibleSchema(int status, int errorCode, String message) {
            super(status, errorCode, message, null);
        }
    }

    /** 42201. */
    public static final class InvalidSchema extends RegistryException {
        private static final long serialVersionUID = 1L;

        InvalidSchema(int status, int errorCode, String message) {
            super(status, errorCode, message, null);
        }
    }

    /** 42202. */
    public static final class InvalidVersion extends RegistryException {
        private static final long serialVersionUID = 1L;

        InvalidVersion(int status, int errorCode, String message) {
            super(status, errorCode, message, null);
        }
    }

    /** 42203. */
    public static final class InvalidCompatibilityLevel extends RegistryException {
        private static final long serialVersionUID = 1L;

        InvalidCompatibilityLevel(int status, int errorCode, String message) {
            super(status, errorCode, message, null);
        }
    }

    /** 42204. */
    public static final class InvalidMode extends RegistryException {
        private static final long serialVersionUID = 1L;

        InvalidMode(int status, int errorCode, String message) {
            super(status, errorCode, message, null);
        }
    }

    /** 42205. */
    public static final class OperationNotPermitted extends RegistryException {
        private static final long serialVersionUID = 1L;

        OperationNotPermitted(int status, int errorCode, String message) {
            super(status, errorCode, message, null);
        }
    }

    /** 5xx (50001 store error, 50002 timeout, 50003 forwarding failed, 50004 unknown leader, or none). */
    public static final class ServerError extends RegistryException {
        private static final long serialVersionUID = 1L;

        ServerError(int status, int errorCode, String message) {
            super(status, errorCode, message, null);
        }
    }

    /** No registry URL answered (connection errors after every retry and failover); status and code are -1. */
    public static final class Unavailable extends RegistryException {
        private static final long serialVersionUID = 1L;

        public Unavailable(String message, Throwable cause) {
            super(-1, -1, message, cause);
        }
    }
}
