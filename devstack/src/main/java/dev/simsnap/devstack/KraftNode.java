package dev.simsnap.devstack;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * The configuration every simsnap development broker node shares, whether it runs in this JVM
 * ({@link EmbeddedKafkaBroker}) or as a process of a {@link KafkaCluster} ({@link BrokerProcess}): its
 * {@code server.properties} on PLAINTEXT and CONTROLLER listeners, and the formatting of its log directory.
 * The callers add what is theirs (security, thread counts, failure detection) to the map {@link #properties} returns.
 */
final class KraftNode {

    /** The listener name of the controller quorum. */
    static final String CONTROLLER_LISTENER = "CONTROLLER";

    private KraftNode() {
    }

    /**
     * The properties of node {@code nodeId}: broker, and controller too when {@code controllerPort} is not 0 (then
     * it listens for the quorum on {@code host:controllerPort}); clients on {@code host:port}, advertised as such;
     * one log directory; replication factor {@code replicationFactor} and min ISR {@code minIsr} for the internal
     * topics and as topic defaults; {@code coordinatorPartitions} partitions of the offsets and transaction state
     * topics and one of the share coordinator's; no initial rebalance delay; a 4 MiB cleaner dedupe buffer (Kafka's
     * 128 MiB is allocated at start and fails small heaps); 2 network threads (Kafka's defaults target servers).
     *
     * @return a new mutable map, in insertion order, for the caller to add to
     */
    static Map<String, String> properties(int nodeId, String voters, String host, int port, int controllerPort,
                                          Path logDir, int replicationFactor, int minIsr, int coordinatorPartitions) {
        boolean controller = controllerPort != 0;
        String factor = Integer.toString(replicationFactor);
        String isr = Integer.toString(minIsr);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", controller ? "broker,controller" : "broker");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", voters);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("listeners", "PLAINTEXT://" + host + ":" + port
                + (controller ? "," + CONTROLLER_LISTENER + "://" + host + ":" + controllerPort : ""));
        p.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("offsets.topic.replication.factor", factor);
        p.put("offsets.topic.num.partitions", Integer.toString(coordinatorPartitions));
        p.put("transaction.state.log.replication.factor", factor);
        p.put("transaction.state.log.min.isr", isr);
        p.put("transaction.state.log.num.partitions", Integer.toString(coordinatorPartitions));
        p.put("share.coordinator.state.topic.replication.factor", factor);
        p.put("share.coordinator.state.topic.min.isr", isr);
        p.put("share.coordinator.state.topic.num.partitions", "1");
        p.put("default.replication.factor", factor);
        p.put("min.insync.replicas", isr);
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
        p.put("num.network.threads", "2");
        return p;
    }

    /** {@code properties} then {@code overrides} (over them), as {@link Properties}. */
    static Properties toProperties(Map<String, String> properties, Map<String, String> overrides) {
        Map<String, String> all = new LinkedHashMap<>(properties);
        all.putAll(overrides);
        Properties props = new Properties();
        props.putAll(all);
        return props;
    }

    /**
     * Formats {@code logDir} (created if missing) as the metadata and data directory of node {@code nodeId} of
     * cluster {@code clusterId} at {@link MetadataVersion#LATEST_PRODUCTION}, unless it holds a
     * {@code meta.properties} already: a formatted directory keeps its topics and records across restarts.
     *
     * @return true when it formatted, false when the directory was formatted before
     * @throws Exception as Kafka's {@link Formatter} throws it
     */
    static boolean formatIfNeeded(Path logDir, int nodeId, String clusterId) throws Exception {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return false;
        }
        Files.createDirectories(logDir);
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(nodeId)
                .setClusterId(clusterId)
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setControllerListenerName(CONTROLLER_LISTENER)
                .run();
        return true;
    }
}
