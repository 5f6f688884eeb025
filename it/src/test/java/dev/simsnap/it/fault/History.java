package dev.simsnap.it.fault;

import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.serde.AvroDeserializer;
import dev.simsnap.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A run's records on a topic, read from the beginning to the end (the last stable offset for read_committed) with a
 * plain consumer, no group: what the history holds, independent of the service.
 */
final class History {

    /** One record of the run: its offset and decoded value. */
    record Entry(long offset, Object value) {
    }

    private final List<Entry> entries;

    private History(List<Entry> entries) {
        this.entries = entries;
    }

    /** The run's records on {@code topic} ({@code isolation} = read_committed or read_uncommitted). */
    static History read(String bootstrap, String registryUrl, String topic, String run, String isolation) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, Object> serde = new HashMap<>();
        serde.put("schema.registry.url", registryUrl);
        serde.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        AvroDeserializer<?> values = new AvroDeserializer<>();
        values.configure(serde, false);
        List<Entry> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                     new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (parts.stream().anyMatch(p -> consumer.position(p, Duration.ofSeconds(30)) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("reading " + topic + " to " + end + " took over 60 s");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (run.equals(r.key())) {
                        found.add(new Entry(r.offset(), r.value() == null ? null
                                : values.deserialize(topic, r.headers(), r.value())));
                    }
                }
            }
        }
        return new History(found);
    }

    /** IterationCommitted records per "worker step". */
    Map<String, Integer> commitsPerStep() {
        Map<String, Integer> out = new TreeMap<>();
        for (Entry e : entries) {
            if (e.value() instanceof IterationCommitted c) {
                out.merge(c.getWorkerId() + " " + c.getIteration(), 1, Integer::sum);
            }
        }
        return out;
    }

    /** StateDelta records per "worker sequence". */
    Map<String, Integer> deltasPerSequence() {
        Map<String, Integer> out = new TreeMap<>();
        for (Entry e : entries) {
            if (e.value() instanceof StateDelta d) {
                out.merge(d.getWorkerId() + " " + d.getSequence(), 1, Integer::sum);
            }
        }
        return out;
    }

    /** StateDelta records per "worker step". */
    Map<String, Integer> deltasPerStep() {
        Map<String, Integer> out = new TreeMap<>();
        for (Entry e : entries) {
            if (e.value() instanceof StateDelta d) {
                out.merge(d.getWorkerId() + " " + d.getIteration(), 1, Integer::sum);
            }
        }
        return out;
    }

    /** delta_count of each IterationCommitted, per "worker step" (the last one when repeated). */
    Map<String, Integer> declaredDeltaCounts() {
        Map<String, Integer> out = new TreeMap<>();
        for (Entry e : entries) {
            if (e.value() instanceof IterationCommitted c) {
                out.put(c.getWorkerId() + " " + c.getIteration(), c.getDeltaCount());
            }
        }
        return out;
    }

    int size() {
        return entries.size();
    }
}
