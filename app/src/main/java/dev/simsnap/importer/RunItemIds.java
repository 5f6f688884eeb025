package dev.simsnap.importer;

import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * The entity ids a state-model run holds after its committed history: its partition of {@code simsnap.deltas} read
 * (read_committed) from the beginning to the last stable offset; per collection, an UPSERT adds its entity id and a
 * DELETE removes it (PATCH and APPEND need the entity, so they change no id). A run started as a fork holds items
 * its own history does not show; {@link ArenaImporter} refuses to replace one.
 */
final class RunItemIds {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private RunItemIds() {
    }

    /** Collection → ids in the run's history order. */
    static Map<String, Set<String>> read(Properties all, String runId) {
        Properties props = new Properties();
        all.stringPropertyNames().stream().filter(k -> !k.startsWith("simsnap."))
                .forEach(k -> props.setProperty(k, all.getProperty(k)));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, "dev.simsnap.serde.AvroDeserializer");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "simsnap-import-ids-" + runId);
        Map<String, Set<String>> ids = new TreeMap<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props)) {
            int partitions = consumer.partitionsFor(Contracts.DELTAS_TOPIC, TIMEOUT).size();
            TopicPartition tp = new TopicPartition(Contracts.DELTAS_TOPIC,
                    Utils.toPositive(Utils.murmur2(runId.getBytes(StandardCharsets.UTF_8))) % partitions);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), TIMEOUT).get(tp);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(tp) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("reading run " + runId + "'s history did not finish in "
                            + TIMEOUT.toSeconds() + " s");
                }
                ConsumerRecords<String, Object> records;
                try {
                    records = consumer.poll(Duration.ofMillis(200));
                } catch (RecordDeserializationException e) {
                    // not simsnap's wire format (a poison record the engine dead-letters): no item of the run
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                    continue;
                }
                for (ConsumerRecord<String, Object> r : records) {
                    if (runId.equals(r.key()) && r.value() instanceof StateDelta d && d.getCollection() != null) {
                        Set<String> set = ids.computeIfAbsent(d.getCollection(), c -> new LinkedHashSet<>());
                        if (d.getOp() == Operation.UPSERT) {
                            set.add(d.getEntityId());
                        } else if (d.getOp() == Operation.DELETE) {
                            set.remove(d.getEntityId());
                        }
                    }
                }
            }
        }
        return ids;
    }
}
