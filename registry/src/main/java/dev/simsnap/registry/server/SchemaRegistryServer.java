package dev.simsnap.registry.server;

import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private Javalin app;

    private SchemaRegistryServer(Builder b) {
        this.host = b.host;
        this.requestedPort = b.port;
        this.store = new KafkaStore(b.bootstrapServers, b.topic, b.kafkaProps, b.storeTimeout);
        this.registry = new SchemaRegistry(store);
    }

    /** A builder for a registry using the broker(s) at {@code bootstrapServers}. */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
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
            throw new IllegalStateException("Cannot prepare the schema store: " + e.getMessage(), e);
        }
        Javalin javalin = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.defaultContentType = Http.CONTENT_TYPE;
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

    /** The HTTP port actually bound (useful with port 0). */
    public synchronized int port() {
        if (app == null) {
            throw new IllegalStateException("not started");
        }
        return app.port();
    }

    /** The base URL clients use, e.g. {@code http://127.0.0.1:8081} (no trailing slash). */
    public String url() {
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
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
     * Runs a registry until the JVM stops. Arguments (each also {@code --name=value}) override environment:
     * {@code --bootstrap-servers} / {@code SIMSNAP_BOOTSTRAP_SERVERS} (default 127.0.0.1:9092),
     * {@code --port} / {@code SIMSNAP_REGISTRY_PORT} (8081), {@code --host} / {@code SIMSNAP_REGISTRY_HOST}
     * (0.0.0.0), {@code --topic} / {@code SIMSNAP_REGISTRY_TOPIC} (_simsnap_schemas).
     */
    public static void main(String[] args) throws InterruptedException {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("Unexpected argument " + arg);
            }
            int eq = arg.indexOf('=');
            if (eq > 0) {
                options.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else if (i + 1 < args.length) {
                options.put(arg.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("Missing value for " + arg);
            }
        }
        String bootstrap = option(options, "bootstrap-servers", "SIMSNAP_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        SchemaRegistryServer server = builder(bootstrap)
                .host(option(options, "host", "SIMSNAP_REGISTRY_HOST", "0.0.0.0"))
                .port(Integer.parseInt(option(options, "port", "SIMSNAP_REGISTRY_PORT", String.valueOf(DEFAULT_PORT))))
                .topic(option(options, "topic", "SIMSNAP_REGISTRY_TOPIC", DEFAULT_TOPIC))
                .build()
                .start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "registry-shutdown"));
        stopped.await();
    }

    private static String option(Map<String, String> options, String name, String env, String fallback) {
        String value = options.get(name);
        if (value == null) {
            value = System.getenv(env);
        }
        return value == null || value.isBlank() ? fallback : value;
    }

    /** Configures a {@link SchemaRegistryServer}. */
    public static final class Builder {
        private final String bootstrapServers;
        private String topic = DEFAULT_TOPIC;
        private String host = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private Duration storeTimeout = Duration.ofSeconds(30);
        private final Map<String, Object> kafkaProps = new HashMap<>();

        private Builder(String bootstrapServers) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
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
            kafkaProps.put(name, value);
            return this;
        }

        /** Extra Kafka client properties, as {@link #kafkaProperty} for each entry. */
        public Builder kafkaProperties(Map<String, ?> properties) {
            kafkaProps.putAll(properties);
            return this;
        }

        /** The server, not yet started. */
        public SchemaRegistryServer build() {
            return new SchemaRegistryServer(this);
        }
    }
}
