package dev.simsnap.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker builder's config sources and their precedence: file &lt; environment &lt; code. */
class SimsnapConfigTest {

    @Test
    void codeOverridesEnvironmentOverridesFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("w.properties");
        Files.writeString(file, "bootstrap.servers=file:1\nlinger.ms=5\nclient.rack=file\n");
        Properties all = SimsnapWorker.builder().configFile(file)
                .environment(Map.of("SIMSNAP_BOOTSTRAP_SERVERS", "env:2", "KAFKA_CLIENT_RACK", "env",
                        "KAFKA_SECURITY_PROTOCOL", "SASL_SSL"))
                .property("client.rack", "code").resolvedConfig();
        assertThat(all.getProperty("bootstrap.servers")).isEqualTo("env:2");
        assertThat(all.getProperty("linger.ms")).isEqualTo("5");
        assertThat(all.getProperty("client.rack")).isEqualTo("code");
        assertThat(all.getProperty("security.protocol")).isEqualTo("SASL_SSL");
    }
}
