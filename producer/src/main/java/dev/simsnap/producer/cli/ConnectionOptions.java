package dev.simsnap.producer.cli;

import dev.simsnap.producer.SimsnapConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Connection options shared by the producer commands (a picocli mixin). Precedence, later wins: {@code --config}
 * file, environment ({@code SIMSNAP_*}, {@code KAFKA_*}, see {@link SimsnapConfig}), {@code -X key=value}, the
 * dedicated options.
 */
public final class ConnectionOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers (env SIMSNAP_BOOTSTRAP_SERVERS).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL",
            description = "Schema registry URL (env SIMSNAP_SCHEMA_REGISTRY_URL).")
    String schemaRegistryUrl;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file (Kafka client and simsnap.* keys).")
    Path configFile;

    @Option(names = {"-X", "--property"}, paramLabel = "KEY=VALUE",
            description = "Any Kafka client or serde property, e.g. -X security.protocol=SSL.")
    Map<String, String> properties = new LinkedHashMap<>();

    @Option(names = "--partitions", paramLabel = "N",
            description = "Partitions of created topics (default 6; existing topics are left alone).")
    Integer partitions;

    /** The merged configuration. */
    public Properties resolve() {
        Properties all = new Properties();
        if (configFile != null) {
            all.putAll(SimsnapConfig.load(configFile));
        }
        all.putAll(SimsnapConfig.fromEnvironment(System.getenv()));
        all.putAll(properties);
        if (bootstrapServers != null) {
            all.setProperty(SimsnapConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        }
        if (schemaRegistryUrl != null) {
            all.setProperty(SimsnapConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl);
        }
        if (partitions != null) {
            all.setProperty(SimsnapConfig.TOPIC_PARTITIONS, String.valueOf(partitions));
        }
        return all;
    }
}
