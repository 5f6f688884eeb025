package dev.simsnap.service.live;

import dev.simsnap.connection.ClientConfig;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.serde.AvroDeserializer;
import dev.simsnap.serde.AvroSerdeConfig;
import dev.simsnap.snapshot.deadletter.Rejection;
import dev.simsnap.snapshot.delta.DeltaLog;
import dev.simsnap.snapshot.replay.ReplayState;
import dev.simsnap.snapshot.topology.CurrentState;
import dev.simsnap.snapshot.topology.WireFormatDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Catch-up for observers: replays the run's partition of {@code simsnap.deltas} (read_committed, from the beginning to
 * the end offset at call time) with the same {@link DeltaLog} rules as the topology, emitting one
 * {@link LiveEvent#iteration} per applied consistent iteration at or above {@code from}, exactly as the live path
 * builds them from {@code simsnap.current-state}. A schema registry that cannot be reached ends the catch-up with its
 * {@link dev.simsnap.registry.client.RegistryException} (no event is skipped for it).
 */
public final class CatchUp {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final ClientConfig client;
    private final String deltasTopic;

    /** @param client the client configuration its consumer and registry client are built from */
    public CatchUp(ClientConfig client, String deltasTopic) {
        this.client = client;
        this.deltasTopic = deltasTopic;
    }

    /**
     * Emits the run's iterations >= {@code from} up to the deltas' current end; returns the last iteration emitted
     * or applied (-1 if none). {@code stop} is polled between records (true ends early).
     */
    public long replay(String run, long from, Consumer<LiveEvent> sink, java.util.function.BooleanSupplier stop) {
        if (!RunIds.isValid(run)) {
            throw new IllegalArgumentException("invalid run id");
        }
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        AvroDeserializer<?> d = new AvroDeserializer<>();
        d.configure(client.registry(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER, true)), false);
        long[] last = {-1};
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(client.kafka(props), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
             WireFormatDecoder decoder = new WireFormatDecoder(d)) {
            List<PartitionInfo> parts = c.partitionsFor(deltasTopic, TIMEOUT);
            if (parts == null || parts.isEmpty()) {
                return -1;
            }
            TopicPartition tp = new TopicPartition(deltasTopic, CurrentState.partitionOf(run, parts.size()));
            c.assign(List.of(tp));
            long begin = c.beginningOffsets(List.of(tp), TIMEOUT).get(tp);
            long end = c.endOffsets(List.of(tp), TIMEOUT).get(tp);
            c.seek(tp, begin);
            DeltaLog log = ReplayState.fresh(run, begin).log(Long.MAX_VALUE,
                    dev.simsnap.engine.entity.SchemaLookup.cached(d.registry()), (r, iteration, date, clock, changes) -> {
                last[0] = iteration;
                if (iteration >= from) {
                    sink.accept(LiveEvent.iteration(r, iteration, date, changes));
                }
            });
            outer:
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(200))) {
                    if (rec.offset() >= end || stop.getAsBoolean()) {
                        break outer;
                    }
                    if (rec.key() == null || !run.equals(new String(rec.key(), StandardCharsets.UTF_8))) {
                        continue;
                    }
                    try {
                        log.process(run, decoder.decode(rec.topic(), rec.headers(), rec.value()));
                    } catch (Rejection rejected) {
                        // dead-lettered by the topology: no effect (a registry that cannot be reached is no
                        // rejection: its exception ends the catch-up, see WireFormatDecoder)
                    }
                }
            }
        }
        return last[0];
    }
}
