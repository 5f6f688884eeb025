package dev.simsnap.connection;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The one client configuration of a simsnap process: every Kafka client it creates (producers, consumers, admin
 * clients, Streams) and every schema registry client is built from the same properties, so a setting such as
 * {@code security.protocol=SASL_SSL} or {@code basic.auth.user.info} reaches all of them.
 *
 * <p>Three kinds of keys live side by side, spelled as their owners spell them:
 * <ul>
 *   <li>Kafka client properties ({@code bootstrap.servers}, {@code security.protocol}, {@code sasl.*},
 *       {@code ssl.*}, ...), handed to every Kafka client;</li>
 *   <li>registry client properties, Confluent-named ({@code schema.registry.url}, {@code basic.auth.*},
 *       {@code bearer.auth.*}, {@code schema.registry.ssl.*}, see
 *       {@link dev.simsnap.registry.client.RegistryClientConfig}); Kafka clients ignore them;</li>
 *   <li>simsnap's own keys ({@code simsnap.*}), read by simsnap and never handed to a client.</li>
 * </ul>
 *
 * <p>{@link #kafka(Map)} and {@link #registry(Map)} build the map one client gets: every key but the
 * {@code simsnap.*} ones, then the component's own settings on top (a component's settings win, since they carry
 * its semantics: serializers, isolation level, transactional id; a null value removes a key). Where the keys come
 * from, and in which order, is {@link ClientConfigSources}'s job. Immutable.
 */
public final class ClientConfig {

    /** Kafka bootstrap servers. */
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    /** Schema registry base URL(s), comma-separated; {@code mock://scope} selects the in-memory registry. */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    /**
     * The prefix of the transactional ids this process's workers use: a worker's id is
     * {@code <prefix><run>-<worker>}. Default {@value #DEFAULT_TRANSACTIONAL_ID_PREFIX}. Give each Kafka principal
     * its own prefix and an ACL on it ({@code --resource-pattern-type prefixed}) so that only that principal's
     * workers can fence each other.
     */
    public static final String TRANSACTIONAL_ID_PREFIX = "simsnap.transactional.id.prefix";
    /** The prefix a library worker uses unless configured otherwise. */
    public static final String DEFAULT_TRANSACTIONAL_ID_PREFIX = "simsnap-";
    /** Prefix of simsnap's own keys; they are never handed to Kafka or registry clients. */
    public static final String OWN_PREFIX = "simsnap.";

    private static final ClientConfig EMPTY = new ClientConfig(Map.of());

    private final Map<String, String> values;

