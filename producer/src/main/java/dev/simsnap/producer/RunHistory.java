package dev.simsnap.producer;

import dev.simsnap.connection.ClientConfig;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunEnded;
import dev.simsnap.schema.run.RunStarted;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a run's committed records back from its partition of {@code simsnap.deltas} (read_committed, from the
 * beginning up to the last stable offset) to learn whether the run started and ended, its expected workers, and a
 * worker's last committed iteration and sequence.
 */
final class RunHistory {

    private static final Logger LOG = LoggerFactory.getLogger(RunHistory.class);
    static final String AVRO_DESERIALIZER = "dev.simsnap.serde.AvroDeserializer";
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long TIMEOUT_MS = 60_000;

    private RunHistory() {
    }

    /** The partition the default partitioner picks for {@code runId} (murmur2 of the UTF-8 key). */
    static int partitionOf(String runId, int partitions) {
        return Utils.toPositive(Utils.murmur2(runId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /**
     * What a read-back found: the run's state, its first RunStarted (null when not started) and, for the reading
     * worker, each committed step's content digest (steps committed without one are absent).
     */
    record Found(RunState state, RunStarted started, java.util.NavigableMap<Long, byte[]> digests) {
    }

    /** Reads the run's state as seen by {@code workerId}. */
    static RunState read(Properties all, String runId, String workerId, int partitions) {
        return readFull(all, runId, workerId, partitions).state();
    }

    /** Reads the run's state, RunStarted and step digests as seen by {@code workerId}. */
    static Found readFull(Properties all, String runId, String workerId, int partitions) {
        Map<String, Object> own = new java.util.HashMap<>();
        own.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        own.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        own.put(ConsumerConfig.GROUP_ID_CONFIG, null);
        own.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, null);
        own.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        own.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AVRO_DESERIALIZER);
        own.put(ConsumerConfig.CLIENT_ID_CONFIG, "simsnap-readback-" + runId + "-" + workerId);
        Map<String, Object> props = ClientConfig.of(all).kafka(own);
        TopicPartition tp = new TopicPartition(Contracts.DELTAS_TOPIC, partitionOf(runId, partitions));
        boolean started = false;
        boolean ended = false;
        String kind = null;
        List<String> expected = List.of();
        long lastIteration = -1;
        long lastSequence = -1;
        RunStarted first = null;
        java.util.NavigableMap<Long, byte[]> digests = new java.util.TreeMap<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            // Under read_committed, endOffsets is the last stable offset: everything before it is decided.
            Map<TopicPartition, Long> end = consumer.endOffsets(List.of(tp), Duration.ofMillis(TIMEOUT_MS));
            long endOffset = end.get(tp);
            long deadline = System.currentTimeMillis() + TIMEOUT_MS;
            while (consumer.position(tp) < endOffset) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("reading back run " + runId + " did not finish in "
                            + TIMEOUT_MS + " ms");
                }
                ConsumerRecords<String, Object> records;
                try {
                    records = consumer.poll(POLL);
                } catch (RecordDeserializationException e) {
                    // A poison record (not simsnap's wire format) must not keep a worker from opening.
                    LOG.warn("skipping undecodable record at {} offset {}: {}", e.topicPartition(), e.offset(),
                            e.getMessage());
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                    continue;
                }
                for (ConsumerRecord<String, Object> record : records) {
                    if (!runId.equals(record.key())) {
                        continue;
                    }
                    Object value = record.value();
                    if (value instanceof RunStarted && !started) {
                        RunStarted rs = (RunStarted) value;
                        started = true;
                        first = rs;
                        kind = rs.getKind();
                        expected = List.copyOf(rs.getExpectedWorkers());
                    } else if (value instanceof RunEnded) {
                        ended = true;
                    } else if (value instanceof IterationCommitted) {
                        IterationCommitted ic = (IterationCommitted) value;
                        if (workerId.equals(ic.getWorkerId())) {
                            lastIteration = Math.max(lastIteration, ic.getIteration());
                            lastSequence = Math.max(lastSequence, ic.getLastSequence());
                            if (ic.getContentDigest() != null) {
                                java.nio.ByteBuffer d = ic.getContentDigest().duplicate();
                                byte[] bytes = new byte[d.remaining()];
                                d.get(bytes);
                                digests.put(ic.getIteration(), bytes);
                            }
                        }
                    }
                }
            }
        }
        return new Found(new RunState(started, Optional.ofNullable(kind), expected, ended, lastIteration, lastSequence),
                first, digests);
    }
}
