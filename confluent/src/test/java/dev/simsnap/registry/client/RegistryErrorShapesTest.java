package dev.simsnap.registry.client;

import static dev.simsnap.registry.client.StubServer.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Registries that speak Confluent's REST API with their own accent (Apicurio's ccompat API, problem+json, a proxy's
 * page): the client still raises the exception the situation means, and never retries what the request itself
 * caused. And {@link SubjectLevels} sets a subject's compatibility or refuses to go on without it.
 */
class RegistryErrorShapesTest {

    private static final Schema SCHEMA = new Schema.Parser().parse(
            "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");

    private StubServer stub;

    @AfterEach
    void stop() {
        if (stub != null) {
            stub.close();
        }
    }

    private RestSchemaRegistryClient client() {
        Map<String, Object> config = new HashMap<>(Map.of("schema.registry.url", stub.url(),
                "retries.wait.ms", 1, "retries.max.wait.ms", 5, "max.retries", 3));
        return RestSchemaRegistryClient.fromConfig(config);
    }

    @Test
    void aClientErrorCarriedByA500IsNotRetried() throws Exception {
        stub = new StubServer(r -> StubServer.error(500, 42201, "Invalid schema"));
        assertThatThrownBy(() -> client().register("s", SCHEMA)).isInstanceOf(RegistryException.InvalidSchema.class)
                .hasMessageContaining("Invalid schema");
        assertThat(stub.requests).hasSize(1);
        stub.close();
        stub = new StubServer(r -> new StubServer.Response(400, "{\"message\": \"bad request\"}"));
        assertThatThrownBy(() -> client().register("s", SCHEMA)).isInstanceOf(RegistryException.class);
        assertThat(stub.requests).hasSize(1);
    }

    /** What a caller decoding records may wait out (no answer, 408, 429, 5xx) and what it may not. */
    @Test
    void onlyARegistryThatCouldNotAnswerIsTransient() throws Exception {
        stub = new StubServer(r -> switch (r.pathAndQuery()) {
            case "/schemas/ids/1" -> StubServer.error(503, 50002, "Operation timed out");
            case "/schemas/ids/2" -> StubServer.error(429, 429, "Too many requests");
            case "/schemas/ids/3" -> StubServer.error(401, 401, "Unauthorized");
            default -> StubServer.error(404, 40403, "Schema not found");
        });
        RestSchemaRegistryClient client = client();
        assertThat(thrown(() -> client.getById(1)).isTransient()).isTrue();
        assertThat(thrown(() -> client.getById(2)).isTransient()).isTrue();
        assertThat(thrown(() -> client.getById(3)).isTransient()).isFalse();
        assertThat(thrown(() -> client.getById(4))).isInstanceOf(RegistryException.SchemaNotFound.class)
                .satisfies(e -> assertThat(e.isTransient()).isFalse());
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        RestSchemaRegistryClient nowhere = RestSchemaRegistryClient.fromConfig(new HashMap<>(Map.of(
                "schema.registry.url", "http://127.0.0.1:" + closed, "max.retries", 0)));
        RegistryException unreachable = thrown(() -> nowhere.getById(1));
        assertThat(unreachable).isInstanceOf(RegistryException.Unavailable.class);
        assertThat(unreachable.isTransient()).isTrue();
        // Found through the exceptions a deserializer wraps it in.
        RuntimeException wrapped = new org.apache.kafka.common.errors.SerializationException("cannot decode",
                new IllegalStateException("lookup", unreachable));
        assertThat(RegistryException.in(wrapped)).isSameAs(unreachable);
        assertThat(RegistryException.in(new IllegalStateException("no registry here"))).isNull();
    }

    private static RegistryException thrown(Runnable call) {
        try {
            call.run();
        } catch (RegistryException e) {
            return e;
        }
        throw new AssertionError("no RegistryException thrown");
    }