    private ClientConfig(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /** No settings at all. */
    public static ClientConfig empty() {
        return EMPTY;
    }

    /** The given settings (keys and values as text; null values are skipped). */
    public static ClientConfig of(Map<?, ?> settings) {
        Map<String, String> copy = new HashMap<>();
        settings.forEach((k, v) -> {
            if (k != null && v != null) {
                copy.put(String.valueOf(k), String.valueOf(v));
            }
        });
        return new ClientConfig(copy);
    }

    /** Just the two addresses: {@code bootstrap.servers} and {@code schema.registry.url} (either may be null). */
    public static ClientConfig of(String bootstrapServers, String schemaRegistryUrl) {
        return empty().with(BOOTSTRAP_SERVERS, bootstrapServers).with(SCHEMA_REGISTRY_URL, schemaRegistryUrl);
    }

    /** A copy with {@code key} set to {@code value}; a null value removes the key. */
    public ClientConfig with(String key, String value) {
        Objects.requireNonNull(key, "key");
        Map<String, String> copy = new HashMap<>(values);
        if (value == null) {
            copy.remove(key);
        } else {
            copy.put(key, value);
        }
        return new ClientConfig(copy);
    }

    /** A copy with every entry of {@code settings} set over this one's (null values remove). */
    public ClientConfig withAll(Map<?, ?> settings) {
        Map<String, String> copy = new HashMap<>(values);
        settings.forEach((k, v) -> {
            if (v == null) {
                copy.remove(String.valueOf(k));
            } else {
                copy.put(String.valueOf(k), String.valueOf(v));
            }
        });
        return new ClientConfig(copy);
    }

    /** A copy with {@code key} set to {@code value} only where this one has no value for it. */
    public ClientConfig withDefault(String key, String value) {
        return values.containsKey(key) ? this : with(key, value);
    }

    /** The value of {@code key}, if set and not blank. */
    public Optional<String> get(String key) {
        String v = values.get(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    /**
     * {@code bootstrap.servers}.
     *
     * @throws IllegalArgumentException when not set, naming the ways to set it
     */
    public String bootstrapServers() {
        return required(BOOTSTRAP_SERVERS, "SIMSNAP_BOOTSTRAP_SERVERS", "--bootstrap-servers");
    }

    /**
     * {@code schema.registry.url}.
     *
     * @throws IllegalArgumentException when not set, naming the ways to set it
     */
    public String registryUrl() {
        return required(SCHEMA_REGISTRY_URL, "SIMSNAP_SCHEMA_REGISTRY_URL", "--schema-registry-url");
    }

    /**
     * The properties of one Kafka client: every setting but the {@code simsnap.*} ones, then {@code component}'s
     * entries on top (null values remove a key). A new mutable map on each call.
     *
     * @throws IllegalArgumentException when {@code bootstrap.servers} is not set
     */
    public Map<String, Object> kafka(Map<String, ?> component) {
        bootstrapServers();
        return overlay(component);
    }

    /** {@link #kafka(Map)} without component settings. */
    public Map<String, Object> kafka() {
        return kafka(Map.of());
    }

    /** {@link #kafka(Map)} as {@link Properties}, for clients and builders that take them. */
    public Properties kafkaProperties(Map<String, ?> component) {
        Properties p = new Properties();
        p.putAll(kafka(component));
        return p;
    }

    /**
     * The configs of a registry client or an Avro serde: every setting but the {@code simsnap.*} ones (the registry
     * client reads the keys it knows), then {@code component}'s entries on top (e.g. serde options).
     *
     * @throws IllegalArgumentException when {@code schema.registry.url} is not set
     */
    public Map<String, Object> registry(Map<String, ?> component) {
        registryUrl();
        return overlay(component);
    }

    /** {@link #registry(Map)} without component settings. */
    public Map<String, Object> registry() {
        return registry(Map.of());
    }

    /** The transactional id of a run's worker: {@code <prefix><run>-<worker>} (see {@link #TRANSACTIONAL_ID_PREFIX}). */
    public String transactionalId(String runId, String workerId) {
        return transactionalIdPrefix() + runId + "-" + workerId;
    }

    /** The configured {@link #TRANSACTIONAL_ID_PREFIX}, or {@value #DEFAULT_TRANSACTIONAL_ID_PREFIX}. */
    public String transactionalIdPrefix() {
        String p = values.get(TRANSACTIONAL_ID_PREFIX);
        return p == null || p.isBlank() ? DEFAULT_TRANSACTIONAL_ID_PREFIX : p.trim();
    }

    /** Every setting, simsnap's own included, as a new {@link Properties}. */
    public Properties toProperties() {
        Properties p = new Properties();
        p.putAll(values);
        return p;
    }

    /** Every setting, simsnap's own included (unmodifiable, sorted by key). */
    public Map<String, String> asMap() {
        return values;
    }

    /** Keys only: values may be secrets. */
    @Override
    public String toString() {
        return "ClientConfig" + values.keySet();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientConfig other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    private Map<String, Object> overlay(Map<String, ?> component) {
        Map<String, Object> out = new HashMap<>();
        values.forEach((k, v) -> {
            if (!k.startsWith(OWN_PREFIX)) {
                out.put(k, v);
            }
        });
        component.forEach((k, v) -> {
            if (v == null) {
                out.remove(k);
            } else {
                out.put(k, v);
            }
        });
        return out;
    }

    private String required(String key, String env, String option) {
        return get(key).orElseThrow(() -> new IllegalArgumentException("config '" + key + "' is required (set it with "
                + option + ", env " + env + ", -X " + key + "=... or a --client-config file)"));
    }
}
