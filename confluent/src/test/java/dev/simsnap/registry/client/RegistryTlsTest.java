package dev.simsnap.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry client with {@code schema.registry.ssl.truststore.*} talks to an https registry whose self-signed
 * certificate (made by the JDK's keytool) only that truststore trusts; without it the handshake fails.
 */
class RegistryTlsTest {

    @TempDir
    static Path dir;
    private static HttpsServer server;
    private static Path truststore;

    // Once per class: keytool's RSA key generation costs seconds on a small machine.
    @BeforeAll
    static void serveHttps() throws Exception {
        Path keystore = dir.resolve("server.p12");
        Path cert = dir.resolve("server.cer");
        truststore = dir.resolve("trust.p12");
        keytool("-genkeypair", "-alias", "registry", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "serverpass", "-keypass", "serverpass");
        keytool("-exportcert", "-alias", "registry", "-keystore", keystore.toString(), "-storepass", "serverpass",
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "registry", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", truststore.toString(), "-storepass", "trustpass");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keystore)) {
            ks.load(in, "serverpass".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "serverpass".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/subjects", exchange -> {
            byte[] body = "[\"over-tls\"]".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", RestSchemaRegistryClient.MEDIA_TYPE);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static String url() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void trustsTheRegistryThroughTheConfiguredTruststore() {
        try (RestSchemaRegistryClient client = RestSchemaRegistryClient.fromConfig(Map.of(
                "schema.registry.url", url(),
                RegistryTls.TRUSTSTORE_LOCATION, truststore.toString(),
                RegistryTls.TRUSTSTORE_PASSWORD, "trustpass",
                RegistryTls.TRUSTSTORE_TYPE, "PKCS12"))) {
            assertThat(client.subjects()).isEqualTo(List.of("over-tls"));
        }
    }

    @Test
    void refusesTheRegistryWithoutTheTruststoreAndIgnoresKafkasSslKeys() {
        // Kafka's own ssl.truststore.* must not leak into the registry client: the handshake still fails.
        try (RestSchemaRegistryClient client = RestSchemaRegistryClient.fromConfig(Map.of(
                "schema.registry.url", url(), "max.retries", "0",
                "ssl.truststore.location", truststore.toString(), "ssl.truststore.password", "trustpass"))) {
            assertThatThrownBy(client::subjects).isInstanceOf(RegistryException.class);
        }
    }

    @Test
    void anUnreadableTruststoreIsAConfigError() {
        assertThatThrownBy(() -> RestSchemaRegistryClient.fromConfig(Map.of("schema.registry.url", url(),
                RegistryTls.TRUSTSTORE_LOCATION, dir.resolve("missing.p12").toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read the store");
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("keytool %s: %s", args[0], output).isZero();
    }
}
