package dev.simsnap.snapshot.read;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One run's state at one consistent iteration: everything a snapshot holds, nothing from a later iteration. Pure
 * data (JSON nodes in canonical key order); the {@link dev.simsnap.snapshot.write.SnapshotWriter} input. Treat the
 * nodes as read-only.
 *
 * @param runId         the run id
 * @param iteration     the consistent iteration (-1 before the first)
 * @param virtualDate   virtual_date of that iteration's commits, or null
 * @param information   the INFORMATION entity, or null
 * @param persons       PERSON entities by person_id
 * @param stocks        STOCK entities by stock_id
 * @param market        the MARKET entity, or null
 * @param marketIndexes MARKET_INDEX entities by entity id
 * @param documents     DOCUMENT entities by collection, then entity id (keys sorted)
 * @param generations   visible (sealed and complete) generations: members in population order
 * @param layoutFiles   for a run with a state model: its snapshot files, rendered from the model's layout (relative
 *                      path to bytes); null for a legacy run, whose files are rendered from the fields above
 */
public record RunState(String runId, long iteration, Integer virtualDate, ObjectNode information,
                       SortedMap<Integer, ObjectNode> persons, SortedMap<Integer, ObjectNode> stocks, ObjectNode market,
                       SortedMap<String, ObjectNode> marketIndexes,
                       SortedMap<String, SortedMap<String, JsonNode>> documents,
                       SortedMap<Integer, List<JsonNode>> generations, SortedMap<String, byte[]> layoutFiles) {

    public RunState {
        Objects.requireNonNull(runId, "runId");
        persons = persons == null ? new TreeMap<>() : persons;
        stocks = stocks == null ? new TreeMap<>() : stocks;
        marketIndexes = marketIndexes == null ? new TreeMap<>() : marketIndexes;
        documents = documents == null ? new TreeMap<>() : documents;
        generations = generations == null ? new TreeMap<>() : generations;
    }

    /** An empty state to fill (mutable maps). */
    public static RunState empty(String runId, long iteration, Integer virtualDate) {
        return new RunState(runId, iteration, virtualDate, null, new TreeMap<>(), new TreeMap<>(), null,
                new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), null);
    }

    /** A copy with another information / market entity (records are immutable for these two). */
    public RunState with(ObjectNode information, ObjectNode market) {
        return new RunState(runId, iteration, virtualDate, information, persons, stocks, market, marketIndexes,
                documents, generations, layoutFiles);
    }

    /** A state-model run's state: its rendered snapshot files. */
    public static RunState rendered(String runId, long iteration, SortedMap<String, byte[]> files) {
        return new RunState(runId, iteration, null, null, new TreeMap<>(), new TreeMap<>(), null, new TreeMap<>(),
                new TreeMap<>(), new TreeMap<>(), Objects.requireNonNull(files, "files"));
    }

    /** True when the run has trading-arena entities (then persona.json and stocks.json are always written). */
    public boolean hasTradingEntities() {
        return !persons.isEmpty() || !stocks.isEmpty() || market != null || !marketIndexes.isEmpty();
    }

    /** Entity count (all types, excluding generations). */
    public int entityCount() {
        int docs = documents.values().stream().mapToInt(Map::size).sum();
        return persons.size() + stocks.size() + marketIndexes.size() + docs + (market == null ? 0 : 1)
                + (information == null ? 0 : 1);
    }
}
