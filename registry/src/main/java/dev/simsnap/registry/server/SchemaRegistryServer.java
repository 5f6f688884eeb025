package dev.simsnap.registry.server;

import dev.simsnap.access.HttpAccess;
import dev.simsnap.connection.ClientConfig;
import dev.simsnap.connection.ClientOptions;
import dev.simsnap.connection.KafkaFailures;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A Confluent-compatible Schema Registry (Avro only) whose state lives in a compacted Kafka topic.
 *
 * <pre>{@code
 * try (SchemaRegistryServer registry = SchemaRegistryServer.builder("127.0.0.1:9092").port(0).build().start()) {
 *     String url = registry.url(); // e.g. http://127.0.0.1:41877
 * }
 * }</pre>
 *
 * <p>{@link #start()} creates the topic when absent (1 partition, {@code cleanup.policy=compact}), reads it to
 * the end to rebuild every id, version, config and mode, then serves HTTP. Every write is produced to the
 * topic and applied only after the broker's acknowledgement.
 *
 * <p><b>Single writer:</b> an instance does not follow the topic after start-up, so at most one registry may
 * run against a topic at a time; several writers would hand out the same ids.
 *
 * <p><b>Access</b> ({@link HttpAccess}): with credentials configured, changes (registering, deleting, PUT config and
 * mode) need the write token or write user; reads (every GET, plus the lookups {@code POST /subjects/{subject}} and
 * {@code POST /compatibility/...}) need the read token only when one is configured. Refusals are 401
 * ({@code error_code} 40101) and 403 (40301). Binds 127.0.0.1 unless told otherwise. Its Kafka clients are built
 * from one {@link ClientConfig}.
 */
public final class SchemaRegistryServer implements AutoCloseable {

    /** The default store topic: the name of {@link dev.simsnap.topic.SimsnapTopics#SCHEMAS}. */
    public static final String DEFAULT_TOPIC = dev.simsnap.topic.SimsnapTopics.SCHEMAS.name();
    /** The default HTTP port, as Confluent's. */
    public static final int DEFAULT_PORT = 8081;

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);

    private final String host;
    private final int requestedPort;
    private final KafkaStore store;
    private final SchemaRegistry registry;
    private final HttpAccess access;
    private Javalin app;

    private SchemaRegistryServer(Builder b) {
        this.host = b.host;
        this.requestedPort = b.port;
        this.access = b.access;
        this.store = new KafkaStore(b.client, b.topic, b.storeTimeout);
        this.registry = new SchemaRegistry(store);
    }

    /** A builder for a registry using the broker(s) at {@code bootstrapServers}. */
    public static Builder builder(String bootstrapServers) {
        return new Builder(ClientConfig.of(Objects.requireNonNull(bootstrapServers, "bootstrapServers"), null));
    }

    /**
     * A builder for a registry whose store clients use {@code client} (bootstrap servers, security settings).
     *
     * @throws IllegalArgumentException when {@code client} has no bootstrap servers
     */
    public static Builder builder(ClientConfig client) {
        client.bootstrapServers();
        return new Builder(client);
    }

    /**
     * Creates or reads the store topic, rebuilds the state and starts serving HTTP.
     *
     * @return this, for chaining
     * @throws IllegalStateException when already started, or the topic cannot be prepared or read
     */
    public synchronized SchemaRegistryServer start() {
        if (app != null) {
            throw new IllegalStateException("already started");
        }
        try {
            store.ensureTopic();
            registry.load();
        } catch (RuntimeException e) {
            store.close();
            throw new IllegalStateException("Cannot prepare the schema store: " + KafkaFailures.describe(e), e);
        }
        Javalin javalin = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.defaultContentType = Http.CONTENT_TYPE;
        });
        javalin.before(ctx -> {
            String what = ctx.method().name() + " " + ctx.path();
            HttpAccess.Decision d = access.check(ctx.header("Authorization"), need(ctx.method().name(), ctx.path()),
                    what);
            if (!d.allowed()) {
                if (d.status() == 401) {
                    ctx.header("WWW-Authenticate", HttpAccess.CHALLENGE);
                }
                Http.error(ctx, d.status() == 401 ? ErrorCode.UNAUTHORIZED : ErrorCode.FORBIDDEN, d.error());
                ctx.skipRemainingHandlers();
            }
        });
        RootResource.register(javalin);
        SchemasResource.register(javalin, registry);
        SubjectsResource.register(javalin, registry);
        CompatibilityResource.register(javalin, registry);
        ConfigResource.register(javalin, registry);
        ModeResource.register(javalin, registry);
        javalin.exception(RegistryException.class, (e, ctx) -> Http.error(ctx, e.errorCode(), e.getMessage()));
        javalin.exception(HttpResponseException.class, (e, ctx) -> Http.error(ctx,
                e.getStatus() == 405 ? ErrorCode.METHOD_NOT_ALLOWED
                        : e.getStatus() == 404 ? ErrorCode.NOT_FOUND : ErrorCode.BAD_REQUEST,
                e.getMessage()));
        javalin.exception(Exception.class, (e, ctx) -> {
            LOG.error("Request {} {} failed", ctx.method(), ctx.path(), e);
            Http.error(ctx, ErrorCode.STORE_ERROR, "Internal error: " + e.getMessage());
        });
        try {
            javalin.start(host, requestedPort);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        app = javalin;
        LOG.info("Schema registry listening on {}", url());
        return this;
    }

    /** Lookups and compatibility checks are POSTs that change nothing: they need what reads need. */
    static HttpAccess.Need need(String method, String path) {
        if (method.equalsIgnoreCase("POST")
                && (path.startsWith("/compatibility/") || path.matches("/subjects/[^/]+/?"))) {
            return HttpAccess.Need.READ;
        }
        return HttpAccess.needOf(method);
    }

    /** The HTTP port actually bound (useful with port 0). */
    public synchronized int port() {
        if (app == null) {
            throw new IllegalStateException("not started");
        }
        return app.port();
    }

    /** The base URL clients use, e.g. {@code http://127.0.0.1:8081} (no trailing slash). */
    public String url() {
        String h = host.equals("0.0.0.0") ? "127.0.0.1" : host; // bound to every address: reach it on loopback
        return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port();
    }

    /** Stops HTTP and the Kafka producer. Idempotent. */
    @Override
    public synchronized void close() {
        if (app != null) {
            app.stop();
            app = null;
        }
        store.close();
    }

    /**
     * Runs a registry until the JVM stops. Options (each also {@code --name=value}) override the environment:
     * the client configuration as for every command ({@code --client-config}, {@code -X}, {@code --bootstrap-servers}
     * / {@code SIMSNAP_BOOTSTRAP_SERVERS} (default 127.0.0.1:9092), {@code KAFKA_*}, ...; see
     * {@link dev.simsnap.connection.ClientConfigSources}), {@code --port} / {@code SIMSNAP_REGISTRY_PORT} (8081),
     * {@code --bind} (or {@code --host}) / {@code SIMSNAP_REGISTRY_HOST} (127.0.0.1), {@code --topic} /
     * {@code SIMSNAP_REGISTRY_TOPIC} (_simsnap_schemas); HTTP credentials from {@code SIMSNAP_WRITE_TOKEN} and
     * friends ({@link HttpAccess}).
     */
    public static void main(String[] args) throws InterruptedException {
        Main main = new Main();
        int exit = new CommandLine(main).execute(args);
        if (main.server == null) {
            System.exit(exit); // --help, or a one-line error already printed
            return;
        }
        SchemaRegistryServer server = main.server;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "registry-shutdown"));
        stopped.await();
    }

    @Command(name = "schema-registry", mixinStandardHelpOptions = true,
            description = "The simsnap schema registry (Confluent-compatible, Avro).")
    static final class Main implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Option(names = {"--bind", "--host"}, paramLabel = "ADDR",
                description = "Address to listen on (env SIMSNAP_REGISTRY_HOST; default 127.0.0.1).")
        String bind;

        @Option(names = "--port", paramLabel = "N", description = "Port (env SIMSNAP_REGISTRY_PORT; default 8081).")
        Integer port;

        @Option(names = "--topic", paramLabel = "TOPIC",
                description = "Store topic (env SIMSNAP_REGISTRY_TOPIC; default _simsnap_schemas).")
        String topic;

        SchemaRegistryServer server;

        @Override
        public Integer call() {
            Map<String, String> env = System.getenv();
            try {
                ClientConfig config = client.resolve(env).withDefault(ClientConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9092");
                server = builder(config).access(HttpAccess.fromConfig(config.asMap()))
                        .host(bind != null ? bind : env.getOrDefault("SIMSNAP_REGISTRY_HOST", "127.0.0.1"))
                        .port(port != null ? port
                                : Integer.parseInt(env.getOrDefault("SIMSNAP_REGISTRY_PORT", String.valueOf(DEFAULT_PORT))))
                        .topic(topic != null ? topic : env.getOrDefault("SIMSNAP_REGISTRY_TOPIC", DEFAULT_TOPIC))
                        .build()
                        .start();
                return 0;
            } catch (IllegalArgumentException | IllegalStateException e) {
                System.err.println("simsnap schema registry: " + e.getMessage());
                return 2;
            }
        }
    }

    /** Configures a {@link SchemaRegistryServer}. */
    public static final class Builder {
        private ClientConfig client;
        private String topic = DEFAULT_TOPIC;
        private String host = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private Duration storeTimeout = Duration.ofSeconds(30);
        private HttpAccess access = HttpAccess.open();

        private Builder(ClientConfig client) {
            this.client = client;
        }

        /** Who may call the registry (default: everyone). */
        public Builder access(HttpAccess access) {
            this.access = Objects.requireNonNull(access, "access");
            return this;
        }

        /** The store topic; default {@link #DEFAULT_TOPIC} ({@code _simsnap_schemas}). */
        public Builder topic(String topic) {
            this.topic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        /** The address to bind; default 127.0.0.1 (use 0.0.0.0 to serve other hosts). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The HTTP port; 0 picks a free one (read it with {@link SchemaRegistryServer#port()}); default 8081. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /** How long start-up and each write may wait for the broker; default 30 s. */
        public Builder storeTimeout(Duration timeout) {
            this.storeTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Extra Kafka client properties (security, client.id, ...) for the admin, producer and consumer. */
        public Builder kafkaProperty(String name, Object value) {
            client = client.with(name, String.valueOf(value));
            return this;
        }

        /** Extra Kafka client properties, as {@link #kafkaProperty} for each entry. */
        public Builder kafkaProperties(Map<String, ?> properties) {
            client = client.withAll(properties);
            return this;
        }

        /** The server, not yet started. */
        public SchemaRegistryServer build() {
            return new SchemaRegistryServer(this);
        }
    }
}
