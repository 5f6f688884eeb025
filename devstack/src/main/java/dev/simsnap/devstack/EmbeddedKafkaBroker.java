package dev.simsnap.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker + controller, node id 1) running inside this JVM.
 *
 * <p>Layout of {@link #dataDir()}: {@code kafka-logs/} is the broker's only log directory (it also holds the
 * {@code __cluster_metadata} log and {@code meta.properties}); {@code embedded-broker.properties} remembers the two
 * ports. {@link #start()} formats {@code kafka-logs/} only when {@code meta.properties} is absent, so a later start
 * on the same directory (same or new instance) keeps every topic, record and committed offset.
 *
 * <p>Listeners: PLAINTEXT on {@code 127.0.0.1:}{@link #port()} (also advertised as {@code 127.0.0.1}, never
 * {@code localhost}) and CONTROLLER on another loopback port; static quorum {@code 1@127.0.0.1:<controller port>}.
 * Internal topics ({@code __consumer_offsets}, {@code __transaction_state}, {@code __share_group_state}) have
 * replication factor 1, min ISR 1 and a single partition (Kafka defaults to 50, created on first use).
 * {@code group.initial.rebalance.delay.ms=0}; {@code log.cleaner.dedupe.buffer.size=4 MiB} (Kafka's 128 MiB default
 * is allocated at start and fails small heaps). Topic auto-creation stays at Kafka's default (enabled).
 * {@linkplain Builder#brokerProperty Extra broker properties} are applied last and override all of these.
 *
 * <p>Secured ({@link Builder#saslPlain}): both listeners speak SASL_PLAINTEXT with the PLAIN mechanism (listener
 * names {@code SASL_PLAINTEXT} and {@code CONTROLLER}; the broker itself authenticates as the super user on both),
 * the users are the {@linkplain Builder#saslUser configured ones}, and Kafka's {@code StandardAuthorizer} decides
 * every request: the super user may do anything, everyone else only what an ACL allows
 * ({@code allow.everyone.if.no.acl.found=false}). {@link #clientProperties(String, String)} gives a client's
 * settings for a user; {@link #adminClientProperties()} the super user's.
 *
 * <p>Fatal broker errors: Kafka would halt the JVM ({@code ProcessTerminatingFaultHandler} and others call
 * {@code Exit.halt}); unless {@link Builder#haltJvmOnFatalError(boolean)} is set, the request is refused while the
 * broker runs, logged at ERROR and exposed by {@link #fatalError()}. See {@code FatalFaultGuard} for exact scope.
 *
 * <p>Measured on a 2-core machine, Kafka 4.1.1, Java 17 and Temurin 25: the first start in a JVM (class loading
 * included, fresh directory) takes 1.7-2.2 s in a plain JVM and 1.7-3.8 s as the first thing in a Surefire fork;
 * later starts in the same JVM 0.14-0.45 s; a clean {@link #stop()} 0.2-0.5 s; {@link #restart()} 0.35-1.1 s.
 * RSS of a JVM holding just the broker: about 320 MB.
 *
 * <p>Thread-safe: lifecycle methods are synchronized. Not reusable after {@link #close()}.
 */
public final class EmbeddedKafkaBroker implements KafkaBroker, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String HOST = "127.0.0.1";
    private static final String PORTS_FILE = "embedded-broker.properties";
    private static final String LOG_DIR = "kafka-logs";
    private static final int NODE_ID = 1;

    private final Path dataDir;
    private final boolean ownsDataDir;
    private final Map<String, String> extraProperties;
    private final boolean haltJvmOnFatalError;
    private final String superUser;
    private final Map<String, String> saslUsers;
    private int port;
    private int controllerPort;
    private KafkaRaftServer server;
    private boolean closed;
    private volatile Throwable fatalError;

    private EmbeddedKafkaBroker(Builder builder) {
        this.ownsDataDir = builder.dataDir == null;
        this.dataDir = ownsDataDir ? DataDirs.createTemp(DataDirs.defaultBase()) : builder.dataDir.toAbsolutePath();
        this.extraProperties = Map.copyOf(builder.extraProperties);
        this.haltJvmOnFatalError = builder.haltJvmOnFatalError;
        this.superUser = builder.superUser;
        this.saslUsers = Map.copyOf(builder.saslUsers);
        this.port = builder.port;
        this.controllerPort = builder.controllerPort;
    }

    /** A builder with all defaults: fresh temp data dir, free ports, no extra properties. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the broker and returns once it accepts client requests ({@code KafkaRaftServer.startup()} blocks until
     * the broker is registered and unfenced). Formats the log directory first when it has no {@code meta.properties}.
     * Ports: chosen at the first start (free ones unless configured), saved in the data dir, reused by every later
     * start of this instance and by new instances on the same directory (a new instance picks a fresh free port,
     * with a WARN, when a saved one is taken).
     *
     * @return this broker
     * @throws IllegalStateException if running or closed, or if the broker fails to start (it is then shut down)
     */
    public synchronized EmbeddedKafkaBroker start() {
        if (closed) {
            throw new IllegalStateException("Broker is closed");
        }
        if (server != null) {
            throw new IllegalStateException("Broker is already running at " + bootstrapServers());
        }
        long begin = System.nanoTime();
        Path logDir = dataDir.resolve(LOG_DIR);
        try {
            Files.createDirectories(logDir);
            resolvePorts();
            formatIfNeeded(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare " + dataDir, e);
        }
        KafkaRaftServer candidate = new KafkaRaftServer(KafkaConfig.fromProps(brokerProperties(logDir), false),
                Time.SYSTEM);
        fatalError = null;
        if (!haltJvmOnFatalError) {
            FatalFaultGuard.register(this);
        }
        try {
            candidate.startup();
        } catch (RuntimeException e) {
            shutdownQuietly(candidate);
            FatalFaultGuard.unregister(this);
            throw new IllegalStateException("Embedded Kafka broker failed to start on " + bootstrapServers()
                    + " (data dir " + dataDir + ")", e);
        }
        server = candidate;
        LOG.info("Embedded Kafka broker started at {} in {} ms (data dir {})", bootstrapServers(),
                (System.nanoTime() - begin) / 1_000_000, dataDir);
        return this;
    }

    /**
     * Shuts the broker down cleanly (controlled shutdown, logs flushed, clean-shutdown marker written) and waits
     * for it. Does nothing when not running. Data and ports are kept for a later {@link #start()}.
     */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        long begin = System.nanoTime();
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            server = null;
            FatalFaultGuard.unregister(this);
        }
        LOG.info("Embedded Kafka broker at {} stopped in {} ms", bootstrapServers(),
                (System.nanoTime() - begin) / 1_000_000);
    }

    /**
     * {@link #stop()} then {@link #start()} on the same data dir and the same ports: topics and records survive
     * and clients configured with {@link #bootstrapServers()} reconnect by themselves. Also starts a stopped broker.
     */
    @Override
    public synchronized void restart() {
        stop();
        start();
    }

    /** Always true. */
    @Override
    public boolean supportsRestart() {
        return true;
    }

    /**
     * Stops the broker and, when the data dir was the default temp dir, deletes it. A data dir given to
     * {@link Builder#dataDir(Path)} is kept. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            stop();
        } finally {
            closed = true;
            if (ownsDataDir) {
                DataDirs.deleteRecursively(dataDir);
            }
        }
    }

    /**
     * {@code 127.0.0.1:<port>}; the same value before and after {@link #restart()}.
     *
     * @throws IllegalStateException before the first {@link #start()} when the port is chosen at start
     */
    @Override
    public synchronized String bootstrapServers() {
        return HOST + ":" + port();
    }

    /**
     * The PLAINTEXT listener port.
     *
     * @throws IllegalStateException before the first {@link #start()} when the port is chosen at start
     */
    public synchronized int port() {
        if (port == 0) {
            throw new IllegalStateException("Port not chosen yet: start() the broker first");
        }
        return port;
    }

    /** True when built with {@link Builder#saslPlain}: clients must authenticate and ACLs apply. */
    public boolean secured() {
        return superUser != null;
    }

    /**
     * The super user's client settings (besides {@code bootstrap.servers}); empty for an unsecured broker.
     * {@link #createTopic} uses them.
     */
    @Override
    public Map<String, String> adminClientProperties() {
        return secured() ? clientProperties(superUser, saslUsers.get(superUser)) : Map.of();
    }

    /**
     * The client settings that authenticate as {@code user} with {@code password} over SASL/PLAIN:
     * {@code security.protocol=SASL_PLAINTEXT}, {@code sasl.mechanism=PLAIN} and a {@code sasl.jaas.config}.
     */
    public static Map<String, String> clientProperties(String user, String password) {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                        + jaasEscape(user) + "\" password=\"" + jaasEscape(password) + "\";");
    }

    private static String jaasEscape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** The data directory (absolute); exists from construction on. */
    public Path dataDir() {
        return dataDir;
    }

    /** True between a successful {@link #start()} and the next {@link #stop()}. */
    public synchronized boolean isRunning() {
        return server != null;
    }

    /**
     * The fatal error Kafka reported since the last {@link #start()} (a refused JVM halt/exit), if any.
     * The broker is then likely unusable until restarted.
     */
    public Optional<Throwable> fatalError() {
        return Optional.ofNullable(fatalError);
    }

    void recordFatalError(Throwable error) {
        fatalError = error;
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + (port == 0 ? "port not chosen" : HOST + ":" + port) + ", " + dataDir + "]";
    }

    private void resolvePorts() throws IOException {
        if (port != 0 && controllerPort != 0) {
            return; // known: configured, or chosen by an earlier start of this instance
        }
        Path file = dataDir.resolve(PORTS_FILE);
        Properties saved = new Properties();
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                saved.load(in);
            }
        }
        if (port == 0) {
            port = FreePorts.savedOrFree(saved, "port", List.of());
        }
        if (controllerPort == 0) {
            controllerPort = FreePorts.savedOrFree(saved, "controller.port", List.of(port));
        }
        saved.setProperty("port", Integer.toString(port));
        saved.setProperty("controller.port", Integer.toString(controllerPort));
        try (OutputStream out = Files.newOutputStream(file)) {
            saved.store(out, "Ports of the embedded Kafka broker using this directory; reused on restart");
        }
    }

    private void formatIfNeeded(Path logDir) throws IOException {
        String clusterId = Uuid.randomUuid().toString();
        try {
            if (!KraftNode.formatIfNeeded(logDir, NODE_ID, clusterId)) {
                return;
            }
        } catch (Exception e) {
            throw new IllegalStateException("Formatting " + logDir + " failed", e);
        }
        LOG.debug("Formatted {} (cluster id {}, metadata.version {})", logDir, clusterId,
                MetadataVersion.LATEST_PRODUCTION);
    }

    private Properties brokerProperties(Path logDir) {
        Map<String, String> p = KraftNode.properties(NODE_ID, NODE_ID + "@" + HOST + ":" + controllerPort, HOST, port,
                controllerPort, logDir, 1, 1, 1);
        // Sized for a developer machine; Kafka's default of 8 I/O threads targets servers.
        p.put("num.io.threads", "4");
        if (secured()) {
            secure(p);
        }
        return KraftNode.toProperties(p, extraProperties);
    }

    /** SASL/PLAIN on both listeners, StandardAuthorizer, the super user; see the class comment. */
    private void secure(Map<String, String> p) {
        p.put("listeners", "SASL_PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "SASL_PLAINTEXT://" + HOST + ":" + port);
        p.put("listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
        p.put("inter.broker.listener.name", "SASL_PLAINTEXT");
        p.put("sasl.enabled.mechanisms", "PLAIN");
        p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        // One JAAS entry per listener: the broker's own login (the super user) plus every user it accepts.
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required")
                .append(" username=\"").append(jaasEscape(superUser)).append('"')
                .append(" password=\"").append(jaasEscape(saslUsers.get(superUser))).append('"');
        new java.util.TreeMap<>(saslUsers).forEach((user, password) -> jaas.append(" user_").append(user)
                .append("=\"").append(jaasEscape(password)).append('"'));
        jaas.append(';');
        p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.toString());
        p.put("listener.name.controller.plain.sasl.jaas.config", jaas.toString());
        p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + superUser);
        p.put("allow.everyone.if.no.acl.found", "false");
    }

    private static void shutdownQuietly(KafkaRaftServer candidate) {
        try {
            candidate.shutdown();
            candidate.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Shutting down the broker that failed to start failed too", e);
        }
    }

    /** Configures an {@link EmbeddedKafkaBroker}; every setting is optional. */
    public static final class Builder {
        private Path dataDir;
        private int port;
        private int controllerPort;
        private final Map<String, String> extraProperties = new LinkedHashMap<>();
        private boolean haltJvmOnFatalError;
        private String superUser;
        private final Map<String, String> saslUsers = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Secures the broker (see the class comment): SASL/PLAIN on both listeners and {@code StandardAuthorizer},
         * with {@code superUser} as the broker's own identity and the one principal no ACL restricts.
         */
        public Builder saslPlain(String superUser, String superPassword) {
            this.superUser = checkUser(superUser);
            saslUsers.put(superUser, Objects.requireNonNull(superPassword, "superPassword"));
            return this;
        }

        /** A further SASL/PLAIN user (principal {@code User:<name>}); needs {@link #saslPlain}. */
        public Builder saslUser(String name, String password) {
            saslUsers.put(checkUser(name), Objects.requireNonNull(password, "password"));
            return this;
        }

        private static String checkUser(String name) {
            if (name == null || !name.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException("SASL user names are [A-Za-z0-9_.-]+, got '" + name + "'");
            }
            return name;
        }

        /**
         * A persistent data directory (created if missing, never deleted by the broker). Default: a fresh
         * directory under {@code target/embedded-kafka/} when run by Maven or from a module directory, else under
         * {@code java.io.tmpdir}; deleted by {@link #close()}; ones left by dead JVMs are removed on creation.
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** The PLAINTEXT (client) port; 0, the default, means the saved port of the data dir or a free one. */
        public Builder port(int port) {
            this.port = checkPort(port);
            return this;
        }

        /** The CONTROLLER port; 0, the default, means the saved port of the data dir or a free one. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort);
            return this;
        }

        /** A broker property (server.properties syntax), applied after and over the embedded defaults. */
        public Builder brokerProperty(String key, String value) {
            extraProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** {@link #brokerProperty} for every entry. */
        public Builder brokerProperties(Map<String, String> properties) {
            properties.forEach(this::brokerProperty);
            return this;
        }

        /**
         * True keeps Kafka's behaviour of halting the JVM on a fatal broker error (a standalone broker process
         * wants that). Default false: the halt is refused while this broker runs, see the class Javadoc.
         */
        public Builder haltJvmOnFatalError(boolean halt) {
            this.haltJvmOnFatalError = halt;
            return this;
        }

        /** Creates the broker (and the default data dir) without starting it. */
        public EmbeddedKafkaBroker build() {
            if (superUser == null && !saslUsers.isEmpty()) {
                throw new IllegalStateException("saslUser needs saslPlain (the super user) first");
            }
            return new EmbeddedKafkaBroker(this);
        }

        /** {@code build().start()}. */
        public EmbeddedKafkaBroker start() {
            return build().start();
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            return port;
        }
    }
}
