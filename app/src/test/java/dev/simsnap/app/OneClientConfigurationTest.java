package dev.simsnap.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Product code names the bootstrap servers in one place, {@code dev.simsnap.connection.ClientConfig}: a client
 * configured anywhere else would be built from the address alone, without the security settings. The embedded broker
 * (devstack, the thing clients connect to) and the benchmarks (which build their own clients on their own broker)
 * are outside the rule.
 */
class OneClientConfigurationTest {

    private static final Pattern BOOTSTRAP = Pattern.compile("BOOTSTRAP_SERVERS_CONFIG|\"bootstrap\\.servers\"");
    private static final Path CLIENT_CONFIG =
            Path.of("confluent/src/main/java/dev/simsnap/connection/ClientConfig.java");

    @Test
    void onlyClientConfigNamesTheBootstrapServers() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(m -> Files.isDirectory(m.resolve("src/main/java"))).toList()) {
                String name = module.getFileName().toString();
                if (name.equals("devstack") || name.equals("bench")) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(module.resolve("src/main/java"))) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                        if (!root.relativize(f).equals(CLIENT_CONFIG)
                                && BOOTSTRAP.matcher(Files.readString(f)).find()) {
                            offenders.add(root.relativize(f).toString());
                        }
                    }
                }
            }
        }
        assertThat(root.resolve(CLIENT_CONFIG)).exists();
        assertThat(offenders).as("main sources naming bootstrap.servers outside ClientConfig").isEmpty();
    }
}
