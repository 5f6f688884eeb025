package dev.simsnap.producer.cli;

import dev.simsnap.connection.ClientConfig;
import dev.simsnap.connection.ClientOptions;
import dev.simsnap.producer.SimsnapConfig;
import java.util.Properties;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Connection options of the producer commands (a picocli mixin): the shared client options
 * ({@code --client-config}, {@code -X}, {@code --bootstrap-servers}, {@code --schema-registry-url}; precedence in
 * {@link dev.simsnap.connection.ClientConfigSources}) plus {@code --partitions}, which wins over all of them.
 */
public final class ConnectionOptions {

    @Mixin
    ClientOptions client;

    @Option(names = "--partitions", paramLabel = "N",
            description = "Partitions of created topics (default 6; existing topics are left alone).")
    Integer partitions;

    /** The merged configuration. */
    public Properties resolve() {
        ClientConfig config = client.resolve();
        if (partitions != null) {
            config = config.with(SimsnapConfig.TOPIC_PARTITIONS, String.valueOf(partitions));
        }
        return config.toProperties();
    }
}
