package dev.simsnap.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.utils.Exit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaBrokerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.builder().start();
    }

    @AfterAll
    static void closeBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void producedRecordsAreConsumedInOrder() throws Exception {
        assertThat(broker.createTopic("plain", 1, Map.of())).isTrue();
        List<String> sent = IntStream.range(0, 20).mapToObj(i -> "value-" + i).toList();
        try (KafkaProducer<String, String> producer = TestClients.producer(broker)) {
            for (String value : sent) {
                producer.send(new ProducerRecord<>("plain", "run-1", value)).get(10, TimeUnit.SECONDS);
            }
        }

        var records = TestClients.readAll(broker, "plain", sent.size(), "read_uncommitted", TIMEOUT);

        assertThat(TestClients.values(records)).containsExactlyElementsOf(sent);
        assertThat(records).allSatisfy(r -> assertThat(r.key()).isEqualTo("run-1"));
    }

    @Test
    void createTopicIsIdempotentAndAppliesConfigs() throws Exception {
        assertThat(broker.createTopic("compacted", 3, Map.of("cleanup.policy", "compact"))).isTrue();
        assertThat(broker.createTopic("compacted", 3, Map.of("cleanup.policy", "compact"))).isFalse();

        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            var description = admin.describeTopics(List.of("compacted")).allTopicNames().get().get("compacted");
            assertThat(description.partitions()).hasSize(3);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "compacted");
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        }
    }

    @Test
    void committedTransactionIsVisibleToReadCommittedAndAbortedOneIsNot() throws Exception {
        broker.createTopic("tx", 1, Map.of());
        Map<String, Object> tx = Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "devstack-test-tx");
        try (KafkaProducer<String, String> producer = TestClients.producer(broker, tx)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("tx", "k", "committed-1"));
            producer.send(new ProducerRecord<>("tx", "k", "committed-2"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("tx", "k", "aborted-1"));
            producer.flush(); // the aborted record really reaches the log before the abort
            producer.abortTransaction();
        }

        var committed = TestClients.readAll(broker, "tx", 2, "read_committed", TIMEOUT);
        var uncommitted = TestClients.readAll(broker, "tx", 3, "read_uncommitted", TIMEOUT);

        assertThat(TestClients.values(committed)).containsExactly("committed-1", "committed-2");
        assertThat(TestClients.values(uncommitted)).containsExactly("committed-1", "committed-2", "aborted-1");
    }

    @Test
    void haltRequestedByKafkaIsRefusedWhileTheBrokerRuns() {
        assertThatThrownBy(() -> Exit.halt(1, "simulated fatal fault"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("halt(1): simulated fatal fault");

        assertThat(broker.fatalError()).get().asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.THROWABLE)
                .hasMessageContaining("simulated fatal fault");
        assertThat(broker.isRunning()).isTrue();
    }

    @Test
    void defaultDataDirIsUnderTargetAndRemovedOnClose() {
        Path dir;
        try (EmbeddedKafkaBroker unstarted = EmbeddedKafkaBroker.builder().build()) {
            dir = unstarted.dataDir();
            assertThat(dir).isDirectory();
            assertThat(dir.getParent()).isEqualTo(Path.of("target", "embedded-kafka").toAbsolutePath());
            assertThatThrownBy(unstarted::bootstrapServers).isInstanceOf(IllegalStateException.class);
        }
        assertThat(Files.exists(dir)).isFalse();
    }

    @Test
    void staleDefaultDataDirOfADeadProcessIsRemoved() throws Exception {
        Path base = DataDirs.defaultBase();
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Path stale = Files.createDirectories(base.resolve("broker-stale-test"));
        Files.writeString(stale.resolve(DataDirs.OWNER_FILE), dead.pid() + " -");
        Files.writeString(stale.resolve("leftover.log"), "x");
        Path mine = Files.createDirectories(base.resolve("broker-live-test"));
        Files.writeString(mine.resolve(DataDirs.OWNER_FILE), DataDirs.ownerLine(ProcessHandle.current()));

        try (EmbeddedKafkaBroker unused = EmbeddedKafkaBroker.builder().build()) {
            assertThat(Files.exists(stale)).isFalse();
            assertThat(mine).isDirectory();
        } finally {
            DataDirs.deleteRecursively(mine);
        }
    }
}
