package dev.simsnap.registry.server;

import dev.simsnap.connection.ClientConfig;
import dev.simsnap.topic.SimsnapTopics;
import dev.simsnap.topic.TopicAdmin;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's durable log: one compacted, single-partition topic.
 *
 * <p>Single writer: records are appended synchronously (produce, wait for the broker's ack with acks=all) by
 * one registry instance, which applies them to its own state only after the ack. The registry does not tail
 * the topic after start-up, so several instances must never write to the same topic at the same time: they
 * would hand out the same ids.
 */
final class KafkaStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaStore.class);

    private final String topic;
    private final ClientConfig client;
    private final Duration timeout;
    private KafkaProducer<String, String> producer;

    /** @param client the registry's client configuration: every admin, producer and consumer here is built from it */
    KafkaStore(ClientConfig client, String topic, Duration timeout) {
        this.topic = topic;
        this.timeout = timeout;
        this.client = client;
    }

    /**
     * Creates the topic when absent, or checks it, by {@link SimsnapTopics#SCHEMAS} under this store's name:
     * exactly 1 partition (the log's total order is what makes ids and versions deterministic on replay),
     * compacted, replicated by the cluster-size rule.
     */
    void ensureTopic() {
        try (Admin admin = Admin.create(props(Map.of()))) {
            TopicAdmin.on(admin).timeout(timeout).ensure(SimsnapTopics.SCHEMAS.withName(topic));
        }
    }

    /** Reads the topic from the beginning to its current end, handing each record to {@code apply}. */
    void replay(BiConsumer<String, String> apply) {
        Map<String, Object> consumerProps = Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        TopicPartition partition = new TopicPartition(topic, 0);
        long deadline = System.nanoTime() + timeout.toNanos();
        int count = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props(consumerProps))) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
            while (consumer.position(partition, timeout) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Timed out reading schema store topic " + topic + " to offset " + end);
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key() != null) {
                        apply.accept(record.key(), record.value());
                        count++;
                    }
                }
            }
        }
        LOG.info("Read {} records from schema store topic {}", count, topic);
    }

    /** Appends a record and waits for the broker's acknowledgement; 50002 on timeout, 50001 on failure. */
    void append(StoreRecord record) {
        try {
            producer().send(new ProducerRecord<>(topic, record.key(), record.value()))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new RegistryException(ErrorCode.OPERATION_TIMEOUT, "Timed out writing to the schema store", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(ErrorCode.STORE_ERROR, "Interrupted writing to the schema store", e);
        } catch (ExecutionException e) {
            throw new RegistryException(ErrorCode.STORE_ERROR,
                    "Error writing to the schema store: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(props(Map.of(
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                    ProducerConfig.LINGER_MS_CONFIG, "0",
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(timeout.toMillis()))));
        }
        return producer;
    }

    private Properties props(Map<String, Object> specific) {
        return client.kafkaProperties(specific);
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
