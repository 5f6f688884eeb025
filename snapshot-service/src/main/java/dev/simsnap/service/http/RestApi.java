package dev.simsnap.service.http;

import dev.simsnap.access.HttpAccess;
import dev.simsnap.access.PathRefusals;
import dev.simsnap.schema.contract.RequestPaths;
import dev.simsnap.snapshot.read.ConcurrentApplyException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import org.eclipse.jetty.http.UriCompliance;
import java.util.function.Supplier;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsNotStartedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Javalin server of one instance: registers the resources, maps exceptions to
 * {@code {"error": "...", "status": N}} answers ({@link ApiErrors}), stamps {@link ClusterRouter#SERVED_BY_HEADER},
 * and times requests. Can start before the service runs (answers 503 until then), which lets an ephemeral HTTP port
 * become the service's {@code application.server}.
 */
public final class RestApi implements AutoCloseable {

    /** Request attribute: the response is final (an error body or a relayed answer). */
    static final String ANSWERED = "simsnap.answered";

    private static final Logger LOG = LoggerFactory.getLogger(RestApi.class);

    private final Javalin app;
    private volatile String instance = "unknown";
    private volatile EventsResource.Live live;
    private final EventsResource events;

    /** Always open: liveness, and the observer page's own files (its data needs what reads need). */
    private static final java.util.Set<String> OPEN_PATHS = java.util.Set.of("/health", "/", "/observer.js");

    /**
     * @param service the running service, or null while it starts
     * @param metrics where request timings and counts go
     * @param access  who may call (writes: POST; reads: GET); refusals are 401/403 {@code {"error", "status"}}
     */
    public RestApi(Supplier<ServiceContext> service, ServiceMetrics metrics, HttpAccess access) {
        Routing routing = new Routing(service, metrics);
        app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.startupWatcherEnabled = false;
            cfg.http.disableCompression();
            // Let encoded separators (..%2F..%2Fetc) reach the handlers, which refuse them with a JSON 400 (the run
            // id check); Jetty would otherwise answer an HTML 400 itself. Nothing ever uses the raw path for files.
            cfg.jetty.modifyServer(server -> {
                server.setErrorHandler(new JettyErrors());
                PathRefusals.install(server);
            });
            cfg.jetty.modifyHttpConfiguration(http -> http.setUriCompliance(UriCompliance.DEFAULT
                    .with("simsnap", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
                            UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING)));
            cfg.jsonMapper(new JavalinJackson(ApiJson.MAPPER, false));
            cfg.requestLogger.http((ctx, ms) -> metrics.request(ctx.method().name(), route(ctx),
                    ctx.statusCode(), ms));
        });
        app.before(ctx -> ctx.header(ClusterRouter.SERVED_BY_HEADER, instance));
        app.before(ctx -> {
            if (OPEN_PATHS.contains(ctx.path())) {
                return;
            }
            HttpAccess.Decision d = access.check(authorization(ctx), HttpAccess.needOf(ctx.method().name()),
                    ctx.method().name() + " " + ctx.path());
            if (!d.allowed()) {
                if (d.status() == 401) {
                    ctx.header("WWW-Authenticate", HttpAccess.CHALLENGE);
                }
                error(ctx, new ApiException(d.status(), d.error()));
                ctx.skipRemainingHandlers();
            }
        });
        app.before(ctx -> {
            // Ids in the path are checked on the raw path: the message names the segment and what is wrong with it
            // (an encoded '/' or NUL, a '..', a character run ids do not use).
            java.util.Optional<String> problem = RequestPaths.problem(ctx.req().getRequestURI());
            if (problem.isPresent()) {
                throw new ApiException(400, problem.get());
            }
        });
        new RunsResource(routing).register(app);
        new SnapshotsResource(routing, metrics).register(app);
        new GenerationsResource(routing).register(app);
        new EntitiesResource(routing).register(app);
        new OpsResource(routing, metrics, () -> instance).register(app);
        events = new EventsResource(() -> live);
        events.register(app);
        ObserverPage.register(app);
        app.exception(ApiException.class, (e, ctx) -> error(ctx, e));
        app.exception(InvalidStateStoreException.class, (e, ctx) -> error(ctx,
                ApiErrors.notReady("state stores not queryable (" + e.getClass().getSimpleName() + ")")));
        app.exception(StreamsNotStartedException.class, (e, ctx) -> error(ctx, ApiErrors.notReady("not started")));
        app.exception(ConcurrentApplyException.class, (e, ctx) -> error(ctx, ApiErrors.busy(ctx.pathParamMap()
                .getOrDefault("run", "?"))));
        app.exception(dev.simsnap.registry.client.RegistryException.class, (e, ctx) -> {
            LOG.warn("{} {}: schema registry: {}", ctx.method(), ctx.path(), e.getMessage());
            error(ctx, ApiErrors.registryUnavailable(e));
        });
        app.exception(Exception.class, (e, ctx) -> {
            LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, ApiErrors.internal(e.getClass().getSimpleName()));
        });
        app.error(404, ctx -> {
            if (ctx.attribute(ANSWERED) == null) {
                error(ctx, ApiErrors.noRoute(ctx.method().name(), ctx.path()));
            }
        });
    }

    /** Starts listening on {@code host:port} (0 = ephemeral). */
    public RestApi start(String host, int port) {
        app.start(host, port);
        return this;
    }

    /** The port listened on. */
    public int port() {
        return app.port();
    }

    /** Names this instance in {@link ClusterRouter#SERVED_BY_HEADER} (its application.server). */
    public void instance(String name) {
        this.instance = name;
    }

    /** Enables {@code GET /runs/{run}/events} (503 until then). */
    public void live(dev.simsnap.service.live.LiveHub hub, dev.simsnap.service.live.CatchUp catchUp, int queueCapacity) {
        this.live = new EventsResource.Live(hub, catchUp, queueCapacity);
    }

    @Override
    public void close() {
        events.close();
        app.stop();
    }

    private static void error(Context ctx, ApiException e) {
        ctx.attribute(ANSWERED, Boolean.TRUE);
        ctx.status(e.status()).json(new ApiJson.ErrorBody(e.getMessage(), e.status()));
    }

    /**
     * The request's credential: its {@code Authorization} header, or for a GET the RFC 6750 {@code access_token}
     * query parameter (a browser's EventSource cannot send headers; the observer page passes its read token so).
     */
    private static String authorization(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null && ctx.method().name().equals("GET")) {
            String token = ctx.queryParam("access_token");
            if (token != null && !token.isBlank()) {
                return "Bearer " + token;
            }
        }
        return header;
    }

    private static String route(Context ctx) {
        try {
            String path = ctx.endpointHandlerPath();
            return path == null || path.isEmpty() ? "unmatched" : path;
        } catch (RuntimeException e) {
            return "unmatched";
        }
    }
}
