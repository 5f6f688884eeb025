package dev.simsnap.connection;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where a {@link ClientConfig} comes from, and which source wins. Every entry point (the {@code simsnap} commands,
 * {@code up}, the gateway, the snapshot service, the registry, the worker library) resolves its configuration here,
 * so they all take it the same way. Sources, later ones win:
 * <ol>
 *   <li>the properties file named by env {@code SIMSNAP_CONFIG_FILE};</li>
 *   <li>the properties file given on the command line ({@code --client-config FILE}) or in code;</li>
 *   <li>environment variables (below);</li>
 *   <li>{@code -X key=value} on the command line, or properties set in code;</li>
 *   <li>dedicated options such as {@code --bootstrap-servers} and {@code --schema-registry-url}.</li>
 * </ol>
 *
 * <p>Environment variables:
 * <ul>
 *   <li>{@code KAFKA_<NAME>} and {@code SIMSNAP_KAFKA_<NAME>} → Kafka client property {@code <name>}: lower-cased,
 *       {@code ___} → {@code -}, {@code __} → {@code _}, {@code _} → {@code .} (e.g.
 *       {@code KAFKA_SECURITY_PROTOCOL} → {@code security.protocol}, {@code KAFKA_SASL_JAAS_CONFIG} →
 *       {@code sasl.jaas.config}); names ending in {@code _OPTS} belong to Kafka's scripts and are skipped;
 *       {@code SIMSNAP_KAFKA_*} wins over {@code KAFKA_*} for the same key;</li>
 *   <li>{@code SIMSNAP_SCHEMA_REGISTRY_<NAME>} → {@code schema.registry.<name>}, same spelling rules (e.g.
 *       {@code SIMSNAP_SCHEMA_REGISTRY_URL} → {@code schema.registry.url},
 *       {@code SIMSNAP_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO} → {@code schema.registry.basic.auth.user.info},
 *       {@code SIMSNAP_SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION} → {@code schema.registry.ssl.truststore.location});</li>
 *   <li>{@code SIMSNAP_BOOTSTRAP_SERVERS} → {@code bootstrap.servers} (wins over {@code KAFKA_BOOTSTRAP_SERVERS});</li>
 *   <li>{@code SIMSNAP_TRANSACTIONAL_ID_PREFIX} → {@value ClientConfig#TRANSACTIONAL_ID_PREFIX},
 *       {@code SIMSNAP_TOPIC_PARTITIONS} → {@code simsnap.topic.partitions},
 *       {@code SIMSNAP_TOPIC_REPLICATION_FACTOR} → {@code simsnap.topic.replication.factor},
 *       {@code SIMSNAP_CREATE_TOPICS} → {@code simsnap.topics.create};</li>
 *   <li>{@code SIMSNAP_WRITE_TOKEN}, {@code SIMSNAP_READ_TOKEN}, {@code SIMSNAP_WRITE_USER_INFO},
 *       {@code SIMSNAP_READ_USER_INFO} → the HTTP credentials of simsnap's servers
 *       ({@link dev.simsnap.access.HttpAccess}).</li>
 * </ul>
 */
public final class ClientConfigSources {

    /** Env variable naming a properties file read first. */
    public static final String CONFIG_FILE_VARIABLE = "SIMSNAP_CONFIG_FILE";

    private static final Map<String, String> NAMED = Map.of(
            "SIMSNAP_BOOTSTRAP_SERVERS", ClientConfig.BOOTSTRAP_SERVERS,
            "SIMSNAP_TRANSACTIONAL_ID_PREFIX", ClientConfig.TRANSACTIONAL_ID_PREFIX,
            "SIMSNAP_TOPIC_PARTITIONS", "simsnap.topic.partitions",
            "SIMSNAP_TOPIC_REPLICATION_FACTOR", "simsnap.topic.replication.factor",
            "SIMSNAP_CREATE_TOPICS", "simsnap.topics.create",
            "SIMSNAP_WRITE_TOKEN", "simsnap.http.write.token",
            "SIMSNAP_READ_TOKEN", "simsnap.http.read.token",
            "SIMSNAP_WRITE_USER_INFO", "simsnap.http.write.user.info",
            "SIMSNAP_READ_USER_INFO", "simsnap.http.read.user.info");

    private ClientConfigSources() {
    }

    /**
     * Merges the sources in the order of the class comment.
     *
     * @param file      the file given on the command line or in code, or null
     * @param env       environment variables (an empty map ignores the environment)
     * @param overrides {@code -X} properties or properties set in code
     * @param dedicated dedicated options (null values mean "not given")
     * @throws UncheckedIOException when a named file cannot be read
     */
    public static ClientConfig resolve(Path file, Map<String, String> env, Map<?, ?> overrides,
                                       Map<String, String> dedicated) {
        Map<String, String> all = new HashMap<>();
        String envFile = env.get(CONFIG_FILE_VARIABLE);
        if (envFile != null && !envFile.isBlank()) {
            all.putAll(load(Path.of(envFile.trim())));
        }
        if (file != null) {
            all.putAll(load(file));
        }
        all.putAll(fromEnvironment(env));
        overrides.forEach((k, v) -> all.put(String.valueOf(k), String.valueOf(v)));
        dedicated.forEach((k, v) -> {
            if (v != null) {
                all.put(k, v);
            }
        });
        return ClientConfig.of(all);
    }

    /** {@link #resolve(Path, Map, Map, Map)} without a file or dedicated options. */
    public static ClientConfig resolve(Map<String, String> env, Map<?, ?> overrides) {
        return resolve(null, env, overrides, Map.of());
    }

    /** Reads a properties file (UTF-8). */
    public static Map<String, String> load(Path file) {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> out = new HashMap<>();
        props.stringPropertyNames().forEach(k -> out.put(k, props.getProperty(k)));
        return out;
    }

    /**
     * The settings the given environment variables stand for (see the class comment; the file variable is not
     * read here). {@code SIMSNAP_*} variables win over {@code KAFKA_*} ones naming the same key.
     */
    public static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> kafka = new TreeMap<>();
        Map<String, String> simsnap = new TreeMap<>();
        env.forEach((name, value) -> {
            if (value == null) {
                return;
            }
            String named = NAMED.get(name);
            if (named != null) {
                simsnap.put(named, value);
            } else if (name.startsWith("SIMSNAP_KAFKA_")) {
                putMapped(simsnap, name.substring("SIMSNAP_KAFKA_".length()), "", value);
            } else if (name.startsWith("SIMSNAP_SCHEMA_REGISTRY_")) {
                putMapped(simsnap, name.substring("SIMSNAP_SCHEMA_REGISTRY_".length()), "schema.registry.", value);
            } else if (name.startsWith("KAFKA_")) {
                putMapped(kafka, name.substring("KAFKA_".length()), "", value);
            }
        });
        Map<String, String> out = new HashMap<>(kafka);
        out.putAll(simsnap);
        return out;
    }

    /** {@code SECURITY_PROTOCOL} → {@code security.protocol} ({@code ___} → {@code -}, {@code __} → {@code _}). */
    static String propertyName(String rest) {
        return rest.toLowerCase(Locale.ROOT)
                .replace("___", "\u0000").replace("__", "\u0001").replace('_', '.')
                .replace('\u0000', '-').replace('\u0001', '_');
    }

    private static void putMapped(Map<String, String> into, String rest, String prefix, String value) {
        // KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS and friends configure Kafka's scripts, not clients.
        if (rest.isEmpty() || rest.endsWith("_OPTS")) {
            return;
        }
        into.put(prefix + propertyName(rest), value);
    }
}
