package dev.simsnap.registry.server;

/**
 * Every error the registry answers, in one place: the HTTP status and the Confluent {@code error_code}.
 *
 * <p>Codes follow Confluent Schema Registry's server ({@code Errors.java}). Notably an incompatible schema is
 * HTTP 409 with {@code error_code} 409 (Confluent derives it from the HTTP CONFLICT status); some clones and
 * older docs use 40901, so clients should accept both.
 */
public enum ErrorCode {
    /** Malformed JSON or an unreadable request body. */
    BAD_REQUEST(400, 400),
    /** A route that does not exist (Confluent answers the bare HTTP status as the code). */
    NOT_FOUND(404, 404),
    SUBJECT_NOT_FOUND(404, 40401),
    VERSION_NOT_FOUND(404, 40402),
    SCHEMA_NOT_FOUND(404, 40403),
    SUBJECT_SOFT_DELETED(404, 40404),
    SUBJECT_NOT_SOFT_DELETED(404, 40405),
    SCHEMA_VERSION_SOFT_DELETED(404, 40406),
    SCHEMA_VERSION_NOT_SOFT_DELETED(404, 40407),
    SUBJECT_COMPATIBILITY_NOT_CONFIGURED(404, 40408),
    SUBJECT_MODE_NOT_CONFIGURED(404, 40409),
    /** No or unknown credentials where the registry requires some (Confluent's rest-utils code). */
    UNAUTHORIZED(401, 40101),
    /** Credentials that do not allow the request (read credentials for a change). */
    FORBIDDEN(403, 40301),
    METHOD_NOT_ALLOWED(405, 405),
    INCOMPATIBLE_SCHEMA(409, 409),
    INVALID_SCHEMA(422, 42201),
    INVALID_VERSION(422, 42202),
    INVALID_COMPATIBILITY_LEVEL(422, 42203),
    INVALID_MODE(422, 42204),
    OPERATION_NOT_PERMITTED(422, 42205),
    ID_DOES_NOT_MATCH(422, 42207),
    STORE_ERROR(500, 50001),
    OPERATION_TIMEOUT(500, 50002);

    private final int httpStatus;
    private final int code;

    ErrorCode(int httpStatus, int code) {
        this.httpStatus = httpStatus;
        this.code = code;
    }

    /** The HTTP status of the answer. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The {@code error_code} field of the answer. */
    public int code() {
        return code;
    }

    /** A {@link RegistryException} with this code and a message. */
    public RegistryException exception(String message) {
        return new RegistryException(this, message);
    }
}
