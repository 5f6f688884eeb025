package dev.simsnap.registry.client;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * Registry client config keys, spelled as Confluent spells them, so producer/consumer/Streams configs written
 * for Confluent's serdes work unchanged. Every key but {@link #URL} is also read with the {@code schema.registry.}
 * prefix (e.g. {@code schema.registry.basic.auth.user.info}); the unprefixed key wins when both are set.
 */
public final class RegistryClientConfig {

    /** Comma-separated base URLs; {@code mock://<scope>} selects {@link InMemorySchemaRegistry}. Required. */
    public static final String URL = "schema.registry.url";
    /** {@code URL} (default: user info from the URL, if any) or {@code USER_INFO}. */
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    /** {@code user:password}, with source {@code USER_INFO}. */
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    /** {@code STATIC_TOKEN} is the only source supported. */
    public static final String BEARER_AUTH_CREDENTIALS_SOURCE = "bearer.auth.credentials.source";
    /** The static bearer token. */
    public static final String BEARER_AUTH_TOKEN = "bearer.auth.token";
    /** Sent as header {@code target-sr-cluster} with bearer auth (Confluent Cloud), when set. */
    public static final String BEARER_AUTH_LOGICAL_CLUSTER = "bearer.auth.logical.cluster";
    /** Sent as header {@code Confluent-Identity-Pool-Id} with bearer auth, when set. */
    public static final String BEARER_AUTH_IDENTITY_POOL_ID = "bearer.auth.identity.pool.id";
    /** Retries after the first try, on IO errors and retryable statuses. Default 3. */
    public static final String MAX_RETRIES = "max.retries";
    /** Backoff before the first retry; doubles per retry. Default 1000 ms. */
    public static final String RETRIES_WAIT_MS = "retries.wait.ms";
    /** Upper bound of a backoff. Default 2000 ms. */
    public static final String RETRIES_MAX_WAIT_MS = "retries.max.wait.ms";
    /** Connect timeout. Default 60000 ms. */
    public static final String HTTP_CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
    /** Whole-request timeout. Default 60000 ms. */
    public static final String HTTP_READ_TIMEOUT_MS = "http.read.timeout.ms";
    /** Capacity of each client cache (entries, LRU). Default 1000. */
    public static final String MAX_SCHEMAS_PER_SUBJECT = "max.schemas.per.subject";

    static final String PREFIX = "schema.registry.";

    private RegistryClientConfig() {
    }

    /** The value of {@code key} (or {@code schema.registry.<key>}) as text, or null. */
    static String string(Map<String, ?> config, String key) {
        Object value = config.get(key);
        if (value == null && !key.startsWith(PREFIX)) {
            value = config.get(PREFIX + key);
        }
        if (value == null) {
            return null;
        }
        if (value instanceof java.util.Collection<?> list) {
            return String.join(",", list.stream().map(String::valueOf).toList());
        }
        String text = String.valueOf(value).trim();
        return text.isEmpty() ? null : text;
    }

    static int integer(Map<String, ?> config, String key, int defaultValue) {
        String text = string(config, key);
        if (text == null) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(text);
            if (value < 0) {
                throw new ConfigException(key, text, "must be >= 0");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ConfigException(key, text, "not an integer");
        }
    }
}
