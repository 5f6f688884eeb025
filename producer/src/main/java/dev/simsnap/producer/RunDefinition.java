package dev.simsnap.producer;

import dev.simsnap.model.StateModel;
import dev.simsnap.schema.contract.RunIds;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a v2 run declares when it starts: its state model (recorded in {@code RunStarted.model}, the kind in
 * {@code RunStarted.kind}), the workers whose steps make it consistent, free-form settings and the random seed.
 *
 * @param model           the run's state model (a built-in one from {@code BuiltInKinds} or a parsed descriptor)
 * @param expectedWorkers stored sorted and without duplicates; each a valid id ({@link RunIds})
 * @param config          free-form settings (sorted by key)
 * @param seed            the run's random seed
 */
public record RunDefinition(StateModel model, List<String> expectedWorkers, Map<String, String> config, long seed) {

    /** Normalizes and checks; throws {@link IllegalArgumentException} naming the field. */
    public RunDefinition {
        Objects.requireNonNull(model, "model");
        if (expectedWorkers == null || expectedWorkers.isEmpty()) {
            throw new IllegalArgumentException("field 'expected_workers': a run needs at least one worker");
        }
        for (String worker : expectedWorkers) {
            RunIds.require("worker id in 'expected_workers'", worker);
        }
        expectedWorkers = List.copyOf(new TreeSet<>(expectedWorkers));
        config = config == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(config));
    }

    /** A run of {@code model} with the given workers, no settings and seed 0. */
    public static RunDefinition of(StateModel model, String... expectedWorkers) {
        return new RunDefinition(model, List.of(expectedWorkers), Map.of(), 0L);
    }

    /** The kind ({@code model.kind()}). */
    public String kind() {
        return model.kind();
    }
}
