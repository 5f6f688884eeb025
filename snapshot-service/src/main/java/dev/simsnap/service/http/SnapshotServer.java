package dev.simsnap.service.http;

import dev.simsnap.access.HttpAccess;
import dev.simsnap.connection.ClientConfig;
import dev.simsnap.connection.ClientConfigSources;
import dev.simsnap.connection.ClientOptions;
import dev.simsnap.service.SnapshotService;
import dev.simsnap.service.SnapshotServiceConfig;
import dev.simsnap.snapshot.topology.SnapshotTopics;
import dev.simsnap.snapshot.write.SnapshotWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One snapshot-service instance with its REST API: the {@link SnapshotService} (Kafka Streams) plus a
 * {@link RestApi} whose address is the instance's {@code application.server}, so several instances with the same
 * application id share the runs and answer for each other (see {@link ClusterRouter}).
 *
 * <p><b>Scale-out.</b> Streams runs with {@code num.standby.replicas=1} (override with
 * {@link Builder#standbyReplicas}): each store partition has a warm copy on a second instance, which takes over
 * quickly when the active one leaves and which serves reads while a rebalance is under way or the active host is
 * unreachable (stale reads, see {@link ServiceContext}).
 *
 * <p>Start order: HTTP first (ephemeral port known), then Streams with {@code application.server=<advertised
 * host>:<port>}. Until Streams runs, per-run endpoints answer 503.
 *
 * <p>Every Kafka client of the instance (Streams, topic admin, live hub, SSE catch-up, replayer, checkpoint writer)
 * and its registry client are built from one {@link ClientConfig}. HTTP access: {@link Builder#access}; binds
 * 127.0.0.1 unless told otherwise.
 */
public final class SnapshotServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotServer.class);

    private final Builder b;
    private volatile SnapshotService service;
    private volatile ServiceContext context;
    private RestApi api;
    private dev.simsnap.service.live.LiveHub liveHub;
    private String applicationServer;

    private SnapshotServer(Builder b) {
        this.b = b;
    }

    /** A builder; bootstrap servers, registry URL, state dir and output root are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts HTTP, then Streams (returns without waiting for RUNNING; see {@link #awaitRunning}). */
    public synchronized SnapshotServer start() {
        if (api != null) {
            throw new IllegalStateException("already started");
        }
        ServiceMetrics metrics = new ServiceMetrics(() -> service == null ? null : service.deadLetterStats());
        api = new RestApi(() -> context, metrics, b.access).start(b.httpHost, b.httpPort);
        try {
            applicationServer = b.applicationServer != null ? b.applicationServer
                    : (b.advertisedHost != null ? b.advertisedHost : b.httpHost) + ":" + api.port();
            HostInfo self = HostInfo.buildFromEndpoint(applicationServer);
            Map<String, Object> overrides = new HashMap<>();
            overrides.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, b.standbyReplicas);
            overrides.putAll(b.streamsOverrides);
            SnapshotServiceConfig config = new SnapshotServiceConfig(b.client, b.stateDir, b.applicationId,
                    applicationServer, b.topics, b.partitions, (short) 0, 1, overrides);
            SnapshotService s = new SnapshotService(config);
            service = s;
            s.start();
            api.instance(applicationServer);
            SnapshotWriter writer = new SnapshotWriter(b.outputRoot);
            try {
                int swept = writer.sweepLeftovers(); // what a kill during a snapshot left; nothing writes yet
                if (swept > 0) {
                    LOG.info("removing {} leftover temporary snapshot folder(s) under {}", swept, b.outputRoot);
                }
            } catch (java.io.IOException e) {
                LOG.warn("cannot list {} for leftover snapshot folders: {}", b.outputRoot, e.toString());
            }
            ClusterRouter router = new ClusterRouter(s.streams(), self, b.access.readAuthorization().orElse(null));
            context = new ServiceContext(s, router, writer,
                    b.checkpointEvery, b.checkpointPeriod);
            liveHub = new dev.simsnap.service.live.LiveHub(b.client, b.topics.currentState()).start();
            api.live(liveHub, new dev.simsnap.service.live.CatchUp(b.client, b.topics.deltas()), b.observerQueue);
            LOG.info("snapshot server {} on {} (application.server {})", b.applicationId, url(), applicationServer);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    /** Waits until Streams is RUNNING. */
    public void awaitRunning(Duration timeout) throws TimeoutException, InterruptedException {
        SnapshotService s = service;
        if (s == null) {
            throw new IllegalStateException("not started");
        }
        s.awaitRunning(timeout);
    }

    /** Base URL of the REST API, e.g. {@code http://127.0.0.1:8080}. */
    public synchronized String url() {
        if (api == null) {
            throw new IllegalStateException("not started");
        }
        String host = b.httpHost.equals("0.0.0.0") ? "127.0.0.1" : b.httpHost; // every address: loopback reaches it
        return "http://" + host + ":" + api.port();
    }

    /** This instance's application.server ({@code host:port}). */
    public synchronized String applicationServer() {
        return applicationServer;
    }

    /** The live hub feeding {@code GET /runs/{run}/events} (null before start). */
    public synchronized dev.simsnap.service.live.LiveHub liveHub() {
        return liveHub;
    }

    /** The service (Streams, reader, dead-letter stats). */
    public SnapshotService service() {
        SnapshotService s = service;
        if (s == null) {
            throw new IllegalStateException("not started");
        }
        return s;
    }

    /** Stops HTTP, then Streams. */
    @Override
    public synchronized void close() {
        if (liveHub != null) {
            liveHub.close();
        }
        liveHub = null;
        if (context != null) {
            context.close();
        }
        context = null;
        if (api != null) {
            api.close();
        }
        if (service != null) {
            service.close();
        }
    }

    /**
     * Runs one instance until the JVM stops. The client configuration comes from {@code --client-config}, the
     * environment and {@code -X} as for every command ({@link ClientConfigSources}: {@code SIMSNAP_BOOTSTRAP_SERVERS}
     * (default 127.0.0.1:9092), {@code SIMSNAP_SCHEMA_REGISTRY_URL} (http://127.0.0.1:8081), {@code KAFKA_*},
     * {@code SIMSNAP_SCHEMA_REGISTRY_*}, ...); HTTP credentials from {@code SIMSNAP_WRITE_TOKEN} and friends
     * ({@link HttpAccess}). Other settings from the environment: {@code SIMSNAP_HTTP_HOST} (127.0.0.1; or
     * {@code --bind}), {@code SIMSNAP_HTTP_PORT} (8080), {@code SIMSNAP_STATE_DIR} (./simsnap-state),
     * {@code SIMSNAP_OUTPUT_ROOT} (./snapshots), {@code SIMSNAP_APPLICATION_ID}
     * ({@value SnapshotServiceConfig#DEFAULT_APPLICATION_ID}), {@code SIMSNAP_APPLICATION_SERVER} (this instance's
     * {@code host:port} as the other instances reach it; default 127.0.0.1:&lt;http port&gt;),
     * {@code SIMSNAP_PARTITIONS} (partitions of topics it creates, default
     * {@value dev.simsnap.topic.SimsnapTopics#DEFAULT_PARTITIONS}, as the producer).
     */
    public static void main(String[] args) throws InterruptedException {
        Main main = new Main();
        int exit = new picocli.CommandLine(main).execute(args);
        if (main.server == null) {
            System.exit(exit); // --help, or a one-line error already printed
            return;
        }
        SnapshotServer server = main.server;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "simsnap-snapshot-shutdown"));
        server.start();
        System.out.println("simsnap snapshot service listening on " + server.url());
        stopped.await();
    }

    /** {@code SnapshotServer [--client-config F] [-X k=v] [--bind ADDR]}, see {@link #main}. */
    @picocli.CommandLine.Command(name = "snapshot-service", mixinStandardHelpOptions = true,
            description = "A simsnap snapshot-service instance.")
    static final class Main implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Mixin
        ClientOptions client;

        @picocli.CommandLine.Option(names = "--bind", paramLabel = "ADDR",
                description = "Address to listen on (env SIMSNAP_HTTP_HOST; default 127.0.0.1).")
        String bind;

        SnapshotServer server;

        @Override
        public Integer call() {
            Map<String, String> env = System.getenv();
            try {
                server = fromEnvironment(env, client.resolve(env), bind);
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("simsnap snapshot service: " + e.getMessage());
                return 2;
            }
        }
    }

    /** A server filled from {@code SIMSNAP_*} variables (see {@link #main}); not started. */
    static SnapshotServer fromEnvironment(Map<String, String> env) {
        return fromEnvironment(env, ClientConfigSources.resolve(env, Map.of()), null);
    }

    private static SnapshotServer fromEnvironment(Map<String, String> env, ClientConfig client, String bind) {
        int port = intVar(env, "SIMSNAP_HTTP_PORT", 8080);
        String appServer = env.get("SIMSNAP_APPLICATION_SERVER");
        ClientConfig withDefaults = client.withDefault(ClientConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9092")
                .withDefault(ClientConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:8081");
        Builder b = builder()
                .clientConfig(withDefaults)
                .access(HttpAccess.fromConfig(withDefaults.asMap()))
                .stateDir(Path.of(env.getOrDefault("SIMSNAP_STATE_DIR", "simsnap-state")))
                .outputRoot(Path.of(env.getOrDefault("SIMSNAP_OUTPUT_ROOT", "snapshots")))
                .applicationId(env.getOrDefault("SIMSNAP_APPLICATION_ID", SnapshotServiceConfig.DEFAULT_APPLICATION_ID))
                .http(bind != null ? bind : env.getOrDefault("SIMSNAP_HTTP_HOST", "127.0.0.1"), port)
                .partitions(intVar(env, "SIMSNAP_PARTITIONS", dev.simsnap.topic.SimsnapTopics.DEFAULT_PARTITIONS));
        b.applicationServer(appServer != null && !appServer.isBlank() ? appServer
                : (port == 0 ? null : "127.0.0.1:" + port));
        if (appServer == null || appServer.isBlank()) {
            b.advertisedHost("127.0.0.1");
        }
        return b.build();
    }

    private static int intVar(Map<String, String> env, String name, int defaultValue) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + v + "'");
        }
    }

    /** Settings of a {@link SnapshotServer}. */
    public static final class Builder {
        private ClientConfig client = ClientConfig.empty();
        private HttpAccess access = HttpAccess.open();
        private Path stateDir;
        private Path outputRoot;
        private String httpHost = "127.0.0.1";
        private int httpPort = 8080;
        private String advertisedHost;
        private String applicationServer;
        private String applicationId = SnapshotServiceConfig.DEFAULT_APPLICATION_ID;
        private SnapshotTopics topics = SnapshotTopics.defaults();
        // Same default as the producer: deltas and generations must be co-partitioned.
        private int partitions = dev.simsnap.topic.SimsnapTopics.DEFAULT_PARTITIONS;
        private int standbyReplicas = 1;
        private int checkpointEvery = dev.simsnap.snapshot.replay.RunReplayer.DEFAULT_CHECKPOINT_EVERY;
        private java.time.Duration checkpointPeriod = java.time.Duration.ofSeconds(30);
        private final Map<String, Object> streamsOverrides = new HashMap<>();
        private int observerQueue = 1024;

        /** Events queued per live observer before it is dropped as too slow (default 1024). */
        public Builder observerQueue(int events) {
            if (events < 1) {
                throw new IllegalArgumentException("observerQueue must be >= 1");
            }
            this.observerQueue = events;
            return this;
        }

        private Builder() {
        }

        /**
         * The client configuration every Kafka and registry client of the instance is built from; later
         * {@link #bootstrapServers} and {@link #schemaRegistryUrl} calls apply on top.
         */
        public Builder clientConfig(ClientConfig config) {
            this.client = Objects.requireNonNull(config, "config");
            return this;
        }

        public Builder bootstrapServers(String servers) {
            this.client = client.with(ClientConfig.BOOTSTRAP_SERVERS, servers);
            return this;
        }

        public Builder schemaRegistryUrl(String url) {
            this.client = client.with(ClientConfig.SCHEMA_REGISTRY_URL, url);
            return this;
        }

        /**
         * Who may call the REST API (default: everyone). {@code POST /runs/{run}/snapshots} is a write; every GET a
         * read; {@code /health}, {@code /} and {@code /observer.js} are always open.
         */
        public Builder access(HttpAccess access) {
            this.access = Objects.requireNonNull(access, "access");
            return this;
        }

        /** Kafka Streams state directory (one per instance). */
        public Builder stateDir(Path dir) {
            this.stateDir = dir;
            return this;
        }

        /** Where {@code POST /runs/{run}/snapshots} writes {@code <root>/<run>/}. */
        public Builder outputRoot(Path root) {
            this.outputRoot = root;
            return this;
        }

        /** REST bind address and port (0 = ephemeral); default 127.0.0.1:8080. */
        public Builder http(String host, int port) {
            this.httpHost = Objects.requireNonNull(host, "host");
            this.httpPort = port;
            return this;
        }

        /** Host peers use to reach this instance (default: the bind host); the port is the REST port. */
        public Builder advertisedHost(String host) {
            this.advertisedHost = host;
            return this;
        }

        /** Full {@code application.server} ({@code host:port}), overriding the advertised host and port. */
        public Builder applicationServer(String hostPort) {
            this.applicationServer = hostPort;
            return this;
        }

        public Builder applicationId(String id) {
            this.applicationId = id;
            return this;
        }

        public Builder topics(SnapshotTopics topics) {
            this.topics = topics;
            return this;
        }

        /** Partitions of the topics the service creates when absent. */
        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        /**
         * Checkpoints of the runs this instance owns every {@code every} consistent iterations (default 100; 0 turns
         * the background checkpointer off), looked at every {@code period} (default 30 s). See
         * {@link dev.simsnap.snapshot.replay.RunReplayer}.
         */
        public Builder checkpoints(int every, java.time.Duration period) {
            if (every < 0) {
                throw new IllegalArgumentException("checkpoint interval must be >= 0");
            }
            this.checkpointEvery = every;
            this.checkpointPeriod = period;
            return this;
        }

        /** num.standby.replicas (default 1). */
        public Builder standbyReplicas(int n) {
            this.standbyReplicas = n;
            return this;
        }

        /** An extra Streams property (applied last). */
        public Builder streamsProperty(String name, Object value) {
            this.streamsOverrides.put(name, value);
            return this;
        }

        public SnapshotServer build() {
            client.bootstrapServers(); // both required: a one-line message naming where to set them
            client.registryUrl();
            Objects.requireNonNull(stateDir, "stateDir");
            Objects.requireNonNull(outputRoot, "outputRoot");
            if (httpPort < 0 || httpPort > 65535) {
                throw new IllegalArgumentException("http port must be 0-65535, got " + httpPort);
            }
            return new SnapshotServer(this);
        }
    }
}
