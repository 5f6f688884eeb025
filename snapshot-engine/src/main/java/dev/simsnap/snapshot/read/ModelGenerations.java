package dev.simsnap.snapshot.read;

import dev.simsnap.snapshot.delta.GenerationItems;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The generations of a state-model run as one instance holds them (read without the run's seqlock: a version, once
 * sealed, never changes, and versions are only ever added).
 *
 * @param runId          the run
 * @param consistentStep the run's consistent step when read (-1 before the first)
 * @param collections    each generations collection of the run's model, in the model's order: generation id ->
 *                       its versions in version order (oldest first); a collection with none maps to an empty map
 */
public record ModelGenerations(String runId, long consistentStep,
                               Map<String, SortedMap<Long, List<GenerationItems.Version>>> collections) {

    public ModelGenerations {
        collections = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(collections));
    }
}
