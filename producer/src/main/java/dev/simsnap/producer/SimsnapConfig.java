package dev.simsnap.producer;

import dev.simsnap.connection.ClientConfig;
import java.util.Properties;

/**
 * The worker library's configuration keys. A worker's configuration is a {@link ClientConfig}: Kafka client
 * properties (passed through unchanged, security settings included), the registry URL and registry client settings,
 * and simsnap's own {@code simsnap.*} keys; sources and precedence (file, environment, code) are
 * {@link dev.simsnap.connection.ClientConfigSources}'s.
 */
public final class SimsnapConfig {

    /** Kafka bootstrap servers. */
    public static final String BOOTSTRAP_SERVERS = ClientConfig.BOOTSTRAP_SERVERS;
    /** Schema registry base URL(s), comma-separated; {@code mock://scope} selects the in-memory registry. */
    public static final String SCHEMA_REGISTRY_URL = ClientConfig.SCHEMA_REGISTRY_URL;
    /** Prefix of the workers' transactional ids (see {@link ClientConfig#TRANSACTIONAL_ID_PREFIX}). */
    public static final String TRANSACTIONAL_ID_PREFIX = ClientConfig.TRANSACTIONAL_ID_PREFIX;
    /** Partitions of simsnap.deltas and simsnap.generations when this worker creates them (default 6). */
    public static final String TOPIC_PARTITIONS = "simsnap.topic.partitions";
    /** Replication factor of created topics (default: {@code min(3, brokers)}, see dev.simsnap.topic.Replication). */
    public static final String TOPIC_REPLICATION_FACTOR = "simsnap.topic.replication.factor";
    /** {@code false} to skip topic creation (the topics must then exist). Default true. */
    public static final String CREATE_TOPICS = "simsnap.topics.create";

    private SimsnapConfig() {
    }

    static int intSetting(Properties all, String key, int fallback) {
        String value = all.getProperty(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("config '" + key + "' must be an integer, got '" + value + "'");
        }
    }
}
