package dev.simsnap.registry.client;

import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/** Picks the {@link SchemaRegistry} implementation a config asks for. */
public final class SchemaRegistries {

    /** The URL scheme selecting {@link InMemorySchemaRegistry}: {@code mock://<scope>}. */
    public static final String MOCK_SCHEME = "mock://";

    private SchemaRegistries() {
    }

    /**
     * {@code schema.registry.url=mock://<scope>} → the scope's shared {@link InMemorySchemaRegistry};
     * any http(s) URL list → {@link RestSchemaRegistryClient#fromConfig}. Mixing both is an error.
     *
     * @throws ConfigException when the URL is missing or mixes mock and real URLs
     */
    public static SchemaRegistry fromConfig(Map<String, ?> config) {
        String urls = RegistryClientConfig.string(config, RegistryClientConfig.URL);
        if (urls == null) {
            throw new ConfigException(RegistryClientConfig.URL, null, "is required");
        }
        String scope = mockScope(urls);
        return scope == null ? RestSchemaRegistryClient.fromConfig(config) : InMemorySchemaRegistry.forScope(scope);
    }

    /** The scope when {@code urls} is a {@code mock://} URL, null when it names no mock URL. */
    static String mockScope(String urls) {
        String[] parts = urls.split(",");
        String scope = null;
        int mocks = 0;
        for (String p : parts) {
            String u = p.trim();
            if (u.toLowerCase(Locale.ROOT).startsWith(MOCK_SCHEME)) {
                mocks++;
                scope = u.substring(MOCK_SCHEME.length());
            }
        }
        if (mocks > 0 && mocks != parts.length || mocks > 1) {
            throw new ConfigException(RegistryClientConfig.URL, urls, "a mock:// URL must be the only URL");
        }
        return scope;
    }
}
