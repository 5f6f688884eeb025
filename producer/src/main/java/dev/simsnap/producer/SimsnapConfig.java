package dev.simsnap.producer;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Worker configuration: Kafka client properties (passed through unchanged, security settings included), the
 * registry URL, and simsnap's own {@code simsnap.*} keys.
 *
 * <p>Sources, later ones win: a properties file, then environment variables, then values given in code (or on the
 * command line). Environment mapping:
 * <ul>
 *   <li>{@code SIMSNAP_BOOTSTRAP_SERVERS} → {@code bootstrap.servers}, {@code SIMSNAP_SCHEMA_REGISTRY_URL} →
 *       {@code schema.registry.url}, {@code SIMSNAP_TOPIC_PARTITIONS} → {@code simsnap.topic.partitions},
 *       {@code SIMSNAP_TOPIC_REPLICATION_FACTOR} → {@code simsnap.topic.replication.factor},
 *       {@code SIMSNAP_CREATE_TOPICS} → {@code simsnap.topics.create};</li>
 *   <li>{@code KAFKA_<NAME>} → any client property: lower-cased, {@code ___} → {@code -}, {@code __} → {@code _},
 *       {@code _} → {@code .} (e.g. {@code KAFKA_SECURITY_PROTOCOL} → {@code security.protocol});</li>
 *   <li>{@code SIMSNAP_CONFIG_FILE}: a properties file read before the other variables.</li>
 * </ul>
 */
public final class SimsnapConfig {

    /** Kafka bootstrap servers. */
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    /** Schema registry base URL(s), comma-separated; {@code mock://scope} selects the in-memory registry. */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    /** Partitions of simsnap.deltas and simsnap.generations when this worker creates them (default 6). */
    public static final String TOPIC_PARTITIONS = "simsnap.topic.partitions";
    /** Replication factor of created topics (default: {@code min(3, brokers)}, see dev.simsnap.topic.Replication). */
    public static final String TOPIC_REPLICATION_FACTOR = "simsnap.topic.replication.factor";
    /** {@code false} to skip topic creation (the topics must then exist). Default true. */
    public static final String CREATE_TOPICS = "simsnap.topics.create";
    /** Prefix of simsnap's own keys; they are never handed to Kafka clients. */
    public static final String OWN_PREFIX = "simsnap.";

    private SimsnapConfig() {
    }

    /** Reads a properties file (UTF-8). */
    public static Properties load(Path file) {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        return props;
    }

    /** The properties the given environment variables stand for (see class comment), file first. */
    public static Properties fromEnvironment(Map<String, String> env) {
        Properties props = new Properties();
        String file = env.get("SIMSNAP_CONFIG_FILE");
        if (file != null && !file.isBlank()) {
            props.putAll(load(Path.of(file)));
        }
        env.forEach((name, value) -> {
            String key = keyFor(name);
            if (key != null) {
                props.setProperty(key, value);
            }
        });
        return props;
    }

    static String keyFor(String variable) {
        switch (variable) {
            case "SIMSNAP_BOOTSTRAP_SERVERS": return BOOTSTRAP_SERVERS;
            case "SIMSNAP_SCHEMA_REGISTRY_URL": return SCHEMA_REGISTRY_URL;
            case "SIMSNAP_TOPIC_PARTITIONS": return TOPIC_PARTITIONS;
            case "SIMSNAP_TOPIC_REPLICATION_FACTOR": return TOPIC_REPLICATION_FACTOR;
            case "SIMSNAP_CREATE_TOPICS": return CREATE_TOPICS;
            default:
                break;
        }
        // KAFKA_HEAP_OPTS and friends belong to Kafka's shell scripts, not to clients.
        if (variable.startsWith("KAFKA_") && variable.length() > 6 && !variable.endsWith("_OPTS")) {
            return variable.substring(6).toLowerCase(Locale.ROOT)
                    .replace("___", "\u0000").replace("__", "\u0001").replace('_', '.')
                    .replace('\u0000', '-').replace('\u0001', '_');
        }
        return null;
    }

    /** {@code all} without simsnap's own keys: what Kafka clients and serdes receive. */
    static Properties clientProperties(Properties all) {
        Properties client = new Properties();
        for (String key : all.stringPropertyNames()) {
            if (!key.startsWith(OWN_PREFIX)) {
                client.setProperty(key, all.getProperty(key));
            }
        }
        return client;
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
