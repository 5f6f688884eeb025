package dev.simsnap.service.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * {@code GET /health}: 200 {@code {"status":"UP"}} while Streams is RUNNING or REBALANCING, 503 otherwise;
 * {@code GET /metrics}: Prometheus text format ({@link ServiceMetrics}).
 */
final class OpsResource {

    private final Routing routing;
    private final ServiceMetrics metrics;
    private final Supplier<String> instance;

    OpsResource(Routing routing, ServiceMetrics metrics, Supplier<String> instance) {
        this.routing = routing;
        this.metrics = metrics;
        this.instance = instance;
    }

    void register(Javalin app) {
        app.get("/health", this::health);
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(metrics.scrape()));
    }

    private void health(Context ctx) {
        String streams;
        try {
            streams = routing.service().service().streams().state().name();
        } catch (ApiException | IllegalStateException e) {
            streams = "NOT_STARTED";
        }
        boolean up = streams.equals(KafkaStreams.State.RUNNING.name())
                || streams.equals(KafkaStreams.State.REBALANCING.name());
        ctx.status(up ? 200 : 503).json(new ApiJson.Health(up ? "UP" : "DOWN", streams, instance.get()));
    }
}
