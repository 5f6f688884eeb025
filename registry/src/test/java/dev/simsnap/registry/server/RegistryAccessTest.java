package dev.simsnap.registry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.access.HttpAccess;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.registry.client.RegistryException;
import dev.simsnap.registry.client.RestSchemaRegistryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Changes need the write token, reads the read token (when one is set); refusals are Confluent-shaped JSON. */
@RealKafka
class RegistryAccessTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String SCHEMA = SchemaRegistryServerTest.V1;

    private final KafkaBroker broker;
    private SchemaRegistryServer server;

    RegistryAccessTest(KafkaBroker broker) {
        this.broker = broker;
    }

    @BeforeEach
    void start() {
        server = SchemaRegistryServer.builder(broker.bootstrapServers()).topic("_schemas_" + UUID.randomUUID()).port(0)
                .access(HttpAccess.tokens("write-secret", "read-secret")).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private record Answer(int status, JsonNode json, String challenge) {
    }

    private Answer send(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), Rest.JSON.readTree(response.body()),
                response.headers().firstValue("WWW-Authenticate").orElse(null));
    }

    private static String schemaBody() throws Exception {
        return Rest.JSON.writeValueAsString(Map.of("schema", SCHEMA));
    }

    @Test
    void changesNeedTheWriteTokenAndReadsTheReadToken() throws Exception {
        Answer anonymous = send("POST", "/subjects/s-value/versions", schemaBody(), null);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.json().get("error_code").asInt()).isEqualTo(40101);
        assertThat(anonymous.json().get("message").asText()).contains("authentication required")
                .contains("POST /subjects/s-value/versions");
        assertThat(anonymous.challenge()).startsWith("Bearer");

        Answer reader = send("POST", "/subjects/s-value/versions", schemaBody(), "read-secret");
        assertThat(reader.status()).isEqualTo(403);
        assertThat(reader.json().get("error_code").asInt()).isEqualTo(40301);
        assertThat(send("PUT", "/config", "{\"compatibility\":\"NONE\"}", "read-secret").status()).isEqualTo(403);
        assertThat(send("DELETE", "/subjects/s-value", null, "read-secret").status()).isEqualTo(403);
        assertThat(send("GET", "/subjects", null, null).status()).isEqualTo(401);
        assertThat(send("GET", "/subjects", null, "wrong").json().get("message").asText())
                .contains("invalid credentials");
        assertThat(send("GET", "/subjects", null, "read-secret").json()).isEmpty();

        Answer writer = send("POST", "/subjects/s-value/versions", schemaBody(), "write-secret");
        assertThat(writer.status()).isEqualTo(200);
        int id = writer.json().get("id").asInt();
        // Lookups and compatibility checks change nothing: the read token is enough.
        assertThat(send("POST", "/subjects/s-value", schemaBody(), "read-secret").json().get("id").asInt())
                .isEqualTo(id);
        assertThat(send("POST", "/compatibility/subjects/s-value/versions/latest", schemaBody(), "read-secret")
                .status()).isEqualTo(200);
        assertThat(send("GET", "/subjects", null, "write-secret").json().get(0).asText()).isEqualTo("s-value");
    }

    @Test
    void theRegistryClientSendsItsConfiguredCredentials() {
        Schema schema = new Schema.Parser().parse(SCHEMA);
        try (RestSchemaRegistryClient writer = RestSchemaRegistryClient.fromConfig(Map.of(
                "schema.registry.url", server.url(), "bearer.auth.credentials.source", "STATIC_TOKEN",
                "bearer.auth.token", "write-secret"));
             RestSchemaRegistryClient reader = RestSchemaRegistryClient.fromConfig(Map.of(
                     "schema.registry.url", server.url(), "schema.registry.bearer.auth.credentials.source",
                     "STATIC_TOKEN", "schema.registry.bearer.auth.token", "read-secret"))) {
            int id = writer.register("c-value", schema);
            assertThat(reader.getById(id)).isEqualTo(schema);
            assertThatThrownBy(() -> reader.register("d-value", schema)).isInstanceOf(RegistryException.class)
                    .hasMessageContaining("only allow reads");
        }
    }
}
