package dev.simsnap.service.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.service.SnapshotService;
import dev.simsnap.snapshot.read.GenerationView;
import dev.simsnap.snapshot.read.RunState;
import dev.simsnap.snapshot.read.RunStateReader;
import dev.simsnap.snapshot.read.StoreProvider;
import dev.simsnap.snapshot.replay.ReplayException;
import dev.simsnap.snapshot.replay.RunReplayer;
import dev.simsnap.snapshot.run.RunInfo;
import dev.simsnap.snapshot.store.SnapshotStores;
import dev.simsnap.snapshot.write.SnapshotWriter;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the REST resources read and write once the service runs: a {@link RunStateReader} over this instance's
 * stores, the {@link ClusterRouter}, the {@link SnapshotWriter} of the output root.
 *
 * <p><b>Reads include standby replicas.</b> The reader's stores are queried with
 * {@link StoreQueryParameters#enableStaleStores()}: besides the active tasks of this instance they cover its standby
 * replicas (the service runs with {@code num.standby.replicas=1}) and stores still restoring. Requests are routed to
 * the active host first, so a stale copy is read only when the active host is unknown (a rebalance is under way)
 * or unreachable; such answers carry {@code X-Simsnap-Stale: true}. A standby copy is never half-applied: it is
 * restored from the changelog of committed (exactly-once) transactions, and the run-meta seqlock of
 * {@link RunStateReader} holds for it just as for the active store. It may lag behind the active one by the
 * records not yet restored.
 */
public final class ServiceContext {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceContext.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private final SnapshotService service;
    private final RunStateReader reader;
    private final ClusterRouter router;
    private final SnapshotWriter writer;
    private final RunReplayer replayer;
    private final java.util.concurrent.ScheduledExecutorService checkpointer;
    private final java.util.Map<String, Long> checkpointed = new java.util.concurrent.ConcurrentHashMap<>();

    ServiceContext(SnapshotService service, ClusterRouter router, SnapshotWriter writer) {
        this(service, router, writer, RunReplayer.DEFAULT_CHECKPOINT_EVERY, java.time.Duration.ZERO);
    }

    /**
     * @param checkpointEvery  checkpoint interval in consistent iterations (0: no background checkpoints)
     * @param checkpointPeriod how often the background checkpointer looks at the local runs (ZERO: never)
     */
    ServiceContext(SnapshotService service, ClusterRouter router, SnapshotWriter writer, int checkpointEvery,
                   java.time.Duration checkpointPeriod) {
        this.service = service;
        this.reader = new RunStateReader(staleTolerant(service.streams()), service.schemas());
        this.router = router;
        this.writer = writer;
        var cfg = service.config();
        int every = checkpointEvery > 0 ? checkpointEvery : RunReplayer.DEFAULT_CHECKPOINT_EVERY;
        this.replayer = new RunReplayer(new RunReplayer.Settings(cfg.client(), cfg.topics().deltas(),
                RunReplayer.CHECKPOINTS_TOPIC, every, cfg.topics().generations()));
        if (checkpointEvery > 0 && !checkpointPeriod.isZero()) {
            checkpointer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "simsnap-checkpointer");
                t.setDaemon(true);
                return t;
            });
            long ms = checkpointPeriod.toMillis();
            checkpointer.scheduleWithFixedDelay(() -> checkpointLocalRuns(every), ms, ms,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        } else {
            checkpointer = null;
        }
    }

    /**
     * Background checkpointing: for every run whose stores are local, replays (from its newest checkpoint) up to
     * the largest multiple of {@code every} at or below its consistent iteration, which writes the checkpoints
     * passed on the way. Only one replay at a time, on one daemon thread; failures are logged and retried later.
     */
    private void checkpointLocalRuns(int every) {
        try {
            for (String runId : reader.runIds()) {
                long consistent = reader.runInfo(runId).map(RunInfo::consistentIteration).orElse(-1L);
                long target = consistent / every * every;
                if (target < every || checkpointed.getOrDefault(runId, -1L) >= target) {
                    continue;
                }
                replayer.replay(runId, target, null);
                checkpointed.put(runId, target);
            }
        } catch (RuntimeException e) {
            LOG.warn("background checkpointing failed: {}", e.toString());
        }
    }

    /** Stops the background checkpointer and closes the snapshot writer (waits for its background deletions). */
    void close() {
        if (checkpointer != null) {
            checkpointer.shutdownNow();
        }
        writer.close();
    }

    /**
     * The run as of the end of {@code iteration}, rebuilt from history ({@link RunReplayer}); 404 for an unknown
     * run, 409 for an iteration the run has not (consistently) reached.
     */
    RunState runStateAt(String runId, long iteration) {
        try {
            return replayer.replay(runId, iteration, m -> LOG.info("{}", m)).state();
        } catch (ReplayException e) {
            throw switch (e.kind()) {
                case UNKNOWN_RUN -> ApiErrors.unknownRun(runId);
                case OUT_OF_RANGE -> ApiErrors.iterationNotReached(e.getMessage());
                case INVALID -> new ApiException(400, e.getMessage());
            };
        }
    }

    /** The step a state-model run had consistently reached at its simulation's {@code clock}. */
    long stepAt(String runId, java.util.Map<String, Long> clock) {
        try {
            return replayer.stepAt(runId, clock);
        } catch (ReplayException e) {
            throw switch (e.kind()) {
                case UNKNOWN_RUN -> ApiErrors.unknownRun(runId);
                case OUT_OF_RANGE -> ApiErrors.iterationNotReached(e.getMessage());
                case INVALID -> new ApiException(400, e.getMessage());
            };
        }
    }

    /** Interactive-query stores of {@code streams}, active, standby and restoring ones alike. */
    public static StoreProvider staleTolerant(KafkaStreams streams) {
        return name -> streams.store(StoreQueryParameters.fromNameAndType(name,
                QueryableStoreTypes.<String, Object>keyValueStore()).enableStaleStores());
    }

    SnapshotService service() {
        return service;
    }

    RunStateReader reader() {
        return reader;
    }

    ClusterRouter router() {
        return router;
    }

    SnapshotWriter writer() {
        return writer;
    }

    /** The run's info from the local stores, or the right 404/503. */
    RunInfo runInfo(String runId) {
        return reader.runInfo(runId).orElseThrow(() -> missing(runId));
    }

    /** The run's whole consistent state, generations included (fetched from their owner when elsewhere). */
    RunState runState(String runId) {
        RunState state = reader.runState(runId).orElseThrow(() -> missing(runId));
        ClusterRouter.Owner owner = router.owner(SnapshotStores.GENERATION_SEALS, runId);
        if (!router.readsLocally(owner)) {
            List<Integer> ids = generationIds(runId);
            state.generations().clear();
            for (int g : ids) {
                state.generations().put(g, generation(runId, g).orElseThrow(() -> ApiErrors.rebalancing(runId)));
            }
        }
        return state;
    }

    /** Generations 0..G of a run (409 unless every one of them is visible). */
    java.util.SortedMap<Integer, List<JsonNode>> generationsUpTo(String runId, int upTo) {
        runInfo(runId); // 404 / 503 for unknown runs
        java.util.SortedMap<Integer, List<JsonNode>> out = new java.util.TreeMap<>();
        for (int g = 0; g <= upTo; g++) {
            int gen = g;
            out.put(g, generation(runId, g).orElseThrow(() -> ApiErrors.iterationNotReached(
                    "run '" + runId + "' has no visible generation " + gen + "; generation " + upTo
                            + " is not available")));
        }
        return out;
    }

    /**
     * Visible generation ids of a run. The generation stores are a separate sub-topology whose task for the run's
     * partition may live on another instance: then they are fetched from it ({@code GET /internal/...}).
     */
    List<Integer> generationIds(String runId) {
        ClusterRouter.Owner owner = router.owner(SnapshotStores.GENERATION_SEALS, runId);
        if (!router.readsLocally(owner)) {
            Optional<byte[]> body = fetch(owner, "/internal/generations/" + runId);
            if (body.isPresent() && body.get().length > 0) {
                List<Integer> ids = new ArrayList<>();
                parse(body.get()).get("generations")
                        .forEach(n -> ids.add(n.intValue()));
                return ids;
            }
        }
        return reader.generationIds(runId);
    }

    /** A visible generation's members (population order), local or fetched from the generation owner. */
    Optional<List<JsonNode>> generation(String runId, int generation) {
        ClusterRouter.Owner owner = router.owner(SnapshotStores.GENERATION_SEALS, runId);
        if (!router.readsLocally(owner)) {
            Optional<byte[]> body = fetch(owner, "/internal/generations/" + runId + "/" + generation);
            if (body.isPresent()) {
                byte[] bytes = body.get();
                if (bytes.length == 0) {
                    return Optional.empty();
                }
                List<JsonNode> members = new ArrayList<>();
                parse(bytes).forEach(members::add);
                return Optional.of(members);
            }
        }
        return reader.generation(runId, generation).map(GenerationView::members);
    }

    private static JsonNode parse(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("unreadable answer of the generation owner", e);
        }
    }

    /** Body of a 200 answer (empty array for 404) from the active host; empty when unreachable (read locally). */
    private Optional<byte[]> fetch(ClusterRouter.Owner owner, String path) {
        try {
            HttpResponse<byte[]> r = router.send(owner.active(), "GET", path);
            if (r.statusCode() == 200) {
                return Optional.of(r.body());
            }
            if (r.statusCode() == 404) {
                return Optional.of(new byte[0]);
            }
            LOG.warn("generation owner {} answered {} for {}", ClusterRouter.address(owner.active()),
                    r.statusCode(), path);
        } catch (IOException e) {
            LOG.warn("generation owner {} unreachable ({}); reading the local copy",
                    ClusterRouter.address(owner.active()), e.toString());
        }
        return Optional.empty();
    }

    /** 404 when this instance is (as far as it knows) the run's owner, 503 when the run may be moving here. */
    ApiException missing(String runId) {
        ClusterRouter.Owner owner = router.owner(SnapshotStores.RUN_META, runId);
        // Unknown only when this instance's own running store of the run's partition says so. Right after a
        // rebalance made it the owner (a killed peer's partition taken over) that store may still be opening or
        // restoring, or the read may have met the standby copy closing: "unknown run" would then be a wrong
        // answer, not a stale one.
        return router.single() || (owner.available() && router.isSelf(owner.active())
                && router.activeStoreHolds(SnapshotStores.RUN_META, runId).equals(Optional.of(false)))
                ? ApiErrors.unknownRun(runId)
                : ApiErrors.rebalancing(runId);
    }
}
