package dev.simsnap.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Sources and precedence of the client configuration, and what each client gets from it. */
class ClientConfigTest {

    @Test
    void environmentMapsKafkaRegistryAndSimsnapVariables() {
        Map<String, String> p = ClientConfigSources.fromEnvironment(Map.of(
                "SIMSNAP_BOOTSTRAP_SERVERS", "b:9092",
                "SIMSNAP_SCHEMA_REGISTRY_URL", "http://r:8081",
                "SIMSNAP_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "u:p",
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_JAAS_CONFIG", "jaas",
                "KAFKA_SASL_LOGIN__CALLBACK___X", "y",
                "KAFKA_HEAP_OPTS", "-Xmx1g",
                "SIMSNAP_TRANSACTIONAL_ID_PREFIX", "lab:",
                "SIMSNAP_WRITE_TOKEN", "t",
                "HOME", "/root"));
        assertThat(p).containsOnly(
                Map.entry("bootstrap.servers", "b:9092"),
                Map.entry("schema.registry.url", "http://r:8081"),
                Map.entry("schema.registry.basic.auth.user.info", "u:p"),
                Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.jaas.config", "jaas"),
                Map.entry("sasl.login_callback-x", "y"),
                Map.entry("simsnap.transactional.id.prefix", "lab:"),
                Map.entry("simsnap.http.write.token", "t"));
    }

    @Test
    void simsnapKafkaVariablesWinOverKafkaVariables() {
        Map<String, String> p = ClientConfigSources.fromEnvironment(Map.of(
                "KAFKA_SECURITY_PROTOCOL", "SSL", "SIMSNAP_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_BOOTSTRAP_SERVERS", "k:1", "SIMSNAP_BOOTSTRAP_SERVERS", "s:2"));
        assertThat(p).containsOnly(Map.entry("security.protocol", "SASL_SSL"), Map.entry("bootstrap.servers", "s:2"));
    }

    @Test
    void precedenceIsEnvFileThenFileThenEnvironmentThenPropertiesThenDedicatedOptions(@TempDir Path dir)
            throws Exception {
        Path envFile = dir.resolve("env.properties");
        Files.writeString(envFile, "a=envfile\nb=envfile\nc=envfile\nd=envfile\ne=envfile\n");
        Path file = dir.resolve("cli.properties");
        Files.writeString(file, "b=file\nc=file\nd=file\ne=file\n");
        Map<String, String> env = Map.of("SIMSNAP_CONFIG_FILE", envFile.toString(), "KAFKA_C", "env", "KAFKA_D", "env",
                "KAFKA_E", "env");
        Map<String, String> dedicated = new HashMap<>();
        dedicated.put("e", "dedicated");
        dedicated.put("f", null);
        ClientConfig c = ClientConfigSources.resolve(file, env, Map.of("d", "x", "e", "x"), dedicated);
        assertThat(c.asMap()).containsOnly(Map.entry("a", "envfile"), Map.entry("b", "file"), Map.entry("c", "env"),
                Map.entry("d", "x"), Map.entry("e", "dedicated"));
    }

    @Command(name = "t")
    static final class Cmd implements Runnable {
        @Mixin
        ClientOptions client;

        @Override
        public void run() {
        }
    }

    @Test
    void commandLineOptionsResolveThroughTheSameOrder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.properties");
        Files.writeString(file, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nbootstrap.servers=f:1\n");
        Cmd cmd = new Cmd();
        new CommandLine(cmd).parseArgs("--client-config", file.toString(), "-X", "sasl.mechanism=SCRAM-SHA-256",
                "--bootstrap-servers", "cli:9", "-X", "bootstrap.servers=x:1");
        ClientConfig c = cmd.client.resolve(Map.of("KAFKA_CLIENT_RACK", "r1", "KAFKA_SASL_MECHANISM", "GSSAPI"));
        assertThat(c.asMap()).containsOnly(Map.entry("security.protocol", "SASL_PLAINTEXT"),
                Map.entry("sasl.mechanism", "SCRAM-SHA-256"), Map.entry("bootstrap.servers", "cli:9"),
                Map.entry("client.rack", "r1"));
    }

    @Test
    void clientsGetEverythingButSimsnapKeysWithTheirOwnSettingsOnTop() {
        ClientConfig c = ClientConfig.of(Map.of("bootstrap.servers", "b:1", "security.protocol", "SSL",
                "schema.registry.url", "http://r", "isolation.level", "read_uncommitted",
                "simsnap.topic.partitions", "3", "group.id", "theirs"));
        Map<String, Object> own = new HashMap<>();
        own.put("isolation.level", "read_committed");
        own.put("group.id", null);
        assertThat(c.kafka(own)).containsOnly(Map.entry("bootstrap.servers", "b:1"),
                Map.entry("security.protocol", "SSL"), Map.entry("schema.registry.url", "http://r"),
                Map.entry("isolation.level", "read_committed"));
        assertThat(c.registry(Map.of("specific.avro.reader", true))).containsEntry("schema.registry.url", "http://r")
                .containsEntry("specific.avro.reader", true).doesNotContainKey("simsnap.topic.partitions");
        assertThat(c.toProperties()).containsKey("simsnap.topic.partitions");
    }

    @Test
    void missingAddressesNameEveryWayToSetThem() {
        assertThatThrownBy(() -> ClientConfig.empty().kafka()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bootstrap.servers' is required").hasMessageContaining("SIMSNAP_BOOTSTRAP_SERVERS")
                .hasMessageContaining("--client-config");
        assertThatThrownBy(() -> ClientConfig.of("b:1", null).registry())
                .hasMessageContaining("'schema.registry.url' is required");
    }

    @Test
    void transactionalIdsCarryTheConfiguredPrefix() {
        assertThat(ClientConfig.empty().transactionalId("r1", "w0")).isEqualTo("simsnap-r1-w0");
        assertThat(ClientConfig.empty().with(ClientConfig.TRANSACTIONAL_ID_PREFIX, "gw-a:")
                .transactionalId("r1", "w0")).isEqualTo("gw-a:r1-w0");
    }

    @Test
    void toStringShowsKeysNeverValues() {
        assertThat(ClientConfig.of(Map.of("sasl.jaas.config", "password=\"s3cret\"")).toString())
                .contains("sasl.jaas.config").doesNotContain("s3cret");
    }
}
