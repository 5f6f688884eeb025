package dev.simsnap.registry.client;

import java.util.HashMap;
import java.util.Map;

/**
 * Every Confluent Schema Registry {@code error_code} simsnap knows, with the HTTP status the registry
 * answers it with. The one place these numbers live: clients map them to {@link RegistryException}s,
 * the in-memory registry raises them.
 */
public enum ErrorCode {
    /** 40401: the subject does not exist (or is soft-deleted and {@code deleted=true} was not asked). */
    SUBJECT_NOT_FOUND(40401, 404),
    /** 40402: the subject exists but not that version. */
    VERSION_NOT_FOUND(40402, 404),
    /** 40403: no schema with that id, or the looked-up schema is not registered under the subject. */
    SCHEMA_NOT_FOUND(40403, 404),
    /** 40404: the subject was soft-deleted. */
    SUBJECT_SOFT_DELETED(40404, 404),
    /** 40405: a permanent delete of a subject that was not soft-deleted first. */
    SUBJECT_NOT_SOFT_DELETED(40405, 404),
    /** 40406: the version was soft-deleted. */
    VERSION_SOFT_DELETED(40406, 404),
    /** 40407: a permanent delete of a version that was not soft-deleted first. */
    VERSION_NOT_SOFT_DELETED(40407, 404),
    /** 40408: the subject has no subject-level compatibility (ask with {@code defaultToGlobal=true}). */
    SUBJECT_COMPATIBILITY_NOT_CONFIGURED(40408, 404),
    /** 40409: the subject has no subject-level mode. */
    SUBJECT_MODE_NOT_CONFIGURED(40409, 404),
    /** 409: incompatible schema, as older registries report it (error_code equal to the status). */
    INCOMPATIBLE_SCHEMA_LEGACY(409, 409),
    /** 40901: incompatible schema, as current registries report it. */
    INCOMPATIBLE_SCHEMA(40901, 409),
    /** 42201: the schema text is not a valid schema. */
    INVALID_SCHEMA(42201, 422),
    /** 42202: the version is not a positive int nor "latest". */
    INVALID_VERSION(42202, 422),
    /** 42203: unknown compatibility level. */
    INVALID_COMPATIBILITY_LEVEL(42203, 422),
    /** 42204: unknown mode. */
    INVALID_MODE(42204, 422),
    /** 42205: the operation is not allowed (e.g. a write in READONLY mode). */
    OPERATION_NOT_PERMITTED(42205, 422),
    /** 42206: the schema is still referenced by another schema. */
    REFERENCE_EXISTS(42206, 422),
    /** 42207: the id given in IMPORT mode does not match the stored one. */
    ID_DOES_NOT_MATCH(42207, 422),
    /** 42208: invalid subject name. */
    INVALID_SUBJECT(42208, 422),
    /** 42209: schema too large. */
    SCHEMA_TOO_LARGE(42209, 422),
    /** 50001: error in the registry's backend store. */
    STORE_ERROR(50001, 500),
    /** 50002: the registry timed out. */
    OPERATION_TIMEOUT(50002, 500),
    /** 50003: forwarding the request to the leader failed. */
    REQUEST_FORWARDING_FAILED(50003, 500),
    /** 50004: no leader is known. */
    UNKNOWN_LEADER(50004, 500),
    /** 50005: the response body was not the expected JSON (raised client-side, as Confluent's client does). */
    JSON_PARSE_ERROR(50005, 500);

    private static final Map<Integer, ErrorCode> BY_CODE = new HashMap<>();

    static {
        for (ErrorCode c : values()) {
            BY_CODE.put(c.code, c);
        }
    }

    private final int code;
    private final int httpStatus;

    ErrorCode(int code, int httpStatus) {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    /** The {@code error_code} number. */
    public int code() {
        return code;
    }

    /** The HTTP status a registry answers this code with. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The constant for {@code code}, or null when simsnap does not know it. */
    public static ErrorCode of(int code) {
        return BY_CODE.get(code);
    }
}
