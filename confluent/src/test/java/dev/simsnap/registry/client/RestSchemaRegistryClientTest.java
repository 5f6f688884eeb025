package dev.simsnap.registry.client;

import static dev.simsnap.registry.client.StubServer.error;
import static dev.simsnap.registry.client.StubServer.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RestSchemaRegistryClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema SCHEMA = new Schema.Parser().parse(
            "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
    private static final String SCHEMA_JSON_STRING;

    static {
        try {
            SCHEMA_JSON_STRING = JSON.writeValueAsString(SCHEMA.toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private StubServer stub;

    @AfterEach
    void stop() {
        if (stub != null) {
            stub.close();
        }
    }

    private RestSchemaRegistryClient client(Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>(Map.of("schema.registry.url", stub.url(),
                "retries.wait.ms", 1, "retries.max.wait.ms", 5));
        config.putAll(extra);
        return RestSchemaRegistryClient.fromConfig(config);
    }

    @Test
    void registerPostsTheSchemaWithTheRegistryMediaTypeAndCachesTheId() throws Exception {
        stub = new StubServer(r -> ok("{\"id\":7}"));
        RestSchemaRegistryClient client = client(Map.of());
        assertThat(client.register("topic-t.R", SCHEMA)).isEqualTo(7);
        assertThat(client.register("topic-t.R", SCHEMA)).isEqualTo(7);
        assertThat(client.getById(7)).isEqualTo(SCHEMA); // learnt from the registration
        assertThat(stub.requests).hasSize(1);

        StubServer.Request r = stub.requests.get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.pathAndQuery()).isEqualTo("/subjects/topic-t.R/versions");
        assertThat(r.header("Content-Type")).isEqualTo("application/vnd.schemaregistry.v1+json");
        assertThat(r.header("Accept")).startsWith("application/vnd.schemaregistry.v1+json");
        assertThat(JSON.readTree(r.body()).get("schema").asText()).isEqualTo(SCHEMA.toString());
        assertThat(r.header("Authorization")).isNull();
    }

    @Test
    void getByIdAndLookupAreCached() throws Exception {
        stub = new StubServer(r -> r.method().equals("GET")
                ? ok("{\"schema\":" + SCHEMA_JSON_STRING + "}")
                : ok("{\"subject\":\"s\",\"id\":3,\"version\":2,\"schema\":" + SCHEMA_JSON_STRING + "}"));
        RestSchemaRegistryClient client = client(Map.of());
        assertThat(client.getById(3)).isEqualTo(SCHEMA);
        assertThat(client.getById(3)).isEqualTo(SCHEMA);
        assertThat(client.lookup("s", SCHEMA)).isEqualTo(new SchemaVersion("s", 2, 3, SCHEMA));
        assertThat(client.lookup("s", SCHEMA).version()).isEqualTo(2);
        assertThat(client.register("s", SCHEMA)).isEqualTo(3); // known from the lookup
        assertThat(stub.requests).extracting(StubServer.Request::pathAndQuery)
                .containsExactly("/schemas/ids/3", "/subjects/s");
    }

    @Test
    void nonAvroSchemasAreRefused() throws Exception {
        stub = new StubServer(r -> ok("{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}"));
        assertThatThrownBy(() -> client(Map.of()).getById(1))
                .isInstanceOf(RegistryException.InvalidSchema.class).hasMessageContaining("PROTOBUF");
    }

    static Stream<Arguments> errorCodes() {
        return Stream.of(
                Arguments.of(404, 40401, RegistryException.SubjectNotFound.class),
                Arguments.of(404, 40402, RegistryException.VersionNotFound.class),
                Arguments.of(404, 40403, RegistryException.SchemaNotFound.class),
                Arguments.of(404, 40404, RegistryException.SoftDeleteState.class),
                Arguments.of(404, 40405, RegistryException.SoftDeleteState.class),
                Arguments.of(404, 40406, RegistryException.SoftDeleteState.class),
                Arguments.of(404, 40407, RegistryException.SoftDeleteState.class),
                Arguments.of(404, 40408, RegistryException.NotFound.class),
                Arguments.of(409, 409, RegistryException.IncompatibleSchema.class),
                Arguments.of(409, 40901, RegistryException.IncompatibleSchema.class),
                Arguments.of(422, 42201, RegistryException.InvalidSchema.class),
                Arguments.of(422, 42202, RegistryException.InvalidVersion.class),
                Arguments.of(422, 42203, RegistryException.InvalidCompatibilityLevel.class),
                Arguments.of(422, 42204, RegistryException.InvalidMode.class),
                Arguments.of(422, 42205, RegistryException.OperationNotPermitted.class),
                Arguments.of(500, 50001, RegistryException.ServerError.class),
                Arguments.of(500, 50002, RegistryException.ServerError.class),
                Arguments.of(500, 50003, RegistryException.ServerError.class),
                Arguments.of(401, 40101, RegistryException.class));
    }

    @ParameterizedTest
    @MethodSource("errorCodes")
    void errorBodiesMapToTheExceptionHierarchy(int status, int code, Class<?> type) throws Exception {
        stub = new StubServer(r -> error(status, code, "the message"));
        RestSchemaRegistryClient client = client(Map.of("max.retries", 0));
        assertThatThrownBy(() -> client.version("s", "latest"))
                .isExactlyInstanceOf(type)
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(status);
                    assertThat(e.errorCode()).isEqualTo(code);
                    assertThat(e.registryMessage()).isEqualTo("the message");
                    assertThat(e.getMessage()).contains("the message", "status " + status, "error_code " + code);
                });
        assertThat(stub.requests).hasSize(1);
    }

    @Test
    void nonJsonErrorBodyKeepsTheStatus() throws Exception {
        stub = new StubServer(r -> new StubServer.Response(404, "<html>nope</html>"));
        assertThatThrownBy(() -> client(Map.of()).subjects())
                .isInstanceOfSatisfying(RegistryException.NotFound.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.JSON_PARSE_ERROR.code());
                    assertThat(e.getMessage()).contains("<html>nope</html>");
                });
    }

    @Test
    void basicAuthFromUserInfo() throws Exception {
        stub = new StubServer(r -> ok("[]"));
        client(Map.of("basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "alice:s3cr:et")).subjects();
        assertThat(stub.requests.get(0).header("Authorization")).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString("alice:s3cr:et".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void basicAuthFromPrefixedKeysAndFromTheUrl() throws Exception {
        stub = new StubServer(r -> ok("[]"));
        client(Map.of("schema.registry.basic.auth.credentials.source", "USER_INFO",
                "schema.registry.basic.auth.user.info", "bob:pw")).subjects();
        RestSchemaRegistryClient fromUrl = RestSchemaRegistryClient.fromConfig(Map.of("schema.registry.url",
                stub.url().replace("http://", "http://carol:p%40ss@")));
        fromUrl.subjects();
        assertThat(fromUrl.baseUrls()).containsExactly(stub.url());
        assertThat(stub.requests).extracting(r -> r.header("Authorization")).containsExactly(
                "Basic " + Base64.getEncoder().encodeToString("bob:pw".getBytes(StandardCharsets.UTF_8)),
                "Basic " + Base64.getEncoder().encodeToString("carol:p@ss".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void bearerToken() throws Exception {
        stub = new StubServer(r -> ok("[]"));
        client(Map.of("bearer.auth.credentials.source", "STATIC_TOKEN", "bearer.auth.token", "tok-123",
                "bearer.auth.logical.cluster", "lsrc-1")).subjects();
        assertThat(stub.requests.get(0).header("Authorization")).isEqualTo("Bearer tok-123");
        assertThat(stub.requests.get(0).header("target-sr-cluster")).isEqualTo("lsrc-1");
    }

    @Test
    void badAuthConfigIsAConfigException() throws Exception {
        stub = new StubServer(r -> ok("[]"));
        assertThatThrownBy(() -> client(Map.of("basic.auth.credentials.source", "USER_INFO")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("basic.auth.user.info");
        assertThatThrownBy(() -> client(Map.of("bearer.auth.credentials.source", "OAUTHBEARER")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("STATIC_TOKEN");
        assertThatThrownBy(() -> RestSchemaRegistryClient.fromConfig(Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
    }

    @Test
    void retriesOn503ThenSucceeds() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        stub = new StubServer(r -> calls.incrementAndGet() <= 2 ? error(503, 50003, "forwarding failed")
                : ok("[\"a\",\"b\"]"));
        assertThat(client(Map.of("max.retries", 3)).subjects()).containsExactly("a", "b");
        assertThat(stub.requests).hasSize(3);
    }

    @Test
    void retriesAreBounded() throws Exception {
        stub = new StubServer(r -> error(500, 50001, "store down"));
        assertThatThrownBy(() -> client(Map.of("max.retries", 2)).subjects())
                .isInstanceOf(RegistryException.ServerError.class).hasMessageContaining("store down");
        assertThat(stub.requests).hasSize(3);
    }

    @Test
    void clientErrorsAreNotRetried() throws Exception {
        stub = new StubServer(r -> error(409, 40901, "incompatible"));
        assertThatThrownBy(() -> client(Map.of("max.retries", 3)).register("s", SCHEMA))
                .isInstanceOf(RegistryException.IncompatibleSchema.class);
        assertThat(stub.requests).hasSize(1);
    }

    @Test
    void failsOverToTheNextUrlOnConnectionErrorsAndSticksToIt() throws Exception {
        stub = new StubServer(r -> ok("[\"x\"]"));
        String dead = "http://127.0.0.1:" + freePort();
        RestSchemaRegistryClient client = RestSchemaRegistryClient.builder().urls(dead + " , " + stub.url())
                .maxRetries(0).retryWait(Duration.ofMillis(1), Duration.ofMillis(1)).build();
        assertThat(client.subjects()).containsExactly("x");
        assertThat(client.subjects()).containsExactly("x");
        assertThat(stub.requests).hasSize(2);

        RestSchemaRegistryClient allDead = RestSchemaRegistryClient.builder().urls(dead).maxRetries(1)
                .retryWait(Duration.ofMillis(1), Duration.ofMillis(1)).build();
        assertThatThrownBy(allDead::subjects).isInstanceOf(RegistryException.Unavailable.class)
                .hasMessageContaining(dead);
    }

    @Test
    void adminCallsUseTheDocumentedPathsAndBodies() throws Exception {
        stub = new StubServer(r -> switch (r.method() + " " + r.pathAndQuery()) {
            case "GET /subjects/my%20subject/versions" -> ok("[1,2]");
            case "GET /subjects/s/versions/latest" ->
                    ok("{\"subject\":\"s\",\"version\":2,\"id\":5,\"schema\":" + SCHEMA_JSON_STRING + "}");
            case "POST /compatibility/subjects/s/versions/latest?verbose=true" ->
                    ok("{\"is_compatible\":false,\"messages\":[\"field a: type mismatch\"]}");
            case "GET /config" -> ok("{\"compatibilityLevel\":\"BACKWARD\"}");
            case "GET /config/s?defaultToGlobal=true" -> ok("{\"compatibilityLevel\":\"FULL\"}");
            case "PUT /config/s", "PUT /config" -> ok("{\"compatibility\":\"FULL\"}");
            case "DELETE /config/s" -> ok("{\"compatibilityLevel\":\"FULL\"}");
            case "GET /mode" -> ok("{\"mode\":\"READWRITE\"}");
            case "PUT /mode" -> ok("{\"mode\":\"READONLY\"}");
            case "DELETE /subjects/s" -> ok("[1,2]");
            case "DELETE /subjects/s?permanent=true" -> ok("[1,2]");
            case "DELETE /subjects/s/versions/2?permanent=true" -> ok("2");
            default -> error(404, 40401, "unexpected " + r.method() + " " + r.pathAndQuery());
        });
        RestSchemaRegistryClient client = client(Map.of("max.retries", 0));
        assertThat(client.versions("my subject")).containsExactly(1, 2);
        assertThat(client.version("s", "latest")).isEqualTo(new SchemaVersion("s", 2, 5, SCHEMA));
        CompatibilityResult result = client.testCompatibility("s", "latest", SCHEMA);
        assertThat(result.compatible()).isFalse();
        assertThat(result.messages()).containsExactly("field a: type mismatch");
        assertThat(client.getCompatibility(null)).isEqualTo("BACKWARD");
        assertThat(client.getCompatibility("s")).isEqualTo("FULL");
        client.setCompatibility("s", "FULL");
        client.setCompatibility(null, "FULL");
        client.deleteCompatibility("s");
        assertThat(client.getMode()).isEqualTo("READWRITE");
        client.setMode(null, "READONLY");
        assertThat(client.deleteSubject("s", false)).containsExactly(1, 2);
        assertThat(client.deleteSubject("s", true)).containsExactly(1, 2);
        assertThat(client.deleteVersion("s", "2", true)).isEqualTo(2);

        assertThat(stub.requests).filteredOn(r -> r.method().equals("PUT")).extracting(StubServer.Request::body)
                .containsExactly("{\"compatibility\":\"FULL\"}", "{\"compatibility\":\"FULL\"}", "{\"mode\":\"READONLY\"}");
    }

    @Test
    void deletingASubjectForgetsItsCachedIds() throws Exception {
        AtomicInteger id = new AtomicInteger(1);
        stub = new StubServer(r -> r.method().equals("DELETE") ? ok("[1]") : ok("{\"id\":" + id.get() + "}"));
        RestSchemaRegistryClient client = client(Map.of());
        assertThat(client.register("s", SCHEMA)).isEqualTo(1);
        client.deleteSubject("s", false);
        id.set(2);
        assertThat(client.register("s", SCHEMA)).isEqualTo(2);
        assertThat(stub.requests).hasSize(3);
    }

    @Test
    void cacheIsBounded() throws Exception {
        stub = new StubServer(r -> ok("{\"schema\":" + SCHEMA_JSON_STRING + "}"));
        RestSchemaRegistryClient client = client(Map.of("max.schemas.per.subject", 2));
        client.getById(1);
        client.getById(2);
        client.getById(3); // evicts 1
        client.getById(3);
        client.getById(1);
        assertThat(stub.requests).extracting(StubServer.Request::pathAndQuery)
                .containsExactly("/schemas/ids/1", "/schemas/ids/2", "/schemas/ids/3", "/schemas/ids/1");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
