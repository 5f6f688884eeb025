package dev.simsnap.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.producer.SimsnapConfig;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP ingest gateway: JSON in, Avro records out through {@link dev.simsnap.producer.SimsnapWorker}
 * transactions ({@link IngestService}). Every POST answers only after its transaction committed.
 *
 * <p>v2 (state models; PROTOCOL.md section 6.1):
 * <ul>
 *   <li>{@code POST /runs/{run}/start} — {@code {"kind", "model"?, "expected_workers", "config"?, "seed"?,
 *       "worker"?}}: started / already_started / 409 naming the existing definition</li>
 *   <li>{@code POST /runs/{run}/schemas/{collection}} — {@code {"schema"}}; {@code GET} the latest version</li>
 *   <li>{@code POST /runs/{run}/workers/{worker}/steps[/{step}]} — {@code {"clock", "changes"}}: committed /
 *       already_committed / 409 step-conflict</li>
 *   <li>{@code POST /runs/{run}/workers/{worker}/generations/{collection}/{g}} — {@code {"members", "schema_id"?,
 *       "step"?}}</li>
 * </ul>
 * v1 (legacy):
 * <ul>
 *   <li>{@code POST /runs/{run}/start} — {@code {"kind", "legacy": true, "expected_workers", "config"?, "seed"?,
 *       "worker"?}}</li>
 *   <li>{@code POST /runs/{run}/workers/{worker}/iterations/{iteration}} — {@code {"virtual_date", "deltas"}};
 *       each delta {@code {"entity_type", "entity_id", "collection"?, "op", "patch_fields"?, "payload"}} (see
 *       {@link dev.simsnap.producer.JsonDeltas}); 200 {@code {"status": "committed", "iteration", "delta_count"}}
 *       or, for an iteration already committed by that worker, 200 {@code {"status": "already_committed"}}</li>
 *   <li>{@code POST /runs/{run}/workers/{worker}/generations/{g}} — {@code {"members": [...], "scores"?}}</li>
 *   <li>{@code POST /runs/{run}/end} — {@code {"worker", "status"?}}</li>
 *   <li>{@code GET /health}</li>
 * </ul>
 * Errors: 400 malformed JSON / bad path, 422 body not matching the contract (JSON {@code {"error", "field"}}),
 * 409 state conflicts (run not started, ended), 503 Kafka failures (retry the same request: it is idempotent).
 */
