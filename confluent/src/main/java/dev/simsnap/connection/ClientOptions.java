package dev.simsnap.connection;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The client-configuration options every {@code simsnap} command takes (a picocli mixin): {@code --client-config},
 * {@code -X key=value}, {@code --bootstrap-servers}, {@code --schema-registry-url}. {@link #resolve} merges them
 * with the environment in {@link ClientConfigSources}'s order.
 */
public final class ClientOptions {

    @Option(names = {"--client-config", "--config"}, paramLabel = "FILE",
            description = "Properties file: Kafka client settings (security.protocol, sasl.*, ssl.*, ...), registry "
                    + "client settings (basic.auth.*, bearer.auth.*, schema.registry.ssl.*) and simsnap.* keys.")
    Path configFile;

    @Option(names = {"-X", "--property"}, paramLabel = "KEY=VALUE",
            description = "Any Kafka client or registry client property, e.g. -X security.protocol=SASL_SSL.")
    Map<String, String> properties = new LinkedHashMap<>();

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers (env SIMSNAP_BOOTSTRAP_SERVERS).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL",
            description = "Schema registry URL (env SIMSNAP_SCHEMA_REGISTRY_URL).")
    String schemaRegistryUrl;

    /** The merged configuration, with this process's environment. */
    public ClientConfig resolve() {
        return resolve(System.getenv());
    }

    /** The merged configuration, with {@code env} as the environment. */
    public ClientConfig resolve(Map<String, String> env) {
        Map<String, String> dedicated = new HashMap<>();
        dedicated.put(ClientConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        dedicated.put(ClientConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl);
        return ClientConfigSources.resolve(configFile, env, properties, dedicated);
    }
}
