package dev.simsnap.it.fault;

import dev.simsnap.devstack.KafkaCluster;
import dev.simsnap.gateway.GatewayServer;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.service.http.SnapshotServer;
import dev.simsnap.topic.SimsnapTopics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.utils.Utils;

/**
 * The fault suite's stack on a {@link KafkaCluster} of broker processes: the pipeline topics by their specs with 3
 * partitions (replicated by the cluster-size rule), the embedded registry and the gateway in this JVM; snapshot
 * services with the suite's settings, in this JVM or as processes ({@link ServiceMain}).
 */
final class ClusterStack implements AutoCloseable {

    static final int PARTITIONS = 3;

    final KafkaCluster cluster;
    final SchemaRegistryServer registry;
    final GatewayServer gateway;
    private final List<Process> processes = new ArrayList<>();

    private ClusterStack(KafkaCluster cluster, SchemaRegistryServer registry, GatewayServer gateway) {
        this.cluster = cluster;
        this.registry = registry;
        this.gateway = gateway;
    }

    /** Topics, registry and gateway on a started cluster. */
    static ClusterStack on(KafkaCluster cluster) {
        cluster.ensureTopics(PARTITIONS, SimsnapTopics.pipeline());
        SchemaRegistryServer registry = SchemaRegistryServer.builder(cluster.bootstrapServers()).host("127.0.0.1")
                .port(0).build().start();
        GatewayServer gateway = GatewayServer.builder().bootstrapServers(cluster.bootstrapServers())
                .schemaRegistryUrl(registry.url()).host("127.0.0.1").port(0).build().start();
        return new ClusterStack(cluster, registry, gateway);
    }

    /**
     * A snapshot service with the suite's settings: standby replicas 1, commits every 100 ms, and a 6 s session
     * timeout (Kafka's default 45 s would keep a killed instance's tasks unassigned that long).
     */
    static SnapshotServer service(String bootstrap, String registryUrl, Path stateDir, Path outputRoot, int port,
                                  String applicationId) {
        return SnapshotServer.builder().bootstrapServers(bootstrap).schemaRegistryUrl(registryUrl).stateDir(stateDir)
                .outputRoot(outputRoot).http("127.0.0.1", port).advertisedHost("127.0.0.1")
                .applicationId(applicationId).partitions(PARTITIONS).standbyReplicas(1)
                .streamsProperty("commit.interval.ms", 100)
                .streamsProperty("session.timeout.ms", 6000)
                .streamsProperty("heartbeat.interval.ms", 1500)
                .build();
    }

    /** Client configuration of a library worker on this stack. */
    Properties workerConfig() {
        Properties config = new Properties();
        config.setProperty("bootstrap.servers", cluster.bootstrapServers());
        config.setProperty("schema.registry.url", registry.url());
        config.setProperty("simsnap.topic.partitions", Integer.toString(PARTITIONS));
        return config;
    }

    /** The partition of {@code run} on the pipeline topics (Kafka's default partitioner for a string key). */
    static int partitionOf(String run) {
        return Utils.toPositive(Utils.murmur2(run.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    /** Starts {@code main} of the test class path as a JVM of its own, output to {@code log}. */
    Process java(Class<?> main, List<String> systemProperties, List<String> args, Path log) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        if (Runtime.version().feature() >= 24) {
            command.add("--enable-native-access=ALL-UNNAMED");
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(systemProperties);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            synchronized (processes) {
                processes.add(p);
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + main.getName(), e);
        }
    }

    @Override
    public void close() {
        synchronized (processes) {
            processes.forEach(Process::destroyForcibly);
        }
        gateway.close();
        registry.close();
    }
}
