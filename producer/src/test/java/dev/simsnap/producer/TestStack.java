package dev.simsnap.producer;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.registry.server.SchemaRegistryServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The real stack for tests: the JVM-wide devstack broker and one real registry server on it (started once), plus
 * a reader of a run's records.
 */
public final class TestStack {

    private static SchemaRegistryServer registry;
    private static String registryBootstrap;

    private TestStack() {
    }

    /** Worker config for {@code broker}: bootstrap servers and the registry's URL. */
    public static synchronized Properties config(KafkaBroker broker) {
        if (registry == null || !broker.bootstrapServers().equals(registryBootstrap)) {
            registry = SchemaRegistryServer.builder(broker.bootstrapServers()).port(0).build().start();
            registryBootstrap = broker.bootstrapServers();
            Runtime.getRuntime().addShutdownHook(new Thread(registry::close));
        }
        Properties props = new Properties();
        props.setProperty(SimsnapConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
        props.setProperty(SimsnapConfig.SCHEMA_REGISTRY_URL, registry.url());
        return props;
    }

    /** A run id no other test uses. */
    public static String uniqueRun(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Every record of {@code runId} on {@code topic} (all partitions, from the beginning up to the end visible to
     * the isolation level), in offset order per partition.
     */
    public static List<ConsumerRecord<String, Object>> records(Properties config, String topic, String runId,
                                                               boolean readCommitted) {
        Properties props = new Properties();
        props.putAll(config);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, RunHistory.AVRO_DESERIALIZER);
        List<ConsumerRecord<String, Object>> out = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.currentTimeMillis() + 30_000;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("reading " + topic + " timed out");
                }
                org.apache.kafka.clients.consumer.ConsumerRecords<String, Object> batch;
                try {
                    batch = consumer.poll(Duration.ofMillis(200));
                } catch (org.apache.kafka.common.errors.RecordDeserializationException e) {
                    consumer.seek(e.topicPartition(), e.offset() + 1); // another test's poison record
                    continue;
                }
                for (ConsumerRecord<String, Object> record : batch) {
                    if (runId.equals(record.key())) {
                        out.add(record);
                    }
                }
            }
        }
        return out;
    }

    /** The values of {@link #records} that are instances of {@code type}. */
    public static <T> List<T> values(Properties config, String topic, String runId, Class<T> type) {
        return records(config, topic, runId, true).stream().map(ConsumerRecord::value).filter(type::isInstance)
                .map(type::cast).collect(Collectors.toList());
    }
}
