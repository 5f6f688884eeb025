package dev.simsnap.snapshot.read;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A visible generation: sealed, with chunks 0..chunk_count-1 all present, contiguous and holding member_count
 * members.
 *
 * @param generation  the generation number
 * @param memberCount GenerationSealed.member_count
 * @param chunkCount  GenerationSealed.chunk_count
 * @param scores      GenerationSealed.scores (population order), or null
 * @param members     PersonaGenotype JSON objects in population order (seed key order, map keys sorted)
 */
public record GenerationView(int generation, int memberCount, int chunkCount, List<Double> scores,
                             List<JsonNode> members) {
}
