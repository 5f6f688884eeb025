package dev.simsnap.snapshot.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The staged store inside a real Streams task (the test driver commits after every input record): what one record
 * writes reaches the changelog at the commit only as its net effect, and reads see staged and stored entries merged.
 */
class CommitStagedStoreTest {

    private static final String STORE = "staged";
    private TopologyTestDriver driver;
    private TestInputTopic<String, String> in;
    private TestOutputTopic<String, String> out;
    private TestOutputTopic<String, byte[]> changelog;

    /** Commands separated by ';': {@code put k v}, {@code del k}, {@code scan prefix} (emits "k=v,k=v"). */
    private static final class Commands implements Processor<String, String, String, String> {
        private ProcessorContext<String, String> context;
        private KeyValueStore<String, byte[]> store;

        @Override
        public void init(ProcessorContext<String, String> context) {
            this.context = context;
            this.store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<String, String> record) {
            for (String command : record.value().split(";")) {
                String[] p = command.trim().split(" ");
                switch (p[0]) {
                    case "put" -> store.put(p[1], p[2].getBytes(StandardCharsets.UTF_8));
                    case "del" -> store.delete(p[1]);
                    case "get" -> {
                        byte[] v = store.get(p[1]);
                        context.forward(record.withValue(v == null ? "null" : new String(v, StandardCharsets.UTF_8)));
                    }
                    case "scan" -> {
                        List<String> seen = new ArrayList<>();
                        try (KeyValueIterator<String, byte[]> it = p.length > 1
                                ? store.prefixScan(p[1], new StringSerializer()) : store.all()) {
                            it.forEachRemaining(kv -> seen.add(kv.key + "=" + new String(kv.value,
                                    StandardCharsets.UTF_8)));
                        }
                        context.forward(record.withValue(String.join(",", seen)));
                    }
                    default -> throw new IllegalArgumentException(command);
                }
            }
        }
    }

    @BeforeEach
    void start() {
        StreamsBuilder b = new StreamsBuilder();
        b.addStateStore(SnapshotStores.stagedBinary(STORE));
        b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .process(Commands::new, STORE)
                .to("out", Produced.with(Serdes.String(), Serdes.String()));
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "staged-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(b.build(), p);
        in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
        out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
        changelog = driver.createOutputTopic("staged-test-" + STORE + "-changelog", new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private Map<String, String> changelogRecords() {
        Map<String, String> seen = new LinkedHashMap<>();
        for (KeyValue<String, byte[]> kv : changelog.readKeyValuesToList()) {
            seen.put(kv.key, kv.value == null ? null : new String(kv.value, StandardCharsets.UTF_8));
        }
        return seen;
    }

    @Test
    void onlyTheNetEffectOfARecordReachesTheChangelogAtTheCommit() {
        in.pipeInput("r", "put a|1 x; put a|2 y; del a|2; put b|1 z; put b|1 w");
        assertThat(changelogRecords()).containsExactly(Map.entry("a|1", "x"), Map.entry("b|1", "w"));
        assertThat(driver.getKeyValueStore(STORE).get("a|2")).isNull();

        // A stored key deleted (and one put and deleted again) in a later record: one tombstone, for the stored key.
        in.pipeInput("r", "del a|1; put c|1 v; del c|1");
        Map<String, String> second = changelogRecords();
        assertThat(second).containsOnlyKeys("a|1");
        assertThat(second.get("a|1")).isNull();
    }

    @Test
    void readsMergeStagedOverStoredInKeyOrder() {
        in.pipeInput("r", "put a|1 x; put a|3 y; put b|1 z");
        out.readValuesToList();
        in.pipeInput("r", "put a|2 n; del a|3; put a|1 x2; scan a|; scan; get a|3; get a|1; get b|1");
        assertThat(out.readValuesToList()).containsExactly("a|1=x2,a|2=n", "a|1=x2,a|2=n,b|1=z", "null", "x2",
                "z");
    }

    @Test
    void keysOutsideTheBasicMultilingualPlaneAreRefused() {
        // Their UTF-16 order is not their UTF-8 order, which the merge with the wrapped store relies on.
        KeyValueStore<String, byte[]> store = SnapshotStores.stagedBinary("unused").build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.put("run|\uD83D\uDE00", new byte[] {1}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
