package dev.simsnap.service.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.simsnap.snapshot.run.RunInfo;
import java.util.List;

/** The JSON bodies of the REST API (snake_case field names) and the mapper that writes and reads them. */
public final class ApiJson {

    /** Jackson mapper of the API: snake_case, nulls omitted, ISO-free (only numbers and strings). */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private ApiJson() {
    }

    /** {@code {"error": "...", "status": N}}. */
    public record ErrorBody(String error, int status) {
    }

    /** One row of {@code GET /runs}. */
    public record RunSummary(String run, String kind, long consistentIteration, boolean ended) {
        static RunSummary of(RunInfo info) {
            return new RunSummary(info.runId(), info.kind(), info.consistentIteration(), info.ended());
        }
    }

    /** {@code GET /runs}: all runs of all instances, sorted by id. */
    public record RunList(List<RunSummary> runs) {
    }

    /**
     * One worker in {@code GET /runs/{run}}; {@code refusedSteps} and {@code lastRefusal} only when the service
     * refused some of its commits after they were committed (see {@link RunInfo.StepRefusals}).
     */
    public record WorkerStatus(String worker, long lastCommittedIteration, long lag, Long refusedSteps,
                               Refusal lastRefusal) {
    }

    /** The last commit of a worker the service refused: its step and dead-letter reason. */
    public record Refusal(long step, String reason) {
    }

    /** {@code GET /runs/{run}}. */
    public record RunDetail(String run, String kind, List<String> expectedWorkers, List<WorkerStatus> workers,
                            long consistentIteration, Integer virtualDate, long lag, boolean ended, String endStatus,
                            Long finalIteration, ForkedFrom forkedFrom) {
        static RunDetail of(RunInfo i) {
            List<WorkerStatus> workers = i.workers().stream()
                    .map(w -> new WorkerStatus(w.workerId(), w.lastCommittedIteration(), w.lag(),
                            w.refusals() == null ? null : w.refusals().count(), w.refusals() == null ? null
                            : new Refusal(w.refusals().lastStep(), w.refusals().lastReason()))).toList();
            return new RunDetail(i.runId(), i.kind(), i.expectedWorkers(), workers, i.consistentIteration(),
                    i.virtualDate(), i.lag(), i.ended(), i.endStatus(), i.ended() ? i.finalIteration() : null,
                    i.forkedFrom() == null ? null : new ForkedFrom(i.forkedFrom().runId(), i.forkedFrom().iteration()));
        }
    }

    /** Where a forked run came from: the origin run and the iteration whose state it started with. */
    public record ForkedFrom(String run, long iteration) {
    }

    /** {@code POST /runs/{run}/snapshots} (201). */
    public record SnapshotWritten(String run, long iteration, String path) {
    }

    /** {@code POST /runs/{run}/snapshots?generation=G} (201). */
    public record GenerationSnapshotWritten(String run, int generation, String path) {
    }

    /** {@code GET /runs/{run}/generations}. */
    public record GenerationList(String run, List<Integer> generations) {
    }

    /**
     * {@code GET /runs/{run}/generations} of a run with a state model: every generation id of its generations
     * collections (ascending, once), the run's consistent step, and each collection's generations with their
     * versions.
     */
    public record ModelGenerationList(String run, long consistentStep, List<Long> generations,
                                      List<GenerationCollection> collections) {
    }

    /** One generations collection of a run in {@link ModelGenerationList}. */
    public record GenerationCollection(String collection, List<GenerationVersions> generations) {
    }

    /** One generation and its versions, oldest first. */
    public record GenerationVersions(long generation, List<GenerationVersion> versions) {
    }

    /** One version of a generation: its number (from 0), the step it was saved at (absent: none), its size. */
    public record GenerationVersion(int version, Long step, int memberCount) {
    }

    /** {@code GET /health}. */
    public record Health(String status, String streams, String instance) {
    }
}
