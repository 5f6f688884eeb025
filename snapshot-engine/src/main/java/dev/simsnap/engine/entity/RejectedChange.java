package dev.simsnap.engine.entity;

import java.util.Objects;

/**
 * A change {@link EntityOps} refuses to apply; the stored entity stays as it was. {@link #reason()} is a stable code
 * for metrics, logs and the REST error body; the message says the details.
 */
public final class RejectedChange extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** Why a change was refused. */
    public enum Reason {
        /** PATCH of an entity that does not exist (a patch needs something to patch). */
        PATCH_MISSING_ENTITY("patch-missing-entity"),
        /** APPEND to an entity that does not exist. */
        APPEND_MISSING_ENTITY("append-missing-entity"),
        /**
         * DELETE of an entity that does not exist. Deltas are applied exactly once (a step re-sent is recognised by
         * its digest before its deltas are applied), so a delete of nothing is a producer's mistake, not a replay.
         */
        DELETE_MISSING_ENTITY("delete-missing-entity"),
        /** The stored entity's schema cannot be resolved to the change's writer schema (Avro schema resolution). */
        SCHEMA_NOT_RESOLVABLE("schema-not-resolvable"),
        /** The change's writer schema id, or the stored entity's, is not in the registry. */
        UNKNOWN_SCHEMA("unknown-schema"),
        /**
         * A path that does not resolve in the writer schema, an APPEND path that is not an array, or a path through
         * a missing record that cannot be created (a field without a default).
         */
        BAD_PATH("bad-path"),
        /**
         * The stored entity's body does not decode with its own schema: the store was damaged underneath the engine
         * (an UPSERT body that does not decode is refused as {@link #BAD_BODY} before it is stored).
         */
        CORRUPT_ENTITY("corrupt-entity"),
        /**
         * The item body (UPSERT, PATCH or APPEND) does not decode with the writer schema (truncated, corrupt,
         * trailing bytes).
         */
        BAD_BODY("bad-body"),
        /**
         * The change does not fit its op: paths on UPSERT or DELETE, no paths on PATCH, not exactly one path on
         * APPEND, no body on UPSERT/PATCH/APPEND, the writer schema not a record.
         */
        BAD_CHANGE("bad-change");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        /** The stable code, e.g. {@code patch-missing-entity}. */
        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public RejectedChange(Reason reason, String message) {
        this(reason, message, null);
    }

    public RejectedChange(Reason reason, String message, Throwable cause) {
        super(Objects.requireNonNull(reason, "reason").code() + ": " + message, cause);
        this.reason = reason;
    }

    /** Why. */
    public Reason reason() {
        return reason;
    }

    /** {@code reason().code()}. */
    public String code() {
        return reason.code();
    }
}
