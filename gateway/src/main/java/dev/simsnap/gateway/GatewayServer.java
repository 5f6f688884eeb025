package dev.simsnap.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.access.HttpAccess;
import dev.simsnap.access.PathRefusals;
import dev.simsnap.connection.ClientConfig;
import dev.simsnap.schema.contract.RequestPaths;
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
 *
 * <p>Access ({@link HttpAccess}): with credentials configured, every POST needs the write token (or write user), a
 * GET needs the read token only when one is configured, and {@code GET /health} is always open; refusals are 401 /
 * 403 with {@code {"error"}}. Binds 127.0.0.1 unless told otherwise.
 *
 * <p>Transactional ids: the gateway's workers use the prefix {@value #TRANSACTIONAL_ID_PREFIX} (default
 * {@value #DEFAULT_TRANSACTIONAL_ID_PREFIX}), never a library worker's, so a request to the gateway cannot fence a
 * worker running in a simulation's own process; with Kafka ACLs, give each gateway principal its own prefix.
 */
public final class GatewayServer implements AutoCloseable {

    /** The key naming the gateway workers' transactional-id prefix (env SIMSNAP_GATEWAY_TRANSACTIONAL_ID_PREFIX). */
    public static final String TRANSACTIONAL_ID_PREFIX = "simsnap.gateway.transactional.id.prefix";
    /**
     * The gateway workers' default prefix. {@code ':'} never occurs in a run or worker id, so no library worker's
     * id ({@code simsnap-<run>-<worker>}) can equal a gateway worker's.
     */
    public static final String DEFAULT_TRANSACTIONAL_ID_PREFIX = "simsnap-gateway:";

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String host;
    private final int requestedPort;
    private final IngestService service;
    private final BodyLimits limits;
    private final HttpAccess access;
    private Javalin app;

    private GatewayServer(Builder b) {
        this.host = b.host;
        this.requestedPort = b.port;
        this.access = b.access;
        this.service = new IngestService(workerConfig(b.config).toProperties());
        this.limits = BodyLimits.of(b.config.toProperties());
    }

    /** What the gateway's workers run with: the client configuration, with the gateway's transactional-id prefix. */
    static ClientConfig workerConfig(ClientConfig config) {
        return config.with(ClientConfig.TRANSACTIONAL_ID_PREFIX,
                config.get(TRANSACTIONAL_ID_PREFIX).orElse(DEFAULT_TRANSACTIONAL_ID_PREFIX));
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
            config.jetty.modifyServer(server -> {
                server.setErrorHandler(new JsonErrorPages());
                PathRefusals.install(server);
            });
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
        javalin.before(ctx -> {
            if (ctx.path().equals("/health")) {
                return;
            }
            HttpAccess.Decision d = access.check(ctx.header("Authorization"), HttpAccess.needOf(ctx.method().name()),
                    ctx.method().name() + " " + ctx.path());
            if (!d.allowed()) {
                if (d.status() == 401) {
                    ctx.header("WWW-Authenticate", HttpAccess.CHALLENGE);
                }
                error(ctx, d.status(), d.error(), null);
                ctx.skipRemainingHandlers();
            }
        });
        javalin.before(ctx -> {
            // Ids in the path are checked on the raw path, before any body is read: the message names the
            // segment and what is wrong with it (an encoded '/' or NUL, a '..', a character ids do not use).
            java.util.Optional<String> problem = RequestPaths.problem(ctx.req().getRequestURI());
            if (problem.isPresent()) {
                error(ctx, 400, problem.get(), null);
                ctx.skipRemainingHandlers();
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
        if (status == 413) {
            // Answer now, while the client is still sending: left to the end of the request, the server would first
            // read the rest of the body it refused. Then close rather than keep the connection for more.
            ctx.header("Connection", "close");
            ctx.status(status).contentType("application/json");
            byte[] bytes = out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            try {
                ctx.res().setContentLength(bytes.length);
                ctx.res().getOutputStream().write(bytes);
                ctx.res().flushBuffer();
            } catch (java.io.IOException e) {
                LOG.debug("the client of a refused body went away: {}", e.toString());
            }
            return;
        }
        ctx.status(status).result(out.toString()).contentType("application/json");
    }

    /**
     * Runs a gateway until the JVM stops. The client configuration comes from {@code --client-config}, the
     * environment ({@code SIMSNAP_BOOTSTRAP_SERVERS} and {@code SIMSNAP_SCHEMA_REGISTRY_URL} required,
     * {@code KAFKA_*}, ...), {@code -X}, as for every command ({@link dev.simsnap.connection.ClientConfigSources});
     * HTTP credentials from {@code SIMSNAP_WRITE_TOKEN} and friends ({@link HttpAccess}); {@code --bind} /
     * {@code SIMSNAP_GATEWAY_HOST} (default 127.0.0.1), {@code --port} / {@code SIMSNAP_GATEWAY_PORT} (8082).
     */
    public static void main(String[] args) throws InterruptedException {
        Main main = new Main();
        int exit = new picocli.CommandLine(main).execute(args);
        if (main.server == null) {
            System.exit(exit); // --help, --version, or a one-line error already printed
            return;
        }
        GatewayServer server = main.server;
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }));
        System.out.println("simsnap ingest gateway on " + server.url());
        stop.await();
    }

    /** {@code GatewayServer [--client-config F] [-X k=v] [--bind ADDR] [--port N]}, see {@link #main}. */
    @picocli.CommandLine.Command(name = "gateway", mixinStandardHelpOptions = true,
            description = "The simsnap HTTP ingest gateway.")
    static final class Main implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Mixin
        dev.simsnap.connection.ClientOptions client;

        @picocli.CommandLine.Option(names = "--bind", paramLabel = "ADDR",
                description = "Address to listen on (env SIMSNAP_GATEWAY_HOST; default 127.0.0.1).")
        String bind;

        @picocli.CommandLine.Option(names = "--port", paramLabel = "N",
                description = "Port (env SIMSNAP_GATEWAY_PORT; default 8082).")
        Integer port;

        GatewayServer server;

        @Override
        public Integer call() {
            Map<String, String> env = System.getenv();
            ClientConfig config = client.resolve(env);
            try {
                config.bootstrapServers();
                config.registryUrl();
                server = builder().clientConfig(config).access(HttpAccess.fromConfig(config.asMap()))
                        .host(bind != null ? bind : env.getOrDefault("SIMSNAP_GATEWAY_HOST", "127.0.0.1"))
                        .port(port != null ? port : Integer.parseInt(env.getOrDefault("SIMSNAP_GATEWAY_PORT", "8082")))
                        .build().start();
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("simsnap gateway: " + e.getMessage());
                return 2;
            }
        }
    }

    /** Builds a {@link GatewayServer}. */
    public static final class Builder {
        private ClientConfig config = ClientConfig.empty();
        private HttpAccess access = HttpAccess.open();
        private String host = "127.0.0.1";
        private int port = 8082;

        private Builder() {
        }

        /**
         * The client configuration (Kafka and registry clients of every worker, {@code simsnap.*} keys); later
         * calls of the other setters apply on top.
         */
        public Builder clientConfig(ClientConfig config) {
            this.config = config;
            return this;
        }

        /** Kafka bootstrap servers (required). */
        public Builder bootstrapServers(String servers) {
            config = config.with(ClientConfig.BOOTSTRAP_SERVERS, servers);
            return this;
        }

        /** Schema registry URL (required). */
        public Builder schemaRegistryUrl(String url) {
            config = config.with(ClientConfig.SCHEMA_REGISTRY_URL, url);
            return this;
        }

        /** Any other worker property (Kafka client settings, {@code simsnap.*}). */
        public Builder property(String key, Object value) {
            config = config.with(key, String.valueOf(value));
            return this;
        }

        /** Worker properties. */
        public Builder config(Properties properties) {
            config = config.withAll(properties);
            return this;
        }

        /** Who may call the gateway (default: everyone). */
        public Builder access(HttpAccess access) {
            this.access = java.util.Objects.requireNonNull(access, "access");
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
            config.bootstrapServers(); // both required
            config.registryUrl();
            return new GatewayServer(this);
        }
    }
}
