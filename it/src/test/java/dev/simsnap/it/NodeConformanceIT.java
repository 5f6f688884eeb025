package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.devstack.junit.RequiredTool;
import dev.simsnap.registry.client.RestSchemaRegistryClient;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.serde.AvroDeserializer;
import dev.simsnap.serde.AvroSerializer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Conformance with clients nobody on the team wrote: Confluent's official Node.js Schema Registry client
 * ({@code @confluentinc/schemaregistry}, its AvroSerializer/AvroDeserializer) and kafkajs, against the real
 * embedded broker and simsnap's registry server, in both directions, plus the registry's REST semantics as that
 * client sees them. The Node drivers live in {@code it/node} (plain CommonJS, no build step).
 *
 * <p>{@code npm ci} runs when {@code it/node/node_modules} is missing or does not match package-lock.json; the test
 * is skipped only when {@code node} or {@code npm} is not on the PATH, and fails then under {@code CI=true}
 * ({@link RequiredTool}).
 */
@RealKafka
class NodeConformanceIT {

    private static final Logger LOG = LoggerFactory.getLogger(NodeConformanceIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(5);

    @TempDir
    static Path work;

    private static KafkaBroker broker;
    private static Path nodeDir;
    private static Path avroDir;
    private static Path node;
    private static SchemaRegistryServer registry;
    private static RestSchemaRegistryClient client;
    private static AvroSerializer<SpecificRecord> serializer;
    private static AvroDeserializer<SpecificRecord> deserializer;

    @BeforeAll
    static void setUp(KafkaBroker kafka) {
        Optional<Path> nodeExe = NodeSupport.onPath("node");
        Optional<Path> npmExe = NodeSupport.onPath("npm");
        RequiredTool.require("node and npm", nodeExe.isPresent() && npmExe.isPresent(), NodeSupport.INSTALL_HINT
                + " (node: " + nodeExe + ", npm: " + npmExe + ", PATH=" + System.getenv("PATH") + ")");
        node = nodeExe.get();
        nodeDir = Path.of(System.getProperty("simsnap.node.dir", "node")).toAbsolutePath();
        avroDir = Path.of(System.getProperty("simsnap.avro.dir", "../contract/src/main/avro")).toAbsolutePath();
        assertThat(nodeDir.resolve("package-lock.json")).as("simsnap.node.dir").isRegularFile();
        assertThat(avroDir.resolve("StateDelta.avsc")).as("simsnap.avro.dir").isRegularFile();
        LOG.info("Node conformance: {}", NodeSupport.ensureInstalled(npmExe.get(), nodeDir, NPM_TIMEOUT));

        broker = kafka;
        KafkaIo.createSimsnapTopics(broker);
        registry = SchemaRegistryServer.builder(broker.bootstrapServers()).port(0)
                .topic("_simsnap_schemas_node_conformance").build().start();
        client = RestSchemaRegistryClient.builder().urls(registry.url()).build();
        serializer = new AvroSerializer<>(client, Map.of(), false);
        deserializer = new AvroDeserializer<>(client, Map.of(), false);
    }

    @AfterAll
    static void tearDown() {
        if (client != null) {
            client.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    /**
     * (a) Node registers each contract (.avsc text) under the subject Confluent's TopicRecordNameStrategy names,
     * serializes with Confluent's AvroSerializer and produces with kafkajs; Java reads the records from the broker
     * and its AvroDeserializer yields the generated classes with equal values. Java's serializer, fed the same
     * record, writes the very same bytes (same registry id, same Avro binary).
     */
    @Test
    void nodeSerializesAndProducesJavaDeserializes() throws IOException {
        String runId = "node-to-java-" + UUID.randomUUID();
        List<Fixtures.Case> cases = Fixtures.all(runId);
        ObjectNode request = JSON.createObjectNode();
        request.put("registryUrl", registry.url());
        request.put("bootstrap", broker.bootstrapServers());
        ArrayNode requestCases = request.putArray("cases");
        for (Fixtures.Case c : cases) {
            requestCases.addObject()
                    .put("name", c.name())
                    .put("topic", c.topic())
                    .put("key", runId)
                    .put("avscFile", avsc(c).toString())
                    .put("avroJson", SpecJson.encode(c.record()));
        }
        NodeSupport.Outcome outcome = runNode("serialize.js", request);
        JsonNode results = outcome.result().path("cases");
        assertEquals(cases.size(), results.size(), outcome.describe());

        Map<String, List<ConsumerRecord<String, byte[]>>> consumed = new HashMap<>();
        Map<String, Integer> nextIndex = new HashMap<>();
        for (int i = 0; i < cases.size(); i++) {
            Fixtures.Case c = cases.get(i);
            JsonNode r = results.get(i);
            String where = c.name() + ": " + r + "\n" + outcome.describe();
            String subject = Contracts.subject(c.topic(), c.record().getSchema());
            assertEquals(subject, r.path("subject").asText(), "Confluent's TOPIC_RECORD subject, " + where);
            int id = r.path("registeredId").asInt();
            assertEquals(0, r.path("wireMagic").asInt(), where);
            assertEquals(id, r.path("wireSchemaId").asInt(), where);
            assertEquals(id, RegistryRest.latestId(registry.url(), subject), where);

            byte[] nodeBytes = Base64.getDecoder().decode(r.path("base64").asText());
            SpecificRecord decoded = deserializer.deserialize(c.topic(), nodeBytes);
            assertThat(decoded).as(where).isInstanceOf(c.record().getClass());
            assertEquals(c.record(), decoded, where);
            assertArrayEquals(nodeBytes, serializer.serialize(c.topic(), c.record()),
                    "Java's AvroSerializer must write the same bytes as Confluent's for " + where);

            // The same bytes went through the broker with kafkajs.
            List<ConsumerRecord<String, byte[]>> onTopic = consumed.computeIfAbsent(c.topic(),
                    t -> KafkaIo.readByKey(broker.bootstrapServers(), t, runId,
                            (int) cases.stream().filter(x -> x.topic().equals(t)).count(), Duration.ofSeconds(30)));
            int index = nextIndex.merge(c.topic(), 1, Integer::sum) - 1;
            ConsumerRecord<String, byte[]> record = onTopic.get(index);
            assertEquals(r.path("producedOffset").asLong(), record.offset(), where);
            assertArrayEquals(nodeBytes, record.value(), "bytes produced by kafkajs, " + where);
            assertEquals(c.record(), deserializer.deserialize(c.topic(), record.headers(), record.value()), where);
        }
    }

    /**
     * (b) Java's AvroSerializer (registering through RestSchemaRegistryClient) writes every record type; Confluent's
     * AvroDeserializer decodes each, and its Avro JSON encoding, read back into the generated class, equals the
     * original.
     */
    @Test
    void javaSerializesNodeDeserializes() throws IOException {
        String runId = "java-to-node-" + UUID.randomUUID();
        List<Fixtures.Case> cases = Fixtures.all(runId);
        ObjectNode request = JSON.createObjectNode();
        request.put("registryUrl", registry.url());
        ArrayNode requestCases = request.putArray("cases");
        List<Integer> ids = new ArrayList<>();
        for (Fixtures.Case c : cases) {
            byte[] bytes = serializer.serialize(c.topic(), c.record());
            ids.add(java.nio.ByteBuffer.wrap(bytes, 1, 4).getInt());
            requestCases.addObject()
                    .put("name", c.name())
                    .put("topic", c.topic())
                    .put("base64", Base64.getEncoder().encodeToString(bytes));
        }
        NodeSupport.Outcome outcome = runNode("deserialize.js", request);
        JsonNode results = outcome.result().path("cases");
        assertEquals(cases.size(), results.size(), outcome.describe());
        for (int i = 0; i < cases.size(); i++) {
            Fixtures.Case c = cases.get(i);
            JsonNode r = results.get(i);
            String where = c.name() + ": " + r + "\n" + outcome.describe();
            assertEquals(ids.get(i).intValue(), r.path("schemaId").asInt(), where);
            assertEquals(Contracts.subject(c.topic(), c.record().getSchema()), r.path("subject").asText(), where);
            SpecificRecord fromNode = SpecJson.decode(r.path("avroJson").asText(), c.record().getSchema());
            assertEquals(c.record(), fromNode, where);
        }
    }

    /**
     * (c) The registry's REST semantics as Confluent's client sees them: lookups, versions, config and
     * compatibility endpoints, the error codes the client surfaces, and an incompatible registration rejected
     * with HTTP 409.
     */
    @Test
    void registryApiThroughConfluentClient() throws IOException {
        String subject = Contracts.subject("simsnap.node-api", StateDelta.getClassSchema());
        String contract = Files.readString(avroDir.resolve("StateDelta.avsc"), StandardCharsets.UTF_8);
        ObjectNode request = JSON.createObjectNode();
        request.put("registryUrl", registry.url());
        request.put("subject", subject);
        request.put("schema", contract);
        request.put("compatibleSchema", Evolutions.withField(contract,
                "{\"name\": \"note\", \"type\": [\"null\", \"string\"], \"default\": null}"));
        request.put("incompatibleSchema", Evolutions.withField(contract,
                "{\"name\": \"priority\", \"type\": \"int\"}"));
        NodeSupport.Outcome outcome = runNode("registry-api.js", request);
        JsonNode steps = outcome.result().path("steps");
        String all = "\n" + steps.toPrettyString() + "\n" + outcome.describe();

        assertEquals("BACKWARD", ok(steps, "defaultCompatibility", all).asText(), all);
        assertEquals("BACKWARD", ok(steps, "defaultConfig", all).path("compatibilityLevel").asText(), all);
        int id = ok(steps, "register", all).asInt();
        assertThat(id).as(all).isPositive();
        assertEquals(id, ok(steps, "registerAgain", all).asInt(), all);
        assertEquals(id, ok(steps, "getId", all).asInt(), all);
        for (String step : List.of("getIdFullResponse", "latest", "version1")) {
            JsonNode meta = ok(steps, step, all);
            assertEquals(id, meta.path("id").asInt(), step + all);
            assertEquals(1, meta.path("version").asInt(), step + all);
            assertEquals(subject, meta.path("subject").asText(), step + all);
        }
        assertEquals("dev.simsnap.schema.delta.StateDelta", ok(steps, "latest", all).path("schemaRecord").asText(), all);
        assertEquals("[1]", ok(steps, "allVersions", all).toString(), all);
        assertEquals(1, ok(steps, "getVersion", all).asInt(), all);
        assertThat(ok(steps, "allSubjects", all).toString()).as(all).contains("\"" + subject + "\"");
        assertEquals("dev.simsnap.schema.delta.StateDelta",
                ok(steps, "schemaById", all).path("schemaRecord").asText(), all);

        error(steps, "subjectCompatibilityUnset", 404, List.of(40408), all);
        assertEquals("FULL", ok(steps, "updateCompatibilityFull", all).asText(), all);
        assertEquals("FULL", ok(steps, "subjectCompatibilityFull", all).asText(), all);
        assertEquals("FULL", ok(steps, "subjectConfigFull", all).path("compatibilityLevel").asText(), all);
        assertEquals("BACKWARD", ok(steps, "updateCompatibilityBackward", all).asText(), all);
        assertEquals("BACKWARD", ok(steps, "subjectCompatibilityBackward", all).asText(), all);
        error(steps, "updateCompatibilityInvalid", 422, List.of(42203), all);

        assertThat(ok(steps, "testCompatibleLatest", all).asBoolean()).as(all).isTrue();
        assertThat(ok(steps, "testCompatibleV1", all).asBoolean()).as(all).isTrue();
        assertThat(ok(steps, "testIncompatibleLatest", all).isBoolean()).as(all).isTrue();
        assertThat(ok(steps, "testIncompatibleLatest", all).asBoolean()).as(all).isFalse();
        assertThat(ok(steps, "testIncompatibleV1", all).asBoolean()).as(all).isFalse();
        JsonNode rejected = error(steps, "registerIncompatible", 409, List.of(409, 40901), all);
        assertThat(rejected.path("isRestError").asBoolean()).as(all).isTrue();
        assertEquals("[1]", ok(steps, "versionsAfterRejection", all).toString(), all);
        int evolvedId = ok(steps, "registerCompatible", all).asInt();
        assertThat(evolvedId).as(all).isNotEqualTo(id);
        assertEquals("[1,2]", ok(steps, "versionsAfterEvolution", all).toString(), all);
        assertEquals(2, ok(steps, "latestAfterEvolution", all).path("version").asInt(), all);
        assertEquals(evolvedId, ok(steps, "latestAfterEvolution", all).path("id").asInt(), all);

        error(steps, "unknownSubject", 404, List.of(40401), all);
        error(steps, "unknownVersion", 404, List.of(40402), all);
        error(steps, "unknownId", 404, List.of(40403), all);
        error(steps, "invalidSchema", 422, List.of(42201), all);
    }

    private static JsonNode ok(JsonNode steps, String step, String context) {
        JsonNode s = steps.path(step);
        assertThat(s.has("ok")).as("step " + step + " should succeed, got " + s + context).isTrue();
        return s.get("ok");
    }

    private static JsonNode error(JsonNode steps, String step, int status, List<Integer> codes, String context) {
        JsonNode e = steps.path(step).path("error");
        assertThat(e.isObject()).as("step " + step + " should fail, got " + steps.path(step) + context).isTrue();
        assertEquals(status, e.path("status").asInt(), "HTTP status of " + step + context);
        assertThat(codes).as("error_code of " + step + context).contains(e.path("errorCode").asInt());
        return e;
    }

    private static Path avsc(Fixtures.Case c) {
        return avroDir.resolve(c.record().getSchema().getName() + ".avsc");
    }

    private static NodeSupport.Outcome runNode(String script, JsonNode request) throws IOException {
        Path file = Files.createTempFile(work, script.replace(".js", "-"), ".json");
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(request),
                StandardCharsets.UTF_8);
        NodeSupport.Outcome outcome = NodeSupport.run(nodeDir, NODE_TIMEOUT, Map.of(), node.toString(), script,
                file.toString());
        LOG.info("node {} finished in {} ms (exit {})", script, outcome.millis(), outcome.exitCode());
        assertThat(outcome.ok()).as("node " + script + " failed\n" + outcome.describe()).isTrue();
        return outcome;
    }
}
