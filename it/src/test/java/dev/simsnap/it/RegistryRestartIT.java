package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.registry.client.RegistryException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

/**
 * End to end through the real broker: a registry server closed and replaced by a new one on the same store topic
 * keeps every id, version and setting, and records serialized before the restart deserialize after it with a fresh
 * client; an incompatible StateDelta (a new required field without default) is rejected with HTTP 409 under
 * BACKWARD, before and after the restart.
 */
@RealKafka
class RegistryRestartIT {

    @Test
    void restartKeepsIdsAndIncompatibleChangeIsRejected(KafkaBroker broker) throws IOException {
        KafkaIo.createSimsnapTopics(broker);
        String storeTopic = "_simsnap_schemas_restart_" + UUID.randomUUID();
        String runId = "restart-" + UUID.randomUUID();
        List<Fixtures.Case> cases = Fixtures.all(runId);
        Path avroDir = Path.of(System.getProperty("simsnap.avro.dir", "../contract/src/main/avro")).toAbsolutePath();
        String stateDeltaAvsc = Files.readString(avroDir.resolve("StateDelta.avsc"), StandardCharsets.UTF_8);
        String incompatible = Evolutions.withField(stateDeltaAvsc, "{\"name\": \"priority\", \"type\": \"int\"}");
        String compatible = Evolutions.withField(stateDeltaAvsc,
                "{\"name\": \"note\", \"type\": [\"null\", \"string\"], \"default\": null}");
        String deltaSubject = Contracts.subject(Contracts.DELTAS_TOPIC, StateDelta.getClassSchema());
        String settingsSubject = "simsnap.restart-settings-" + UUID.randomUUID();

        Map<String, Integer> idsBefore = new LinkedHashMap<>();
        Map<String, List<Integer>> versionsBefore = new LinkedHashMap<>();
        List<RecordMetadata> produced = new ArrayList<>();
        List<String> subjectsBefore;
        int evolvedId;
        try (SchemaRegistryServer first = start(broker, storeTopic);
             RestSchemaRegistryClient client = RestSchemaRegistryClient.builder().urls(first.url()).build();
             KafkaProducer<String, byte[]> producer = KafkaIo.producer(broker.bootstrapServers())) {
            // Register every contract by serializing (auto-registration), and produce the records.
            AvroSerializer<SpecificRecord> serializer = new AvroSerializer<>(client, Map.of(), false);
            for (Fixtures.Case c : cases) {
                produced.add(KafkaIo.send(producer, c.topic(), runId, serializer.serialize(c.topic(), c.record())));
            }
            // A second version, and settings, that must survive too.
            evolvedId = registerRaw(first.url(), deltaSubject, compatible);
            setLevel(first.url(), settingsSubject, "FULL_TRANSITIVE");

            assertIncompatibleRejected(first.url(), client, deltaSubject, incompatible, "before the restart");
            for (Fixtures.Case c : cases) {
                String subject = Contracts.subject(c.topic(), c.record().getSchema());
                idsBefore.put(subject, RegistryRest.latestId(first.url(), subject));
                versionsBefore.put(subject, client.versions(subject));
            }
            subjectsBefore = client.subjects();
        }
        assertEquals(List.of(1, 2), versionsBefore.get(deltaSubject));
        assertEquals(evolvedId, idsBefore.get(deltaSubject));

        try (SchemaRegistryServer second = start(broker, storeTopic);
             RestSchemaRegistryClient client = RestSchemaRegistryClient.builder().urls(second.url()).build()) {
            assertThat(client.subjects()).containsExactlyInAnyOrderElementsOf(subjectsBefore);
            for (Map.Entry<String, Integer> e : idsBefore.entrySet()) {
                assertEquals(e.getValue(), RegistryRest.latestId(second.url(), e.getKey()), e.getKey());
                assertEquals(versionsBefore.get(e.getKey()), client.versions(e.getKey()), e.getKey());
            }
            assertEquals("FULL_TRANSITIVE", RegistryRest.get(second.url(), "/config/"
                    + RegistryRest.segment(settingsSubject)).body().path("compatibilityLevel").asText());

            // Records written before the restart decode with a fresh client (empty caches) against the new server.
            AvroDeserializer<SpecificRecord> deserializer = new AvroDeserializer<>(client, Map.of(), false);
            for (String topic : List.of(Contracts.DELTAS_TOPIC, Contracts.GENERATIONS_TOPIC)) {
                List<Fixtures.Case> expected = cases.stream().filter(c -> c.topic().equals(topic)).toList();
                List<ConsumerRecord<String, byte[]>> records = KafkaIo.readByKey(broker.bootstrapServers(), topic,
                        runId, expected.size(), Duration.ofSeconds(30));
                for (int i = 0; i < expected.size(); i++) {
                    assertEquals(expected.get(i).record(), deserializer.deserialize(topic, records.get(i).value()),
                            expected.get(i).name());
                }
            }

            // The same contract registered again keeps its id (v1 of StateDelta), new schemas get fresh ids.
            Schema v1 = new Schema.Parser().parse(stateDeltaAvsc);
            int v1Id = client.version(deltaSubject, "1").id();
            assertEquals(v1Id, client.register(deltaSubject, v1));
            assertEquals(List.of(1, 2), client.versions(deltaSubject));
            int fresh = registerRaw(second.url(), "simsnap.restart-new-" + UUID.randomUUID(),
                    Evolutions.withField(stateDeltaAvsc, "{\"name\": \"extra\", \"type\": \"long\", \"default\": 0}"));
            assertThat(idsBefore.values()).doesNotContain(fresh);
            assertThat(fresh).isNotEqualTo(v1Id);

            assertIncompatibleRejected(second.url(), client, deltaSubject, incompatible, "after the restart");
        }
    }

