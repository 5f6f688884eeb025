package dev.simsnap.snapshot.topology;

import dev.simsnap.schema.contract.Contracts;
import java.util.Objects;

/**
 * The topics the topology reads and writes.
 *
 * @param deltas      run lifecycle and deltas ({@link Contracts#DELTAS_TOPIC})
 * @param generations generation chunks and seals ({@link Contracts#GENERATIONS_TOPIC})
 * @param deadLetter  rejected records ({@link Contracts#DEAD_LETTER_TOPIC})
 */
public record SnapshotTopics(String deltas, String generations, String deadLetter) {

    public SnapshotTopics {
        Objects.requireNonNull(deltas, "deltas");
        Objects.requireNonNull(generations, "generations");
        Objects.requireNonNull(deadLetter, "deadLetter");
    }

    /**
     * The compacted output topic of current entity states ({@link CurrentState}): {@code simsnap.current-state} for
     * the contract's topics, else the deltas topic's name with its {@code .deltas} suffix (if any) replaced by
     * {@code .current-state}.
     */
    public String currentState() {
        if (deltas.equals(Contracts.DELTAS_TOPIC)) {
            return CurrentState.TOPIC;
        }
        return (deltas.endsWith(".deltas") ? deltas.substring(0, deltas.length() - ".deltas".length()) : deltas)
                + ".current-state";
    }

    /** The contract's topic names. */
    public static SnapshotTopics defaults() {
        return new SnapshotTopics(Contracts.DELTAS_TOPIC, Contracts.GENERATIONS_TOPIC, Contracts.DEAD_LETTER_TOPIC);
    }
}
