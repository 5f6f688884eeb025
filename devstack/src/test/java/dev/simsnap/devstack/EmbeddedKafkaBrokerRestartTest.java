package dev.simsnap.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaBrokerRestartTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private Path dataDir;

    @BeforeEach
    void freshDir() throws Exception {
        Files.createDirectories(Path.of("target"));
        dataDir = Files.createTempDirectory(Path.of("target"), "restart-test-");
    }

    @AfterEach
    void removeDir() {
        DataDirs.deleteRecursively(dataDir);
    }

    @Test
    void restartKeepsRecordsAddressAndLetsAnOpenProducerContinue() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dataDir).start();
             KafkaProducer<String, String> producer = TestClients.producer(broker)) {
            String address = broker.bootstrapServers();
            broker.createTopic("durable", 2, Map.of());
            producer.send(new ProducerRecord<>("durable", "a", "before-restart")).get(10, TimeUnit.SECONDS);

            broker.restart();

            assertThat(broker.isRunning()).isTrue();
            assertThat(broker.bootstrapServers()).isEqualTo(address);
            // The producer created before the restart reconnects by itself to the same address.
            producer.send(new ProducerRecord<>("durable", "a", "after-restart")).get(30, TimeUnit.SECONDS);
            var records = TestClients.readAll(broker, "durable", 2, "read_committed", TIMEOUT);
            assertThat(TestClients.values(records)).containsExactly("before-restart", "after-restart");
        }
    }

    @Test
    void aNewInstanceOnTheSameDirKeepsClusterTopicsAndPorts() throws Exception {
        String address;
        String metaBefore;
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.builder().dataDir(dataDir).start()) {
            address = first.bootstrapServers();
            first.createTopic("kept", 1, Map.of("retention.ms", "-1"));
            try (KafkaProducer<String, String> producer = TestClients.producer(first)) {
                producer.send(new ProducerRecord<>("kept", "k", "v1")).get(10, TimeUnit.SECONDS);
            }
            metaBefore = clusterId();
        }
        assertThat(dataDir).isDirectory(); // an explicit data dir survives close()

        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder().dataDir(dataDir).start()) {
            assertThat(second.bootstrapServers()).isEqualTo(address);
            assertThat(clusterId()).isEqualTo(metaBefore); // not formatted again
            assertThat(second.createTopic("kept", 1, Map.of())).isFalse();
            assertThat(TestClients.values(TestClients.readAll(second, "kept", 1, "read_committed", TIMEOUT)))
                    .containsExactly("v1");
        }
    }

    private String clusterId() throws Exception {
        var props = new java.util.Properties();
        try (var in = Files.newInputStream(dataDir.resolve("kafka-logs/meta.properties"))) {
            props.load(in);
        }
        return props.getProperty("cluster.id");
    }
}
