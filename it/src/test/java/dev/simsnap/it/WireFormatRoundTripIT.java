package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.registry.client.RestSchemaRegistryClient;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.serde.AvroDeserializer;
import dev.simsnap.serde.AvroSerializer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every top-level record type (and every StateDelta payload branch, null for DELETE) produced with simsnap's
 * AvroSerializer to {@code simsnap.deltas} / {@code simsnap.generations} on the real broker, registering in the
 * real registry server, and consumed back: with AvroDeserializer as the consumer's value deserializer the records
 * are equal; read as raw bytes, every value starts with 0x00 and the big-endian id the registry holds as the latest
 * version of the record's TopicRecordNameStrategy subject.
 */
@RealKafka
class WireFormatRoundTripIT {

    private static KafkaBroker broker;
    private static SchemaRegistryServer registry;
    private static RestSchemaRegistryClient client;

    @BeforeAll
    static void setUp(KafkaBroker kafka) {
        broker = kafka;
        KafkaIo.createSimsnapTopics(broker);
        registry = SchemaRegistryServer.builder(broker.bootstrapServers()).port(0)
                .topic("_simsnap_schemas_wire_format").build().start();
        client = RestSchemaRegistryClient.builder().urls(registry.url()).build();
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

    @Test
    void everyRecordTypeRoundTripsThroughBrokerAndRegistry() {
        String runId = "wire-" + UUID.randomUUID();
        List<Fixtures.Case> cases = Fixtures.all(runId);

        // Produce through Kafka's own serializer plumbing: the serde is the producer's value.serializer.
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        Map<String, RecordMetadata> sent = new HashMap<>();
        try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(producerProps,
                new StringSerializer(), new AvroSerializer<>(client, Map.of(), false))) {
            for (Fixtures.Case c : cases) {
                try {
                    sent.put(c.name(), producer.send(new ProducerRecord<>(c.topic(), runId, c.record())).get());
                } catch (Exception e) {
                    throw new AssertionError("Producing " + c.name() + " failed", e);
                }
            }
        }

        for (String topic : List.of(Contracts.DELTAS_TOPIC, Contracts.GENERATIONS_TOPIC)) {
            List<Fixtures.Case> expected = cases.stream().filter(c -> c.topic().equals(topic)).toList();
            assertThat(expected).isNotEmpty();

            // Raw bytes: the Confluent framing with the id the registry assigned to the record's subject.
            List<ConsumerRecord<String, byte[]>> raw = KafkaIo.readByKey(broker.bootstrapServers(), topic, runId,
                    expected.size(), Duration.ofSeconds(30));
            for (int i = 0; i < expected.size(); i++) {
                Fixtures.Case c = expected.get(i);
                ConsumerRecord<String, byte[]> r = raw.get(i);
                assertEquals(sent.get(c.name()).offset(), r.offset(), c.name());
                byte[] value = r.value();
                assertThat(value.length).as(c.name()).isGreaterThan(5);
                assertEquals(0x00, value[0], c.name() + ": magic byte");
                String subject = Contracts.subject(topic, c.record().getSchema());
                int registeredId = RegistryRest.latestId(registry.url(), subject);
                assertEquals(registeredId, ByteBuffer.wrap(value, 1, 4).getInt(),
                        c.name() + ": bytes 1-4 must be the id of " + subject);
            }

            // Typed: AvroDeserializer as the consumer's value.deserializer gives equal generated records.
            List<SpecificRecord> typed = readTyped(topic, expected.stream().map(c -> sent.get(c.name())).toList());
            for (int i = 0; i < expected.size(); i++) {
                Fixtures.Case c = expected.get(i);
                assertThat(typed.get(i)).as(c.name()).isInstanceOf(c.record().getClass());
                assertEquals(c.record(), typed.get(i), c.name());
            }
        }

        // One subject per record type and topic (TopicRecordNameStrategy), each with exactly one version.
        for (Fixtures.Case c : cases) {
            String subject = Contracts.subject(c.topic(), c.record().getSchema());
            assertEquals(List.of(1), client.versions(subject), subject);
        }
    }

    /**
     * Reads this run's records of {@code topic} with AvroDeserializer as the consumer's value deserializer. Other
     * test classes share the broker and topic with registries of their own, so the consumer starts at this run's
     * first offset (one key, one partition) instead of the beginning and stops after its last one.
     */
    private static List<SpecificRecord> readTyped(String topic, List<RecordMetadata> ours) {
        TopicPartition partition = new TopicPartition(topic, ours.get(0).partition());
        long first = ours.get(0).offset();
        long last = ours.get(ours.size() - 1).offset();
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        List<SpecificRecord> found = new java.util.ArrayList<>();
        try (KafkaConsumer<String, SpecificRecord> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new AvroDeserializer<>(client, Map.of(), false))) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, first);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long position = first;
            while (position <= last && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, SpecificRecord> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() <= last) {
                        assertEquals(ours.size() > found.size() ? ours.get(found.size()).offset() : -1, r.offset(),
                                "unexpected record between this run's records on " + partition);
                        found.add(r.value());
                    }
                    position = r.offset() + 1;
                }
            }
        }
        assertEquals(ours.size(), found.size(), "typed records on " + partition);
        return found;
    }
}