    @Test
    void apicurioStyleNotFoundAnswersMapToWhatIsMissing() throws Exception {
        stub = new StubServer(r -> {
            if (r.pathAndQuery().startsWith("/schemas/ids/")) {
                return new StubServer.Response(404, "{\"message\": \"No content with id 7 was found.\"}");
            }
            if (r.pathAndQuery().startsWith("/subjects/missing/")) {
                return new StubServer.Response(404, "{\"error_code\": 404, \"message\": \"No artifact with ID"
                        + " 'missing' in group 'null' was found.\"}");
            }
            return new StubServer.Response(404, "{\"error_code\": 404, \"message\": \"No version '3' found for"
                    + " artifact with ID 's' in group 'null'.\"}");
        });
        RestSchemaRegistryClient client = client();
        assertThatThrownBy(() -> client.getById(7)).isInstanceOf(RegistryException.SchemaNotFound.class)
                .hasMessageContaining("No content with id 7");
        assertThatThrownBy(() -> client.version("missing", "latest"))
                .isInstanceOf(RegistryException.SubjectNotFound.class);
        assertThatThrownBy(() -> client.version("s", "3")).isInstanceOf(RegistryException.VersionNotFound.class);
        assertThat(stub.requests).hasSize(3);
    }

    @Test
    void conflictsAndProblemJsonAreUnderstood() throws Exception {
        stub = new StubServer(r -> r.method().equals("POST")
                ? new StubServer.Response(409, "{\"error_code\": 409, \"message\": \"Schema being registered is"
                + " incompatible with an earlier schema\"}")
                : new StubServer.Response(422, "{\"title\": \"Invalid compatibility level\", \"detail\":"
                + " \"SIDEWAYS is not a level\", \"status\": 422}"));
        RestSchemaRegistryClient client = client();
        assertThatThrownBy(() -> client.register("s", SCHEMA)).isInstanceOf(RegistryException.IncompatibleSchema.class)
                .hasMessageContaining("incompatible with an earlier schema");
        assertThatThrownBy(() -> client.setCompatibility("s", "SIDEWAYS"))
                .isInstanceOf(RegistryException.InvalidCompatibilityLevel.class)
                .hasMessageContaining("SIDEWAYS is not a level");
        assertThat(stub.requests).hasSize(2);
    }

    @Test
    void aSubjectLevelIsSetWhenItDiffersAndVerified() throws Exception {
        AtomicReference<String> level = new AtomicReference<>();
        stub = new StubServer(r -> {
            if (r.method().equals("PUT")) {
                level.set(r.body().replaceAll(".*\"compatibility\"\\s*:\\s*\"([A-Z_]+)\".*", "$1"));
                return ok(r.body());
            }
            // A registry without defaultToGlobal: 404 for a subject without a level of its own.
            return level.get() == null ? new StubServer.Response(404, "{\"error_code\": 404, \"message\":"
                    + " \"No compatibility rule for artifact\"}")
                    : ok("{\"compatibilityLevel\": \"" + level.get() + "\"}");
        });
        SubjectLevels.ensure(client(), "simsnap.deltas-x", "BACKWARD_TRANSITIVE");
        assertThat(level.get()).isEqualTo("BACKWARD_TRANSITIVE");
        assertThat(stub.requests).extracting(StubServer.Request::method).containsExactly("GET", "PUT", "GET");
        SubjectLevels.ensure(client(), "simsnap.deltas-x", "BACKWARD_TRANSITIVE");
        assertThat(stub.requests).hasSize(4);
    }

    @Test
    void aRegistryThatRefusesTheLevelStopsTheStart() throws Exception {
        stub = new StubServer(r -> r.method().equals("PUT")
                ? new StubServer.Response(403, "{\"message\": \"forbidden\"}")
                : ok("{\"compatibilityLevel\": \"NONE\"}"));
        assertThatThrownBy(() -> SubjectLevels.ensure(client(), "simsnap.deltas-x", "BACKWARD_TRANSITIVE"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("simsnap.deltas-x must have compatibility BACKWARD_TRANSITIVE")
                .hasMessageContaining("PUT /config/simsnap.deltas-x");
        stub.close();
        stub = new StubServer(r -> r.method().equals("PUT") ? ok("{\"compatibility\": \"BACKWARD_TRANSITIVE\"}")
                : ok("{\"compatibilityLevel\": \"NONE\"}")); // accepts, and keeps NONE
        assertThatThrownBy(() -> SubjectLevels.ensure(client(), "s", "BACKWARD_TRANSITIVE"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("reports NONE after setting it");
    }
}