public final class GatewayServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String host;
    private final int requestedPort;
    private final IngestService service;
    private final BodyLimits limits;
    private Javalin app;

    private GatewayServer(Builder b) {
        this.host = b.host;
        this.requestedPort = b.port;
        this.service = new IngestService(b.props);
        this.limits = BodyLimits.of(b.props);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts serving HTTP. */
    public synchronized GatewayServer start() {
        if (app != null) {
            throw new IllegalStateException("already started");
        }
        Javalin javalin = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.defaultContentType = "application/json";
            // Encoded separators and odd bytes reach the routes, whose id checks refuse them with a JSON 400;
            // what Jetty still refuses itself gets a JSON body too.
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorPages()));
            config.jetty.modifyHttpConfiguration(http -> http.setUriCompliance(
                    org.eclipse.jetty.http.UriCompliance.DEFAULT.with("simsnap",
                            org.eclipse.jetty.http.UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
                            org.eclipse.jetty.http.UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING)));
        });
        javalin.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty() || !ctx.result().startsWith("{\"error\"")) {
                error(ctx, 404, "no endpoint " + ctx.method().name() + " " + ctx.path().replaceAll("\\p{Cntrl}", "?"),
                        null);
            }
        });
        javalin.get("/health", ctx -> ctx.json(Map.of("status", "UP")));
        post(javalin, "/runs/{run}/start", (ctx, body) -> service.startRun(ctx.pathParam("run"), body));
        post(javalin, "/runs/{run}/end", (ctx, body) -> service.endRun(ctx.pathParam("run"), body));
        post(javalin, "/runs/{run}/workers/{worker}/iterations/{iteration}", (ctx, body) ->
                service.iteration(ctx.pathParam("run"), ctx.pathParam("worker"), ctx.pathParam("iteration"),
                        body));
        post(javalin, "/runs/{run}/workers/{worker}/generations/{generation}", (ctx, body) ->
                service.generation(ctx.pathParam("run"), ctx.pathParam("worker"), ctx.pathParam("generation"),
                        body));
        post(javalin, "/runs/{run}/schemas/{collection}", (ctx, body) ->
                service.registerSchema(ctx.pathParam("run"), ctx.pathParam("collection"), body));
        javalin.get("/runs/{run}/schemas/{collection}", ctx -> reply(ctx,
                service.latestSchema(ctx.pathParam("run"), ctx.pathParam("collection"))));
        javalin.get("/runs/{run}/workers/{worker}", ctx -> reply(ctx,
                service.workerState(ctx.pathParam("run"), ctx.pathParam("worker"))));
        post(javalin, "/runs/{run}/workers/{worker}/steps", (ctx, body) ->
                service.step(ctx.pathParam("run"), ctx.pathParam("worker"), null, body));
        post(javalin, "/runs/{run}/workers/{worker}/steps/{step}", (ctx, body) ->
                service.step(ctx.pathParam("run"), ctx.pathParam("worker"), ctx.pathParam("step"), body));
        post(javalin, "/runs/{run}/workers/{worker}/generations/{collection}/{generation}", (ctx, body) ->
                service.saveGeneration(ctx.pathParam("run"), ctx.pathParam("worker"), ctx.pathParam("collection"),
                        ctx.pathParam("generation"), body));
        javalin.exception(GatewayException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage(), e.field(),
                e.extra()));
        javalin.exception(java.io.UncheckedIOException.class, (e, ctx) -> error(ctx, 400,
                "body: " + e.getMessage() + ": " + e.getCause(), null));
        javalin.exception(IllegalArgumentException.class, (e, ctx) -> {
            GatewayException g = GatewayException.invalid(null, e);
            error(ctx, g.status(), g.getMessage(), g.field());
        });
        javalin.exception(IllegalStateException.class, (e, ctx) -> error(ctx, 409, e.getMessage(), null));
        javalin.exception(org.apache.kafka.common.KafkaException.class, (e, ctx) -> {
            LOG.warn("{} {} failed: {}", ctx.method(), ctx.path(), e.toString());
            error(ctx, 503, "Kafka: " + e, null);
        });
        javalin.exception(Exception.class, (e, ctx) -> {
            LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal error: " + e, null);
        });
        javalin.start(host, requestedPort);
        app = javalin;
        LOG.info("ingest gateway listening on {}", url());
        return this;
    }

    /** The bound port. */
    public synchronized int port() {
        if (app == null) {
            throw new IllegalStateException("not started");
        }
        return app.port();
    }

    /** {@code http://host:port}. */
    public String url() {
        String h = host.equals("0.0.0.0") ? "127.0.0.1" : host;
        return "http://" + h + ":" + port();
    }

    /** Stops HTTP, then closes every worker. */
    @Override
    public synchronized void close() {
        if (app != null) {
            app.stop();
            app = null;
        }
        service.close();
    }

    private interface BodyHandler {
        ObjectNode handle(Context ctx, JsonNode body);
    }

    /** A POST route whose body is read within {@link BodyLimits} and held within its budget until answered. */
    private void post(Javalin javalin, String path, BodyHandler handler) {
        javalin.post(path, ctx -> {
            try (BodyLimits.Lease lease = limits.lease(ctx.req().getContentLengthLong())) {
                JsonNode body = body(limits.read(ctx.req().getInputStream()));
                reply(ctx, handler.handle(ctx, body));
            }
        });
    }

    private static JsonNode body(byte[] bytes) {
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new GatewayException(400, null, "body: malformed JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new GatewayException(400, null, "body: unreadable: " + e.getMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw new GatewayException(400, null, "body: empty, expected a JSON object");
        }
        return node;
    }

    private static void reply(Context ctx, ObjectNode out) {
        ctx.status(200).result(out.toString()).contentType("application/json");
    }

    private static void error(Context ctx, int status, String message, String field) {
        error(ctx, status, message, field, null);
    }

    private static void error(Context ctx, int status, String message, String field, ObjectNode extra) {
        ObjectNode out = MAPPER.createObjectNode();
        out.put("error", message);
        if (field != null) {
            out.put("field", field);
        }
        if (extra != null) {
            extra.fields().forEachRemaining(e -> out.set(e.getKey(), e.getValue()));
        }
        ctx.status(status).result(out.toString()).contentType("application/json");
    }

    /**
     * Runs a gateway from the environment: {@code SIMSNAP_BOOTSTRAP_SERVERS} (required),
     * {@code SIMSNAP_SCHEMA_REGISTRY_URL} (required), {@code SIMSNAP_GATEWAY_PORT} (default 8082),
     * {@code SIMSNAP_GATEWAY_HOST} (default 0.0.0.0).
     */
    public static void main(String[] args) throws InterruptedException {
        Map<String, String> env = System.getenv();
        String bootstrap = env.get("SIMSNAP_BOOTSTRAP_SERVERS");
        String registry = env.get("SIMSNAP_SCHEMA_REGISTRY_URL");
        if (bootstrap == null || bootstrap.isBlank() || registry == null || registry.isBlank()) {
            System.err.println("SIMSNAP_BOOTSTRAP_SERVERS and SIMSNAP_SCHEMA_REGISTRY_URL are required");
            System.exit(2);
        }
        GatewayServer server = builder().bootstrapServers(bootstrap).schemaRegistryUrl(registry)
                .host(env.getOrDefault("SIMSNAP_GATEWAY_HOST", "0.0.0.0"))
                .port(Integer.parseInt(env.getOrDefault("SIMSNAP_GATEWAY_PORT", "8082"))).build().start();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }));
        System.out.println("simsnap ingest gateway on " + server.url());
        stop.await();
    }

    /** Builds a {@link GatewayServer}. */
    public static final class Builder {
        private final Properties props = new Properties();
        private String host = "127.0.0.1";
        private int port = 8082;

        private Builder() {
        }

        /** Kafka bootstrap servers (required). */
        public Builder bootstrapServers(String servers) {
            props.setProperty(SimsnapConfig.BOOTSTRAP_SERVERS, servers);
            return this;
        }

        /** Schema registry URL (required). */
        public Builder schemaRegistryUrl(String url) {
            props.setProperty(SimsnapConfig.SCHEMA_REGISTRY_URL, url);
            return this;
        }

        /** Any other worker property (Kafka client settings, {@code simsnap.*}). */
        public Builder property(String key, Object value) {
            props.setProperty(key, String.valueOf(value));
            return this;
        }

        /** Worker properties. */
        public Builder config(Properties config) {
            config.stringPropertyNames().forEach(k -> props.setProperty(k, config.getProperty(k)));
            return this;
        }

        /** Bind host; default 127.0.0.1. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Port; 0 = ephemeral; default 8082. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The server, not yet started. */
        public GatewayServer build() {
            for (String k : new String[] {SimsnapConfig.BOOTSTRAP_SERVERS, SimsnapConfig.SCHEMA_REGISTRY_URL}) {
                if (props.getProperty(k, "").isBlank()) {
                    throw new IllegalArgumentException("config '" + k + "' is required");
                }
            }
            return new GatewayServer(this);
        }
    }
}
