package dev.simsnap.service;

import dev.simsnap.connection.ClientConfig;
import dev.simsnap.snapshot.topology.SnapshotTopics;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of one snapshot-service instance.
 *
 * @param client            the client configuration (bootstrap servers, registry URL ({@code http://host:8081}, or
 *                          {@code mock://scope} in tests), security settings): Streams, the admin client, the live
 *                          hub, catch-up, replay, checkpoints and the registry client are all built from it
 * @param stateDir          Kafka Streams state directory (RocksDB stores)
 * @param applicationId     Streams application.id (consumer group, changelog topic prefix)
 * @param applicationServer this instance's {@code host:port} for interactive-query routing, or null
 * @param topics            topic names
 * @param partitions        partitions of the topics this service creates when absent
 * @param replicationFactor replication factor of the topics this service creates when absent and of Streams'
 *                          internal topics; 0 = the cluster-size rule ({@link dev.simsnap.topic.Replication}:
 *                          {@code min(3, brokers)}, and {@code min.insync.replicas=2} from 3 brokers on)
 * @param streamThreads     num.stream.threads
 * @param streamsOverrides  extra Streams properties, applied last (e.g. commit.interval.ms)
 */
public record SnapshotServiceConfig(ClientConfig client, Path stateDir,
                                    String applicationId, String applicationServer, SnapshotTopics topics,
                                    int partitions, short replicationFactor, int streamThreads,
                                    Map<String, Object> streamsOverrides) {

    /** Default application.id. */
    public static final String DEFAULT_APPLICATION_ID = "simsnap-snapshot-service";

    public SnapshotServiceConfig {
        Objects.requireNonNull(client, "client");
        client.bootstrapServers(); // both required
        client.registryUrl();
        Objects.requireNonNull(stateDir, "stateDir");
        applicationId = applicationId == null ? DEFAULT_APPLICATION_ID : applicationId;
        topics = topics == null ? SnapshotTopics.defaults() : topics;
        if (partitions < 1 || replicationFactor < 0 || streamThreads < 1) {
            throw new IllegalArgumentException("partitions and streamThreads must be >= 1, replicationFactor >= 0");
        }
        streamsOverrides = streamsOverrides == null ? Map.of() : Map.copyOf(streamsOverrides);
    }

    /**
     * Defaults: contract topics, 1 partition, replication by the cluster-size rule, 1 thread, no overrides, no
     * application.server.
     */
    public static SnapshotServiceConfig of(String bootstrapServers, String schemaRegistryUrl, Path stateDir) {
        return of(ClientConfig.of(bootstrapServers, schemaRegistryUrl), stateDir);
    }

    /** {@link #of(String, String, Path)} with a whole client configuration. */
    public static SnapshotServiceConfig of(ClientConfig client, Path stateDir) {
        return new SnapshotServiceConfig(client, stateDir, DEFAULT_APPLICATION_ID, null, SnapshotTopics.defaults(), 1,
                (short) 0, 1, Map.of());
    }

    /** The Kafka bootstrap servers of {@link #client()}. */
    public String bootstrapServers() {
        return client.bootstrapServers();
    }

    /** The registry URL of {@link #client()}. */
    public String schemaRegistryUrl() {
        return client.registryUrl();
    }

    /** A copy with another application.id and application.server. */
    public SnapshotServiceConfig withApplication(String id, String server) {
        return new SnapshotServiceConfig(client, stateDir, id, server, topics, partitions,
                replicationFactor, streamThreads, streamsOverrides);
    }

    /** A copy with extra Streams properties. */
    public SnapshotServiceConfig withStreamsOverrides(Map<String, Object> overrides) {
        return new SnapshotServiceConfig(client, stateDir, applicationId,
                applicationServer, topics, partitions, replicationFactor, streamThreads, overrides);
    }
}
