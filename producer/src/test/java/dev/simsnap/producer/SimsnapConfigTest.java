package dev.simsnap.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config sources and their precedence: file &lt; environment &lt; code. */
class SimsnapConfigTest {

    @Test
    void environmentMapsSimsnapAndKafkaVariables() {
        Properties p = SimsnapConfig.fromEnvironment(Map.of("SIMSNAP_BOOTSTRAP_SERVERS", "b:9092",
                "SIMSNAP_SCHEMA_REGISTRY_URL", "http://r:8081", "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_JAAS__CONFIG", "x", "KAFKA_HEAP_OPTS", "-Xmx1g", "HOME", "/root"));
        assertThat(p).containsOnly(Map.entry("bootstrap.servers", "b:9092"),
                Map.entry("schema.registry.url", "http://r:8081"), Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.jaas_config", "x"));
    }

    @Test
    void codeOverridesEnvironmentOverridesFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("w.properties");
        Files.writeString(file, "bootstrap.servers=file:1\nlinger.ms=5\nclient.rack=file\n");
        Properties all = SimsnapWorker.builder().configFile(file)
                .environment(Map.of("SIMSNAP_BOOTSTRAP_SERVERS", "env:2", "KAFKA_CLIENT_RACK", "env"))
                .property("client.rack", "code").resolvedConfig();
        assertThat(all.getProperty("bootstrap.servers")).isEqualTo("env:2");
        assertThat(all.getProperty("linger.ms")).isEqualTo("5");
        assertThat(all.getProperty("client.rack")).isEqualTo("code");
        assertThat(SimsnapConfig.clientProperties(new Properties() {{
                setProperty("simsnap.topic.partitions", "3");
                setProperty("acks", "all");
            }})).containsOnlyKeys("acks");
    }
}
