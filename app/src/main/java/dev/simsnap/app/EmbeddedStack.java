package dev.simsnap.app;

import dev.simsnap.access.HttpAccess;
import dev.simsnap.connection.ClientConfig;
import dev.simsnap.devstack.EmbeddedKafkaBroker;
import dev.simsnap.devstack.KafkaCluster;
import dev.simsnap.gateway.GatewayServer;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.service.http.SnapshotServer;
import dev.simsnap.topic.Replication;
import java.time.Duration;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The one-process stack behind {@code simsnap up}: each part is embedded unless an external address is given.
 * Parts start in dependency order and close in reverse. Every Kafka and registry client of every part is built from
 * the one {@link ClientConfig} (the embedded addresses filled in); the HTTP credentials in it
 * ({@link HttpAccess#fromConfig}) guard the registry, the service and the gateway.
 */
final class EmbeddedStack implements AutoCloseable {

    /**
     * What to start and where. Bootstrap servers in {@code client} replace the embedded broker, a registry URL the
     * embedded registry; {@code bind} is the address the HTTP servers listen on. {@code brokers}: 1 = one broker in
     * this JVM (data in {@code <dataDir>/kafka}); more = a {@link KafkaCluster} of broker processes (data in
     * {@code <dataDir>/kafka-cluster}, client ports {@code kafkaPort, kafkaPort+1, ...}).
     */
    record Options(Path dataDir, int kafkaPort, int registryPort, int servicePort, int gatewayPort, Path outputRoot,
                   ClientConfig client, String bind, int brokers) {
        Options {
            client = client == null ? ClientConfig.empty() : client; // no client configuration: the defaults
            bind = bind == null ? "127.0.0.1" : bind; // servers bind loopback unless told otherwise
        }
    }

    /**
     * After a kill -9 the restarted controller refuses the broker's new registration until the previous one's
     * session expires: 9 s by default, 18-23 s of restart in all with the retries (bench RestartBench). Broker and
     * controller share this process, so a short session costs only loopback heartbeats; a broker fenced by a long
     * pause registers again by itself.
     */
    static final java.util.Map<String, String> FAST_RESTART = java.util.Map.of(
            "broker.heartbeat.interval.ms", "500", "broker.session.timeout.ms", "3000");

    private final Deque<AutoCloseable> parts = new ArrayDeque<>();
    private final ClientConfig client;
    private final String bootstrapServers;
    private final String registryUrl;
    private final SnapshotServer service;
    private final GatewayServer gateway;

    private EmbeddedStack(Options options, PrintStream out) throws Exception {
        try {
            ClientConfig config = options.client();
            HttpAccess access = HttpAccess.fromConfig(config.asMap());
            String bind = options.bind();
            boolean embedded = config.get(ClientConfig.BOOTSTRAP_SERVERS).isEmpty();
            if (embedded && options.brokers() > 1) {
                Path clusterDir = Files.createDirectories(options.dataDir().resolve("kafka-cluster"));
                KafkaCluster cluster = KafkaCluster.builder().brokers(options.brokers()).dataDir(clusterDir)
                        .firstPort(options.kafkaPort()).build();
                parts.push(cluster);
                cluster.start();
                bootstrapServers = cluster.bootstrapServers();
                out.println("kafka     " + bootstrapServers + "  (embedded cluster of " + options.brokers()
                        + " broker processes, replication factor " + Replication.factor(options.brokers())
                        + ", data in " + clusterDir.toAbsolutePath() + ")");
            } else if (embedded) {
                Path kafkaDir = Files.createDirectories(options.dataDir().resolve("kafka"));
                EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(kafkaDir).port(options.kafkaPort())
                        .brokerProperties(FAST_RESTART).start();
                parts.push(broker);
                bootstrapServers = broker.bootstrapServers();
                out.println("kafka     " + bootstrapServers + "  (embedded, data in " + kafkaDir.toAbsolutePath() + ")");
            } else {
                bootstrapServers = config.bootstrapServers();
                out.println("kafka     " + bootstrapServers + "  (external)");
            }
            config = config.with(ClientConfig.BOOTSTRAP_SERVERS, bootstrapServers);
            if (config.get(ClientConfig.SCHEMA_REGISTRY_URL).isEmpty()) {
                SchemaRegistryServer registry = SchemaRegistryServer.builder(config).access(access)
                        .host(bind).port(options.registryPort()).build().start();
                parts.push(registry);
                registryUrl = registry.url();
                out.println("registry  " + registryUrl + "  (embedded, schemas in topic _simsnap_schemas)");
                config = withOwnRegistryCredentials(config.with(ClientConfig.SCHEMA_REGISTRY_URL, registryUrl));
            } else {
                registryUrl = config.registryUrl();
                out.println("registry  " + registryUrl + "  (external)");
            }
            client = config;
            Path stateDir = Files.createDirectories(options.dataDir().resolve("streams"));
            service = SnapshotServer.builder().clientConfig(client).access(access)
                    .stateDir(stateDir).outputRoot(options.outputRoot()).http(bind, options.servicePort())
                    .advertisedHost(bind.equals("0.0.0.0") ? "127.0.0.1" : bind).build().start();
            parts.push(service);
            service.awaitRunning(Duration.ofSeconds(60));
            out.println("service   " + service.url() + "  (snapshot service; state in " + stateDir.toAbsolutePath() + ")");
            gateway = GatewayServer.builder().clientConfig(client).access(access)
                    .host(bind).port(options.gatewayPort()).build().start();
            parts.push(gateway);
            out.println("gateway   " + gateway.url() + "  (HTTP ingest for any language: see PROTOCOL.md)");
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    static EmbeddedStack start(Options options, PrintStream out) throws Exception {
        return new EmbeddedStack(options, out);
    }

    /**
     * The embedded registry takes the same HTTP credentials as the rest of the stack, so the stack's own registry
     * clients present the write credential, unless the configuration names registry credentials itself.
     */
    static ClientConfig withOwnRegistryCredentials(ClientConfig config) {
        for (String key : new String[] {"basic.auth.credentials.source", "bearer.auth.credentials.source",
                "schema.registry.basic.auth.credentials.source", "schema.registry.bearer.auth.credentials.source"}) {
            if (config.get(key).isPresent()) {
                return config;
            }
        }
        var token = config.get(HttpAccess.WRITE_TOKEN);
        if (token.isPresent()) {
            return config.with("bearer.auth.credentials.source", "STATIC_TOKEN").with("bearer.auth.token", token.get());
        }
        var user = config.get(HttpAccess.WRITE_USER_INFO);
        if (user.isPresent()) {
            return config.with("basic.auth.credentials.source", "USER_INFO").with("basic.auth.user.info", user.get());
        }
        return config;
    }

    /** The client configuration every part of the stack uses (addresses filled in). */
    ClientConfig client() {
        return client;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    String registryUrl() {
        return registryUrl;
    }

    GatewayServer gateway() {
        return gateway;
    }

    SnapshotServer service() {
        return service;
    }

    @Override
    public synchronized void close() {
        while (!parts.isEmpty()) {
            try {
                parts.pop().close();
            } catch (Exception e) {
                System.err.println("simsnap: while stopping: " + e);
            }
        }
    }
}
