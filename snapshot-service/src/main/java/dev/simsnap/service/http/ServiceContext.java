package dev.simsnap.service.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.service.SnapshotService;
import dev.simsnap.snapshot.json.CanonicalJson;
import dev.simsnap.snapshot.read.GenerationView;
import dev.simsnap.snapshot.read.RunState;
import dev.simsnap.snapshot.read.RunStateReader;
import dev.simsnap.snapshot.read.StoreProvider;
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

    private final SnapshotService service;
    private final RunStateReader reader;
    private final ClusterRouter router;
    private final SnapshotWriter writer;

    ServiceContext(SnapshotService service, ClusterRouter router, SnapshotWriter writer) {
        this.service = service;
        this.reader = new RunStateReader(staleTolerant(service.streams()));
        this.router = router;
        this.writer = writer;
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
                CanonicalJson.parse(new String(body.get(), StandardCharsets.UTF_8)).get("generations")
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
                CanonicalJson.parse(new String(bytes, StandardCharsets.UTF_8)).forEach(members::add);
                return Optional.of(members);
            }
        }
        return reader.generation(runId, generation).map(GenerationView::members);
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
        return router.single() || (owner.available() && router.isSelf(owner.active()))
                ? ApiErrors.unknownRun(runId)
                : ApiErrors.rebalancing(runId);
    }
}
