package dev.simsnap.devstack.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import dev.simsnap.devstack.EmbeddedKafkaBroker;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.TestClients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

@RealKafka(restartable = true, brokerProperties = "auto.create.topics.enable=false")
class RestartableBrokerExtensionTest {

    @Test
    void ownBrokerWithItsPropertiesSurvivesRestart(KafkaBroker broker, EmbeddedKafkaBroker embedded) throws Exception {
        assertThat(embedded).isSameAs(broker);
        assertThat(broker.supportsRestart()).isTrue();
        assertThat(autoCreateTopics(broker)).isEqualTo("false");

        broker.createTopic("restartable", 1, Map.of());
        try (KafkaProducer<String, String> producer = TestClients.producer(broker)) {
            producer.send(new ProducerRecord<>("restartable", "k", "before")).get(10, TimeUnit.SECONDS);
        }
        String address = broker.bootstrapServers();

        broker.restart();

        assertThat(broker.bootstrapServers()).isEqualTo(address);
        var records = TestClients.readAll(broker, "restartable", 1, "read_committed", Duration.ofSeconds(30));
        assertThat(TestClients.values(records)).containsExactly("before");
    }

    private static String autoCreateTopics(KafkaBroker broker) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            ConfigResource node = new ConfigResource(ConfigResource.Type.BROKER, "1");
            return admin.describeConfigs(List.of(node)).all().get().get(node).get("auto.create.topics.enable").value();
        }
    }
}
