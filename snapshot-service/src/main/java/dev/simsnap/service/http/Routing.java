package dev.simsnap.service.http;

import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.snapshot.store.SnapshotStores;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a per-run request on the instance that owns the run: the active host of the run id's partition of the
 * run-meta store (see {@link ClusterRouter}). Order of attempts: this instance when it is the active host (or
 * nobody knows, during a rebalance: then from local, possibly stale, stores); else the active host over HTTP;
 * when that is unreachable, a standby host (this one read locally, or a peer); else 502.
 */
final class Routing {

    private static final Logger LOG = LoggerFactory.getLogger(Routing.class);
    private static final List<String> RELAYED_HEADERS = List.of("Content-Type", "Content-Disposition",
            ClusterRouter.SERVED_BY_HEADER, ClusterRouter.STALE_HEADER);

    private final Supplier<ServiceContext> service;
    private final ServiceMetrics metrics;

    Routing(Supplier<ServiceContext> service, ServiceMetrics metrics) {
        this.service = service;
        this.metrics = metrics;
    }

    /** The running service, or 503. */
    ServiceContext service() {
        ServiceContext s = service.get();
        if (s == null) {
            throw ApiErrors.notReady("Kafka Streams is starting");
        }
        return s;
    }

    /** The {@code {run}} path parameter, validated (400 for hostile or malformed ids, before any other work). */
    static String runId(Context ctx) {
        String runId = ctx.pathParam("run");
        if (!RunIds.isValid(runId)) {
            throw ApiErrors.invalidRunId(runId);
        }
        return runId;
    }

    /** True when a peer forwarded this request (it must be answered here). */
    static boolean forwarded(Context ctx) {
        return ctx.header(ClusterRouter.FORWARDED_HEADER) != null;
    }

    /** Runs {@code local} on the run's owner, forwarding the request when that is another instance. */
    void onOwner(Context ctx, String runId, Handler local) throws Exception {
        ServiceContext s = service();
        ClusterRouter router = s.router();
        if (forwarded(ctx) || router.single()) {
            local.handle(ctx);
            return;
        }
        ClusterRouter.Owner owner = router.owner(SnapshotStores.RUN_META, runId);
        if (!owner.available()) {
            ctx.header(ClusterRouter.STALE_HEADER, "true");
            local.handle(ctx);
            return;
        }
        if (router.isSelf(owner.active())) {
            local.handle(ctx);
            return;
        }
        List<HostInfo> candidates = new ArrayList<>();
        candidates.add(owner.active());
        candidates.addAll(owner.standbys());
        String failure = null;
        for (HostInfo host : candidates) {
            if (router.isSelf(host)) {
                ctx.header(ClusterRouter.STALE_HEADER, "true");
                local.handle(ctx);
                return;
            }
            try {
                relay(ctx, router.send(host, ctx.method().name(), pathAndQuery(ctx), ctx.header("Authorization")));
                metrics.forwarded();
                return;
            } catch (IOException e) {
                LOG.warn("instance {} unreachable for {} {}: {}", ClusterRouter.address(host), ctx.method(),
                        ctx.path(), e.toString());
                failure = failure == null ? e.toString() : failure;
            }
        }
        throw ApiErrors.ownerUnreachable(ClusterRouter.address(owner.active()), failure);
    }

    private static String pathAndQuery(Context ctx) {
        String query = ctx.queryString();
        return ctx.path() + (query == null || query.isEmpty() ? "" : "?" + query);
    }

    private static void relay(Context ctx, HttpResponse<byte[]> response) {
        ctx.status(response.statusCode());
        for (String name : RELAYED_HEADERS) {
            response.headers().firstValue(name).ifPresent(v -> ctx.header(name, v));
        }
        ctx.attribute(RestApi.ANSWERED, Boolean.TRUE);
        ctx.result(response.body());
    }
}
