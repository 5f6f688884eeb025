package dev.simsnap.app;

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
 * Parts start in dependency order and close in reverse.
 */
final class EmbeddedStack implements AutoCloseable {

    /**
     * What to start and where. A non-null external address replaces the embedded part. {@code brokers}: 1 = one
     * broker in this JVM (data in {@code <dataDir>/kafka}); more = a {@link KafkaCluster} of broker processes (data in
     * {@code <dataDir>/kafka-cluster}, client ports {@code kafkaPort, kafkaPort+1, ...}).
     */
    record Options(Path dataDir, int kafkaPort, int registryPort, int servicePort, int gatewayPort, Path outputRoot,
                   String externalBootstrap, String externalRegistry, int brokers) {
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
    private final String bootstrapServers;
    private final String registryUrl;
    private final SnapshotServer service;
    private final GatewayServer gateway;

    private EmbeddedStack(Options options, PrintStream out) throws Exception {
        try {
            if (options.externalBootstrap() == null && options.brokers() > 1) {
                Path clusterDir = Files.createDirectories(options.dataDir().resolve("kafka-cluster"));
                KafkaCluster cluster = KafkaCluster.builder().brokers(options.brokers()).dataDir(clusterDir)
                        .firstPort(options.kafkaPort()).build();
                parts.push(cluster);
                cluster.start();
                bootstrapServers = cluster.bootstrapServers();
                out.println("kafka     " + bootstrapServers + "  (embedded cluster of " + options.brokers()
                        + " broker processes, replication factor " + Replication.factor(options.brokers())
                        + ", data in " + clusterDir.toAbsolutePath() + ")");
            } else if (options.externalBootstrap() == null) {
                Path kafkaDir = Files.createDirectories(options.dataDir().resolve("kafka"));
                EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(kafkaDir).port(options.kafkaPort())
                        .brokerProperties(FAST_RESTART).start();
                parts.push(broker);
                bootstrapServers = broker.bootstrapServers();
                out.println("kafka     " + bootstrapServers + "  (embedded, data in " + kafkaDir.toAbsolutePath() + ")");
            } else {
                bootstrapServers = options.externalBootstrap();
                out.println("kafka     " + bootstrapServers + "  (external)");
            }
            if (options.externalRegistry() == null) {
                SchemaRegistryServer registry = SchemaRegistryServer.builder(bootstrapServers)
                        .host("127.0.0.1").port(options.registryPort()).build().start();
                parts.push(registry);
                registryUrl = registry.url();
                out.println("registry  " + registryUrl + "  (embedded, schemas in topic _simsnap_schemas)");
            } else {
                registryUrl = options.externalRegistry();
                out.println("registry  " + registryUrl + "  (external)");
            }
            Path stateDir = Files.createDirectories(options.dataDir().resolve("streams"));
            service = SnapshotServer.builder().bootstrapServers(bootstrapServers).schemaRegistryUrl(registryUrl)
                    .stateDir(stateDir).outputRoot(options.outputRoot()).http("127.0.0.1", options.servicePort())
                    .build().start();
            parts.push(service);
            service.awaitRunning(Duration.ofSeconds(60));
            out.println("service   " + service.url() + "  (snapshot service; state in " + stateDir.toAbsolutePath() + ")");
            gateway = GatewayServer.builder().bootstrapServers(bootstrapServers).schemaRegistryUrl(registryUrl)
                    .host("127.0.0.1").port(options.gatewayPort()).build().start();
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
