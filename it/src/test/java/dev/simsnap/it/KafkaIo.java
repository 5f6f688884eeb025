package dev.simsnap.it;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.topic.SimsnapTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients for the tests: raw bytes in and out, so the tests see exactly what travels. */
final class KafkaIo {

    private KafkaIo() {
    }

    /** Creates (or checks) simsnap's pipeline topics by their specs, with 3 partitions (idempotent). */
    static void createSimsnapTopics(KafkaBroker broker) {
        broker.ensureTopics(3, SimsnapTopics.pipeline());
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(props);
    }

    static RecordMetadata send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value) {
        try {
            return producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new AssertionError("Producing to " + topic + " failed", e);
        }
    }

    /**
     * Reads {@code topic} from the beginning (all partitions, no group) until {@code expected} records with
     * {@code key} arrived, and returns them in offset order (one key is on one partition).
     */
    static List<ConsumerRecord<String, byte[]>> readByKey(String bootstrap, String topic, String key, int expected,
                                                          Duration timeout) {
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = committedFromStart(bootstrap, topic, timeout)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (found.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        found.add(r);
                    }
                }
            }
        }
        if (found.size() != expected) {
            throw new AssertionError("Expected " + expected + " records with key " + key + " on " + topic + " within "
                    + timeout + ", found " + found.size() + ": " + found.stream()
                    .map(r -> r.partition() + "@" + r.offset() + " " + Arrays.toString(Arrays.copyOf(r.value(), 5)))
                    .collect(Collectors.joining(", ")));
        }
        found.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        return found;
    }

    /**
     * A read_committed consumer (string keys, byte values, no group) assigned every partition of {@code topic} at
     * its beginning; {@code timeout} bounds the lookup of the partitions.
     */
    static KafkaConsumer<String, byte[]> committedFromStart(String bootstrap, String topic, Duration timeout) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props);
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return consumer;
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /** The last header {@code name} of {@code r} as UTF-8 text, or null. */
    static String header(ConsumerRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
