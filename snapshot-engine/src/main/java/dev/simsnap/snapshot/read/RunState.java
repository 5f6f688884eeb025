package dev.simsnap.snapshot.read;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One run's state at one consistent iteration: everything a snapshot holds, nothing from a later iteration; the
 * {@link dev.simsnap.snapshot.write.SnapshotWriter} input. Treat it as read-only once built.
 *
 * @param runId       the run id
 * @param iteration   the consistent iteration (-1 before the first)
 * @param generations a v1 run's visible (sealed and complete) generations, members in population order, as JSON
 *                    trees (written as {@code persona_data/gen_<N>.json}); empty for a run with a state model, whose
 *                    generations are collections of its layout
 * @param layoutFiles the snapshot files rendered from the run's layout (a v1 run: the legacy model's): relative path
 *                    to bytes
 */
public record RunState(String runId, long iteration, SortedMap<Integer, List<JsonNode>> generations,
                       SortedMap<String, byte[]> layoutFiles) {

    public RunState {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(layoutFiles, "layoutFiles");
        generations = generations == null ? new TreeMap<>() : generations;
    }

    /** A run's state from its rendered files (generations still to add: the map is mutable). */
    public static RunState rendered(String runId, long iteration, SortedMap<String, byte[]> files) {
        return new RunState(runId, iteration, new TreeMap<>(), files);
    }
}
