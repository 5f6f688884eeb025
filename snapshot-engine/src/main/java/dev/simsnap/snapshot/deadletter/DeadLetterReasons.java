package dev.simsnap.snapshot.deadletter;

/** Values of the {@link DeadLetterHeaders#REASON} header. */
public final class DeadLetterReasons {

    /** Null or empty value. */
    public static final String EMPTY_VALUE = "empty-value";
    /** Byte 0 is not the Confluent magic byte 0x00 (or the value is shorter than the 5-byte prefix). */
    public static final String BAD_MAGIC_BYTE = "bad-magic-byte";
    /** The registry does not know the schema id of the prefix. */
    public static final String UNKNOWN_SCHEMA_ID = "unknown-schema-id";
    /** The Avro body does not decode with the writer schema. */
    public static final String CORRUPT_AVRO = "corrupt-avro";
    /** The deserializer failed for another reason (e.g. registry unreachable). */
    public static final String UNDECODABLE = "undecodable";
    /** A record type that does not belong on this topic. */
    public static final String UNEXPECTED_RECORD_TYPE = "unexpected-record-type";
    /** The record key is not the record's run_id (or is null / not UTF-8). */
    public static final String KEY_MISMATCH = "key-mismatch";
    /** A delta, commit or end for a run whose RunStarted was never seen. */
    public static final String RUN_NOT_STARTED = "run-not-started";
    /** A second RunStarted for a run. */
    public static final String RUN_ALREADY_STARTED = "run-already-started";
    /** Any record of a run after its RunEnded. */
    public static final String RUN_ENDED = "run-ended";
    /** RunStarted breaking the contract (bad ids, no workers, duplicate workers). */
    public static final String INVALID_RUN_STARTED = "invalid-run-started";
    /** A worker not in RunStarted.expected_workers. */
    public static final String UNKNOWN_WORKER = "unknown-worker";
    /** A StateDelta breaking the contract (op/payload/type mismatch, bad ids, unknown fields, bad JSON, NaN). */
    public static final String INVALID_DELTA = "invalid-delta";
    /** A StateDelta whose sequence is not above the worker's last accepted sequence (duplicate or replay). */
    public static final String STALE_SEQUENCE = "stale-sequence";
    /** A StateDelta for an iteration its worker has already committed. */
    public static final String LATE_DELTA = "late-delta";
    /** An IterationCommitted not above the worker's last committed iteration. */
    public static final String STALE_COMMIT = "stale-commit";
    /**
     * An IterationCommitted whose {@code delta_count} is checked ({@link dev.simsnap.snapshot.delta.DeclaredDeltaCount})
     * and differs from the StateDeltas its worker sent for the step. The commit is refused and the step's buffered
     * deltas are dead-lettered with this reason too (those with header {@link DeadLetterHeaders#VALUE_FORMAT}, the
     * delta in Avro single-object encoding); nothing of the step is applied.
     */
    public static final String DELTA_COUNT_MISMATCH = "delta-count-mismatch";
    /**
     * An IterationCommitted that would leave more than {@link dev.simsnap.snapshot.delta.DeltaLog#MAX_PENDING_STEPS}
     * committed steps waiting above the run's consistent step (a worker that far ahead of the slowest one). Refused
     * like {@link #DELTA_COUNT_MISMATCH}: the step's buffered deltas are dead-lettered with this reason too and the
     * worker's last committed step stays where it was.
     */
    public static final String TOO_FAR_AHEAD = "too-far-ahead";
    /**
     * A record of a run on another partition than the run's ({@code murmur2(run id) % partitions}, PROTOCOL.md
     * section 2): written by a producer with another partitioner. Nothing of it is applied.
     */
    public static final String WRONG_PARTITION = "wrong-partition";
    /** A GenerationChunk/GenerationSealed breaking the contract. */
    public static final String INVALID_GENERATION = "invalid-generation";
    /** A chunk or seal that differs from one already stored for the same generation. */
    public static final String GENERATION_CONFLICT = "generation-conflict";
    /**
     * Apply time: a DOCUMENT APPEND whose field holds a non-list value. The delta is skipped; the dead-letter
     * value is then the delta in Avro single-object encoding (header {@link DeadLetterHeaders#VALUE_FORMAT}).
     */
    public static final String APPEND_TO_NON_LIST = "append-to-non-list";

    /**
     * The record is valid but what applying it would store (run metadata, a buffered change, a generation chunk,
     * a key) is larger than a store's changelog record may be; nothing of it is stored.
     */
    public static final String TOO_LARGE = "too-large";

    /**
     * The record was applied (its entity is stored and served by REST and snapshots), but a current-state record it
     * produced is larger than the current-state topic takes ({@code max.message.bytes}), so that one output record
     * is not written. The dead letter is keyed by the run and has no value ({@link DeadLetterHeaders#VALUE_FORMAT}
     * {@code simsnap.current-state}); its detail names the current-state key, iteration and size.
     */
    public static final String OUTPUT_TOO_LARGE = "output-too-large";

    private DeadLetterReasons() {
    }
}