    private static SchemaRegistryServer start(KafkaBroker broker, String storeTopic) {
        return SchemaRegistryServer.builder(broker.bootstrapServers()).port(0).topic(storeTopic).build().start();
    }

    private static int registerRaw(String url, String subject, String schema) {
        RegistryRest.Answer answer = RegistryRest.post(url, "/subjects/" + RegistryRest.segment(subject) + "/versions",
                Map.of("schema", schema));
        assertEquals(200, answer.status(), "register under " + subject + ": " + answer);
        return answer.body().path("id").asInt();
    }

    private static void setLevel(String url, String subject, String level) {
        RegistryRest.Answer answer = RegistryRest.put(url, "/config/" + RegistryRest.segment(subject),
                Map.of("compatibility", level));
        assertEquals(200, answer.status(), "PUT /config/" + subject + ": " + answer);
    }

    /** A new required field without default, under the (global default) BACKWARD level: HTTP 409. */
    private static void assertIncompatibleRejected(String url, RestSchemaRegistryClient client, String subject,
                                                   String incompatible, String when) {
        RegistryRest.Answer level = RegistryRest.get(url, "/config/" + RegistryRest.segment(subject)
                + "?defaultToGlobal=true");
        assertEquals("BACKWARD", level.body().path("compatibilityLevel").asText(), when + ": " + level);
        List<Integer> versions = client.versions(subject);

        RegistryRest.Answer answer = RegistryRest.post(url, "/subjects/" + RegistryRest.segment(subject) + "/versions",
                Map.of("schema", incompatible, "schemaType", "AVRO"));
        assertEquals(409, answer.status(), when + ": " + answer);
        assertThat(answer.body().path("error_code").asInt()).as(when + ": " + answer).isIn(409, 40901);
        assertThat(answer.body().path("message").asText()).as(when + ": " + answer).isNotBlank();

        RegistryRest.Answer test = RegistryRest.post(url, "/compatibility/subjects/" + RegistryRest.segment(subject)
                + "/versions/latest", Map.of("schema", incompatible));
        assertEquals(200, test.status(), when + ": " + test);
        assertThat(test.body().path("is_compatible").asBoolean(true)).as(when + ": " + test).isFalse();

        assertThatThrownBy(() -> client.register(subject, new Schema.Parser().parse(incompatible)))
                .as(when).isInstanceOf(RegistryException.IncompatibleSchema.class);
        assertEquals(versions, client.versions(subject), when + ": a rejected schema adds no version");
    }
}
