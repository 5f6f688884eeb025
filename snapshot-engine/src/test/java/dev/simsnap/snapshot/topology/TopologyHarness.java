package dev.simsnap.snapshot.topology;

import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.serde.AvroDeserializer;
import dev.simsnap.serde.AvroSerializer;
import dev.simsnap.snapshot.deadletter.DeadLetterStats;
import dev.simsnap.snapshot.read.RunStateReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/** TopologyTestDriver around {@link SnapshotTopology} with a {@code mock://} registry. */
final class TopologyHarness implements AutoCloseable {

    /** The harness's current-state record limit ({@code RecordLimits.OUTPUT_LIMIT_CONFIG}). */
    static final int HARNESS_OUTPUT_LIMIT = 200 * 1024;

    final Map<String, Object> serde = Map.of("schema.registry.url", "mock://topology-" + UUID.randomUUID());
    final DeadLetterStats stats = new DeadLetterStats();
    final TopologyTestDriver driver;
    final TestInputTopic<byte[], byte[]> deltas;
    final TestInputTopic<byte[], byte[]> generations;
    final TestOutputTopic<byte[], byte[]> deadLetter;
    final RunStateReader reader;
    private final AvroSerializer<SpecificRecord> serializer = new AvroSerializer<>();
    private final Path stateDir;

    TopologyHarness() throws Exception {
        this(null);
    }

    /**
     * @param topologyRegistry wraps the registry the topology's deserializers and item look-ups use (null: none; the
     *                         records are still written with the harness's registry itself)
     */
    TopologyHarness(java.util.function.UnaryOperator<dev.simsnap.registry.client.SchemaRegistry> topologyRegistry)
            throws Exception {
        this(topologyRegistry, Map.of());
    }

    /** A harness whose topology also gets {@code appConfigs} (as the service sets them). */
    static TopologyHarness withAppConfigs(Map<String, String> appConfigs) throws Exception {
        return new TopologyHarness(null, appConfigs);
    }

    private TopologyHarness(java.util.function.UnaryOperator<dev.simsnap.registry.client.SchemaRegistry>
                                    topologyRegistry, Map<String, String> appConfigs) throws Exception {
        serializer.configure(serde, false);
        StreamsBuilder builder = new StreamsBuilder();
        SnapshotTopology.build(builder, SnapshotTopics.defaults(), () -> {
            AvroDeserializer<?> d = new AvroDeserializer<>();
            d.configure(serde, false);
            return topologyRegistry == null ? d : new AvroDeserializer<>(topologyRegistry.apply(d.registry()), serde,
                    false);
        }, stats);
        stateDir = Files.createTempDirectory(Path.of("target"), "ttd-");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ttd");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        // As a current-state topic with max.message.bytes = 200 KiB + overhead would set it (DeadLetterReasonsTest).
        props.put(dev.simsnap.snapshot.store.RecordLimits.OUTPUT_LIMIT_CONFIG, Integer.toString(HARNESS_OUTPUT_LIMIT));
        props.putAll(appConfigs);
        driver = new TopologyTestDriver(builder.build(), props);
        deltas = driver.createInputTopic(Contracts.DELTAS_TOPIC, new ByteArraySerializer(), new ByteArraySerializer());
        generations = driver.createInputTopic(Contracts.GENERATIONS_TOPIC, new ByteArraySerializer(),
                new ByteArraySerializer());
        deadLetter = driver.createOutputTopic(Contracts.DEAD_LETTER_TOPIC, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        reader = new RunStateReader(driver::getKeyValueStore,
                dev.simsnap.engine.entity.SchemaLookup.cached(registry()));
    }

    /** The registry the topology resolves schema ids with (the harness's mock registry). */
    dev.simsnap.registry.client.SchemaRegistry registry() {
        AvroDeserializer<?> d = new AvroDeserializer<>();
        d.configure(serde, false);
        return d.registry();
    }

    byte[] wire(String topic, SpecificRecord record) {
        return serializer.serialize(topic, record);
    }

    void send(String key, SpecificRecord... records) {
        for (SpecificRecord r : records) {
            deltas.pipeInput(key.getBytes(), wire(Contracts.DELTAS_TOPIC, r));
        }
    }

    void sendRaw(String key, byte[] value) {
        deltas.pipeInput(key == null ? null : key.getBytes(), value);
    }

    void sendGeneration(String key, SpecificRecord record) {
        generations.pipeInput(key.getBytes(), wire(Contracts.GENERATIONS_TOPIC, record));
    }

    List<TestRecord<byte[], byte[]>> deadLetters() {
        return deadLetter.readRecordsToList();
    }

    @Override
    public void close() {
        driver.close();
        serializer.close();
    }
}
