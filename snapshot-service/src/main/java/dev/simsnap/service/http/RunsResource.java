package dev.simsnap.service.http;

import dev.simsnap.snapshot.run.RunInfo;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs: {@code GET /runs} (every instance's runs merged, sorted by id) and {@code GET /runs/{run}} (answered by the
 * run's owner). Peers are asked for their lists at {@code GET /internal/runs}; an unreachable peer is skipped (its
 * runs usually still appear through this instance's standby replicas).
 */
final class RunsResource {

    private static final Logger LOG = LoggerFactory.getLogger(RunsResource.class);

    private final Routing routing;

    RunsResource(Routing routing) {
        this.routing = routing;
    }

    void register(Javalin app) {
        app.get("/runs", this::list);
        app.get("/runs/{run}", this::detail);
        app.get("/internal/runs", ctx -> ctx.json(new ApiJson.RunList(local())));
    }

    private void list(Context ctx) {
        ServiceContext s = routing.service();
        Map<String, ApiJson.RunSummary> merged = new TreeMap<>();
        local().forEach(r -> merge(merged, r));
        if (!Routing.forwarded(ctx)) {
            for (HostInfo peer : s.router().peers()) {
                try {
                    HttpResponse<byte[]> r = s.router().send(peer, "GET", "/internal/runs");
                    if (r.statusCode() != 200) {
                        LOG.warn("peer {} answered {} to /internal/runs", ClusterRouter.address(peer), r.statusCode());
                        continue;
                    }
                    ApiJson.MAPPER.readValue(r.body(), ApiJson.RunList.class).runs().forEach(x -> merge(merged, x));
                } catch (IOException e) {
                    LOG.warn("peer {} unreachable for /runs: {}", ClusterRouter.address(peer), e.toString());
                }
            }
        }
        ctx.json(new ApiJson.RunList(List.copyOf(merged.values())));
    }

    /** Runs in this instance's stores (active and standby), as summaries. */
    private List<ApiJson.RunSummary> local() {
        ServiceContext s = routing.service();
        List<ApiJson.RunSummary> out = new ArrayList<>();
        for (String id : s.reader().runIds()) {
            s.reader().runInfo(id).map(ApiJson.RunSummary::of).ifPresent(out::add);
        }
        return out;
    }

    /** Keeps the most advanced copy of a run (a standby copy may lag behind the active one). */
    private static void merge(Map<String, ApiJson.RunSummary> merged, ApiJson.RunSummary run) {
        merged.merge(run.run(), run, (a, b) -> b.consistentIteration() > a.consistentIteration()
                || (b.ended() && !a.ended()) ? b : a);
    }

    private void detail(Context ctx) throws Exception {
        String runId = Routing.runId(ctx);
        routing.onOwner(ctx, runId, c -> {
            RunInfo info = routing.service().runInfo(runId);
            c.json(ApiJson.RunDetail.of(info));
        });
    }
}
