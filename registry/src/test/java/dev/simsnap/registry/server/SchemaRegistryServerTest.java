package dev.simsnap.registry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.registry.server.Rest.Answer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The registry over real HTTP against a real broker; every test has its own store topic. */
@RealKafka
class SchemaRegistryServerTest {

    static final String V1 = record("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"c\",\"type\":\"string\"}");
    static final String V2 = record("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"c\",\"type\":\"string\",\"default\":\"z\"},"
            + "{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}");
    /** Drops c, makes b required: compatible with V2 both ways, not with V1 either way. */
    static final String X = record("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"}");
    /** Adds a required d: old readers cope (forward), new reader cannot read old data (not backward). */
    static final String Z = record("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"c\",\"type\":\"string\"},"
            + "{\"name\":\"d\",\"type\":\"string\"}");
    /** Widens a to long: backward (long reads int) but not forward. */
    static final String W = record("{\"name\":\"a\",\"type\":\"long\"},{\"name\":\"c\",\"type\":\"string\"},"
            + "{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}");
    /** Turns a into a string: incompatible at every level but NONE. */
    static final String Y = record("{\"name\":\"a\",\"type\":\"string\"}");

    private final KafkaBroker broker;
    private String topic;
    private SchemaRegistryServer server;
    private Rest rest;

    SchemaRegistryServerTest(KafkaBroker broker) {
        this.broker = broker;
    }

