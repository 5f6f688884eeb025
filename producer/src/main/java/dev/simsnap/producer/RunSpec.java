package dev.simsnap.producer;

import dev.simsnap.schema.contract.RunIds;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a run declares when it starts (the content of its RunStarted record).
 *
 * @param kind            what simulates, e.g. {@code trading-arena}; not blank
 * @param expectedWorkers worker ids that must all commit an iteration before it is consistent; stored sorted and
 *                        without duplicates; each a valid id ({@link RunIds})
 * @param config          free-form settings, kept for people and replays (sorted by key)
 * @param randomSeed      the run's random seed (0 when none)
 */
public record RunSpec(String kind, List<String> expectedWorkers, Map<String, String> config, long randomSeed) {

    /** Normalizes and checks; throws {@link IllegalArgumentException} naming the field. */
    public RunSpec {
        if (kind == null || kind.isBlank()) {
            throw new IllegalArgumentException("field 'kind': must not be blank");
        }
        if (expectedWorkers == null || expectedWorkers.isEmpty()) {
            throw new IllegalArgumentException("field 'expected_workers': a run needs at least one worker");
        }
        for (String worker : expectedWorkers) {
            RunIds.require("worker id in 'expected_workers'", worker);
        }
        expectedWorkers = List.copyOf(new TreeSet<>(expectedWorkers));
        config = config == null ? Map.of() : new TreeMap<>(config);
    }

    /** A run of {@code kind} with the given workers, no settings and seed 0. */
    public static RunSpec of(String kind, String... expectedWorkers) {
        return new RunSpec(kind, List.of(expectedWorkers), Map.of(), 0L);
    }
}