    static String record(String fields) {
        return "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":[" + fields + "]}";
    }

    @BeforeEach
    void start() {
        topic = "_schemas_" + UUID.randomUUID();
        server = startServer();
    }

    private SchemaRegistryServer startServer() {
        SchemaRegistryServer s = SchemaRegistryServer.builder(broker.bootstrapServers()).topic(topic).port(0)
                .build().start();
        rest = new Rest(s.url());
        return s;
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void rootTypesAndContentType() {
        Answer root = rest.get("/");
        assertThat(root.status()).isEqualTo(200);
        assertThat(root.contentType()).startsWith("application/vnd.schemaregistry.v1+json");
        assertThat(root.text()).isEqualTo("{}");
        assertThat(rest.get("/schemas/types").text()).isEqualTo("[\"AVRO\"]");
        assertThat(server.url()).isEqualTo("http://127.0.0.1:" + server.port());
    }

    @Test
    void createsACompactedSingleTopic() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()).hasSize(1);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource)
                    .get("cleanup.policy").value()).isEqualTo("compact");
        }
    }

    @Test
    void registerLookupAndRead() {
        assertThat(rest.registerOk("s", V1)).isEqualTo(1);
        // same schema with other whitespace: same id, no new version
        assertThat(rest.registerOk("s", V1.replace(",", " ,\n "))).isEqualTo(1);
        assertThat(rest.registerOk("s", V2)).isEqualTo(2);
        assertThat(rest.get("/subjects/s/versions").json().toString()).isEqualTo("[1,2]");
        // same schema in another subject: same global id, version 1 there
        assertThat(rest.registerOk("other", V2)).isEqualTo(2);
        assertThat(rest.get("/subjects").json().toString()).isEqualTo("[\"other\",\"s\"]");

        String canonicalV2 = new org.apache.avro.Schema.Parser().parse(V2).toString();
        Answer byId = rest.get("/schemas/ids/2");
        assertThat(byId.json().fieldNames()).toIterable().containsExactly("schema");
        assertThat(byId.json().get("schema").asText()).isEqualTo(canonicalV2);
        assertThat(rest.get("/schemas/ids/2/schema").text()).isEqualTo(canonicalV2);
        assertThat(rest.get("/schemas/ids/2/versions").json().toString())
                .isEqualTo("[{\"subject\":\"other\",\"version\":1},{\"subject\":\"s\",\"version\":2}]");
        assertThat(rest.get("/schemas/ids/2/subjects").json().toString()).isEqualTo("[\"other\",\"s\"]");

        Answer latest = rest.get("/subjects/s/versions/latest");
        assertThat(latest.json().get("subject").asText()).isEqualTo("s");
        assertThat(latest.json().get("version").asInt()).isEqualTo(2);
        assertThat(latest.json().get("id").asInt()).isEqualTo(2);
        assertThat(latest.json().has("schemaType")).isFalse();
        assertThat(rest.get("/subjects/s/versions/-1").json()).isEqualTo(latest.json());
        assertThat(rest.get("/subjects/s/versions/1").json().get("id").asInt()).isEqualTo(1);
        assertThat(rest.get("/subjects/s/versions/1/schema").json())
                .isEqualTo(rest.get("/schemas/ids/1/schema").json());
        assertThat(rest.get("/subjects/s/versions/1/referencedby").text()).isEqualTo("[]");

        Answer lookup = rest.post("/subjects/s", Map.of("schema", V1));
        assertThat(lookup.status()).isEqualTo(200);
        assertThat(lookup.json().get("subject").asText()).isEqualTo("s");
        assertThat(lookup.json().get("id").asInt()).isEqualTo(1);
        assertThat(lookup.json().get("version").asInt()).isEqualTo(1);
        assertThat(lookup.json().get("schema").asText()).isEqualTo(new org.apache.avro.Schema.Parser().parse(V1).toString());
        assertThat(rest.post("/subjects/other", Map.of("schema", V1)).errorCode()).isEqualTo(40403);
        assertThat(rest.post("/subjects/none", Map.of("schema", V1)).errorCode()).isEqualTo(40401);
    }

    @Test
    void acceptsTheContentTypesClientsSend() {
        String body = "{\"schema\":\"\\\"string\\\"\",\"schemaType\":\"AVRO\",\"references\":[]}";
        for (String type : new String[] {"application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json",
                "application/json", "application/octet-stream", null}) {
            Answer answer = rest.send("POST", "/subjects/ct/versions", body, type);
            assertThat(answer.status()).as(String.valueOf(type)).isEqualTo(200);
            assertThat(answer.json().get("id").asInt()).isEqualTo(1);
        }
    }

    @Test
    void softAndPermanentDeletes() {
        rest.registerOk("s", V1);
        rest.registerOk("s", V2);
        rest.registerOk("s", X);

        // version delete: soft, then permanent
        assertThat(rest.get("/subjects/s/versions/3").status()).isEqualTo(200);
        assertThat(rest.delete("/subjects/s/versions/3?permanent=true").errorCode()).isEqualTo(40407);
        assertThat(rest.delete("/subjects/s/versions/3").text()).isEqualTo("3");
        assertThat(rest.delete("/subjects/s/versions/3").errorCode()).isEqualTo(40406);
        assertThat(rest.get("/subjects/s/versions/3").errorCode()).isEqualTo(40402);
        assertThat(rest.get("/subjects/s/versions/3?deleted=true").json().get("id").asInt()).isEqualTo(3);
        assertThat(rest.get("/subjects/s/versions").json().toString()).isEqualTo("[1,2]");
        assertThat(rest.get("/subjects/s/versions?deleted=true").json().toString()).isEqualTo("[1,2,3]");
        assertThat(rest.get("/subjects/s/versions/latest").json().get("version").asInt()).isEqualTo(2);
        assertThat(rest.delete("/subjects/s/versions/3?permanent=true").text()).isEqualTo("3");
        assertThat(rest.get("/subjects/s/versions/3?deleted=true").errorCode()).isEqualTo(40402);
        assertThat(rest.delete("/subjects/s/versions/9").errorCode()).isEqualTo(40402);
        // the id stays readable: ids are never reused
        assertThat(rest.get("/schemas/ids/3").status()).isEqualTo(200);

        // subject delete: soft, then permanent
        assertThat(rest.delete("/subjects/s?permanent=true").errorCode()).isEqualTo(40405);
        assertThat(rest.delete("/subjects/s").text()).isEqualTo("[1,2]");
        assertThat(rest.delete("/subjects/s").errorCode()).isEqualTo(40404);
        assertThat(rest.get("/subjects").text()).isEqualTo("[]");
        assertThat(rest.get("/subjects?deleted=true").text()).isEqualTo("[\"s\"]");
        assertThat(rest.get("/subjects/s/versions").errorCode()).isEqualTo(40401);
        assertThat(rest.get("/schemas/ids/1/versions").text()).isEqualTo("[]");
        assertThat(rest.get("/schemas/ids/1/versions?deleted=true").text())
                .isEqualTo("[{\"subject\":\"s\",\"version\":1}]");

        // re-registering a soft-deleted schema: same id, next version (soft-deleted versions still count)
        assertThat(rest.registerOk("s", V1)).isEqualTo(1);
        assertThat(rest.get("/subjects/s/versions").text()).isEqualTo("[3]");
        rest.delete("/subjects/s");
        assertThat(rest.delete("/subjects/s?permanent=true").text()).isEqualTo("[1,2,3]");
        assertThat(rest.get("/subjects?deleted=true").text()).isEqualTo("[]");
        assertThat(rest.delete("/subjects/s").errorCode()).isEqualTo(40401);
        // after a permanent delete the subject starts over, the schema keeps its id
        assertThat(rest.registerOk("s", V2)).isEqualTo(2);
        assertThat(rest.get("/subjects/s/versions").text()).isEqualTo("[1]");
    }

    @Test
    void incompatibleRegisterIs409() {
        rest.registerOk("s", V1);
        Answer answer = rest.register("s", Y);
        assertThat(answer.status()).isEqualTo(409);
        assertThat(answer.errorCode()).isEqualTo(409);
        assertThat(answer.json().get("message").asText()).contains("incompatible");
        assertThat(rest.get("/subjects/s/versions").text()).isEqualTo("[1]");
        // a new id was not consumed
        assertThat(rest.registerOk("n", Y)).isEqualTo(2);
    }

    /**
     * History V1, V2 (V2 compatible with V1 at every level). Columns: level, then whether X, Z, W, Y are
     * compatible against all versions; "latest" checks only V2, so X is compatible there at every level.
     */
    @ParameterizedTest
    @CsvSource({
        "NONE,                true,  true,  true,  true",
        "BACKWARD,            true,  false, true,  false",
        "BACKWARD_TRANSITIVE, false, false, true,  false",
        "FORWARD,             true,  true,  false, false",
        "FORWARD_TRANSITIVE,  false, true,  false, false",
        "FULL,                true,  false, false, false",
        "FULL_TRANSITIVE,     false, false, false, false"})
    void compatibilityAtEveryLevel(String level, boolean x, boolean z, boolean w, boolean y) {
        String subject = "c-" + level;
        assertThat(rest.put("/config/" + subject, Map.of("compatibility", level)).text())
                .isEqualTo("{\"compatibility\":\"" + level + "\"}");
        rest.registerOk(subject, V1);
        rest.registerOk(subject, V2);
        Map<String, Boolean> expected = Map.of(X, x, Z, z, W, w, Y, y);
        expected.forEach((schema, compatible) -> {
            Answer all = rest.post("/compatibility/subjects/" + subject + "/versions?verbose=true", Map.of("schema", schema));
            assertThat(all.json().get("is_compatible").asBoolean()).as(level + " " + schema).isEqualTo(compatible);
            assertThat(all.json().get("messages").isEmpty()).isEqualTo(compatible);
        });
        Answer latest = rest.post("/compatibility/subjects/" + subject + "/versions/latest", Map.of("schema", X));
        assertThat(latest.text()).isEqualTo("{\"is_compatible\":true}");
        assertThat(rest.post("/compatibility/subjects/" + subject + "/versions/1", Map.of("schema", X))
                .json().get("is_compatible").asBoolean()).isEqualTo(level.equals("NONE"));
        // registering follows the same verdict as the all-versions check
        Answer register = rest.register(subject, X);
        assertThat(register.status()).isEqualTo(x ? 200 : 409);
    }

    @Test
    void compatibilityEdgeCases() {
        assertThat(rest.post("/compatibility/subjects/empty/versions/latest", Map.of("schema", Y)).text())
                .isEqualTo("{\"is_compatible\":true}");
        assertThat(rest.post("/compatibility/subjects/empty/versions", Map.of("schema", Y)).text())
                .isEqualTo("{\"is_compatible\":true}");
        assertThat(rest.post("/compatibility/subjects/empty/versions/1", Map.of("schema", Y)).errorCode())
                .isEqualTo(40401);
        rest.registerOk("s", V1);
        assertThat(rest.post("/compatibility/subjects/s/versions/7", Map.of("schema", Y)).errorCode()).isEqualTo(40402);
        assertThat(rest.post("/compatibility/subjects/s/versions/x", Map.of("schema", Y)).errorCode()).isEqualTo(42202);
        assertThat(rest.post("/compatibility/subjects/s/versions/1", Map.of("schema", "{")).errorCode()).isEqualTo(42201);
        // global level applies when the subject has none; subject level overrides it
        Answer compat = rest.post("/compatibility/subjects/s/versions/latest", Map.of("schema", Y));
        assertThat(compat.text()).isEqualTo("{\"is_compatible\":false}");
        rest.put("/config", Map.of("compatibility", "NONE"));
        assertThat(rest.post("/compatibility/subjects/s/versions/latest", Map.of("schema", Y)).text())
                .isEqualTo("{\"is_compatible\":true}");
        rest.put("/config/s", Map.of("compatibility", "FULL"));
        assertThat(rest.post("/compatibility/subjects/s/versions/latest", Map.of("schema", Y)).text())
                .isEqualTo("{\"is_compatible\":false}");
    }

    @Test
    void config() {
        assertThat(rest.get("/config").text()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
        assertThat(rest.put("/config", Map.of("compatibility", "full_transitive")).text())
                .isEqualTo("{\"compatibility\":\"FULL_TRANSITIVE\"}");
        assertThat(rest.get("/config").text()).isEqualTo("{\"compatibilityLevel\":\"FULL_TRANSITIVE\"}");
        Answer invalid = rest.put("/config", Map.of("compatibility", "SIDEWAYS"));
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.errorCode()).isEqualTo(42203);

        assertThat(rest.get("/config/s").errorCode()).isEqualTo(40408);
        assertThat(rest.get("/config/s?defaultToGlobal=true").text())
                .isEqualTo("{\"compatibilityLevel\":\"FULL_TRANSITIVE\"}");
        rest.put("/config/s", Map.of("compatibility", "NONE"));
        assertThat(rest.get("/config/s").text()).isEqualTo("{\"compatibilityLevel\":\"NONE\"}");
        assertThat(rest.delete("/config/s").text()).isEqualTo("{\"compatibilityLevel\":\"NONE\"}");
        assertThat(rest.delete("/config/s").errorCode()).isEqualTo(40401);
        assertThat(rest.delete("/config").text()).isEqualTo("{\"compatibilityLevel\":\"FULL_TRANSITIVE\"}");
        assertThat(rest.get("/config").text()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
    }

    @Test
    void modes() {
        assertThat(rest.get("/mode").text()).isEqualTo("{\"mode\":\"READWRITE\"}");
        rest.registerOk("s", V1);
        assertThat(rest.put("/mode", Map.of("mode", "READONLY")).text()).isEqualTo("{\"mode\":\"READONLY\"}");
        Answer refused = rest.register("s", V2);
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.errorCode()).isEqualTo(42205);
        assertThat(rest.delete("/subjects/s").errorCode()).isEqualTo(42205);
        assertThat(rest.get("/subjects/s/versions/1").status()).isEqualTo(200); // reads still work
        // a subject mode overrides the global one
        assertThat(rest.get("/mode/s").errorCode()).isEqualTo(40409);
        assertThat(rest.get("/mode/s?defaultToGlobal=true").text()).isEqualTo("{\"mode\":\"READONLY\"}");
        rest.put("/mode/s", Map.of("mode", "READWRITE"));
        assertThat(rest.registerOk("s", V2)).isEqualTo(2);
        assertThat(rest.register("t", V2).errorCode()).isEqualTo(42205);
        assertThat(rest.delete("/mode/s").text()).isEqualTo("{\"mode\":\"READWRITE\"}");
        assertThat(rest.delete("/mode/s").errorCode()).isEqualTo(40401);
        Answer invalid = rest.put("/mode", Map.of("mode", "SOMETIMES"));
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.errorCode()).isEqualTo(42204);

        // IMPORT: refused while schemas exist unless forced; then ids and versions are taken as given
        assertThat(rest.put("/mode", Map.of("mode", "IMPORT")).errorCode()).isEqualTo(42205);
        assertThat(rest.put("/mode?force=true", Map.of("mode", "IMPORT")).text()).isEqualTo("{\"mode\":\"IMPORT\"}");
        Answer imported = rest.post("/subjects/imp/versions", Map.of("schema", Y, "id", 100, "version", 5));
        assertThat(imported.json().get("id").asInt()).isEqualTo(100);
        assertThat(rest.get("/subjects/imp/versions").text()).isEqualTo("[5]");
        assertThat(rest.post("/subjects/imp2/versions", Map.of("schema", X, "id", 100)).errorCode()).isEqualTo(42207);
        rest.put("/mode", Map.of("mode", "READWRITE"));
        assertThat(rest.registerOk("fresh", "\"bytes\"")).isEqualTo(101);
    }

    @Test
    void errorCodes() {
        assertThat(rest.register("s", "{\"type\":\"record\"}").errorCode()).isEqualTo(42201);
        assertThat(rest.register("s", "not json").status()).isEqualTo(422);
        assertThat(rest.post("/subjects/s/versions", Map.of("schema", V1, "schemaType", "PROTOBUF")).errorCode())
                .isEqualTo(42201);
        assertThat(rest.post("/subjects/s/versions", Map.of("schema", V1,
                "references", List.of(Map.of("name", "x", "subject", "y", "version", 1)))).errorCode()).isEqualTo(42201);
        assertThat(rest.post("/subjects/s/versions", Map.of()).errorCode()).isEqualTo(42201);
        Answer malformed = rest.post("/subjects/s/versions", "{oops");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.errorCode()).isEqualTo(400);

        assertThat(rest.get("/subjects/none/versions").errorCode()).isEqualTo(40401);
        assertThat(rest.get("/subjects/none/versions/1").errorCode()).isEqualTo(40401);
        rest.registerOk("s", V1);
        Answer missingVersion = rest.get("/subjects/s/versions/2");
        assertThat(missingVersion.status()).isEqualTo(404);
        assertThat(missingVersion.errorCode()).isEqualTo(40402);
        assertThat(rest.get("/subjects/s/versions/abc").errorCode()).isEqualTo(42202);
        assertThat(rest.get("/subjects/s/versions/0").errorCode()).isEqualTo(42202);
        assertThat(rest.get("/schemas/ids/99").errorCode()).isEqualTo(40403);
        assertThat(rest.get("/schemas/ids/99/versions").errorCode()).isEqualTo(40403);

        Answer unknown = rest.get("/no/such/route");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.errorCode()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/vnd.schemaregistry.v1+json");
        assertThat(unknown.json().has("message")).isTrue();
    }

    @Test
    void restartKeepsIdsVersionsConfigAndMode() {
        assertThat(rest.registerOk("a", V1)).isEqualTo(1);
        assertThat(rest.registerOk("a", V2)).isEqualTo(2);
        assertThat(rest.registerOk("b", Y)).isEqualTo(3);
        assertThat(rest.registerOk("gone", "\"string\"")).isEqualTo(4);
        rest.delete("/subjects/gone");
        rest.delete("/subjects/gone?permanent=true");
        rest.delete("/subjects/a/versions/1");
        rest.put("/config", Map.of("compatibility", "FORWARD"));
        rest.put("/config/b", Map.of("compatibility", "NONE"));
        rest.put("/mode/b", Map.of("mode", "READONLY"));

        server.close();
        server = startServer(); // a new instance on the same topic, maybe another port

        assertThat(rest.get("/subjects").text()).isEqualTo("[\"a\",\"b\"]");
        assertThat(rest.get("/subjects/a/versions").text()).isEqualTo("[2]");
        assertThat(rest.get("/subjects/a/versions?deleted=true").text()).isEqualTo("[1,2]");
        assertThat(rest.get("/subjects/a/versions/2").json().get("id").asInt()).isEqualTo(2);
        assertThat(rest.get("/subjects/b/versions/1").json().get("id").asInt()).isEqualTo(3);
        assertThat(rest.get("/schemas/ids/4").status()).isEqualTo(200);
        assertThat(rest.get("/subjects/gone/versions?deleted=true").errorCode()).isEqualTo(40401);
        assertThat(rest.get("/config").text()).isEqualTo("{\"compatibilityLevel\":\"FORWARD\"}");
        assertThat(rest.get("/config/b").text()).isEqualTo("{\"compatibilityLevel\":\"NONE\"}");
        assertThat(rest.get("/mode/b").text()).isEqualTo("{\"mode\":\"READONLY\"}");
        assertThat(rest.register("b", V1).errorCode()).isEqualTo(42205);

        // known schemas keep their ids, a new one gets the next id never handed out (4 was used, then deleted)
        assertThat(rest.registerOk("c", V2)).isEqualTo(2);
        assertThat(rest.registerOk("c2", "\"string\"")).isEqualTo(4);
        assertThat(rest.registerOk("d", "\"long\"")).isEqualTo(5);
        assertThat(rest.registerOk("a", V1)).isEqualTo(1);
        assertThat(rest.get("/subjects/a/versions").text()).isEqualTo("[2,3]");
    }
}
