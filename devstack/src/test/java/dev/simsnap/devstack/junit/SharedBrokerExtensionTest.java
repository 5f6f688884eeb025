package dev.simsnap.devstack.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.TestClients;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@RealKafka
class SharedBrokerExtensionTest {

    private static KafkaBroker fromBeforeAll;
    private final KafkaBroker fromConstructor;

    SharedBrokerExtensionTest(KafkaBroker broker) {
        this.fromConstructor = broker;
    }

    @BeforeAll
    static void remember(KafkaBroker broker) {
        fromBeforeAll = broker;
    }

    @Test
    void injectsOneWorkingBrokerEverywhere(KafkaBroker broker) throws Exception {
        assertThat(broker).isSameAs(fromConstructor).isSameAs(fromBeforeAll);
        assertThat(broker.bootstrapServers()).startsWith("127.0.0.1:");

        broker.createTopic("extension-shared", 1, Map.of());
        try (KafkaProducer<String, String> producer = TestClients.producer(broker)) {
            producer.send(new ProducerRecord<>("extension-shared", "k", "hello")).get(10, TimeUnit.SECONDS);
        }
        var records = TestClients.readAll(broker, "extension-shared", 1, "read_committed", Duration.ofSeconds(30));
        assertThat(TestClients.values(records)).containsExactly("hello");
    }

    @Nested
    class NestedClass {
        @Test
        void sharesTheBrokerOfTheEnclosingClass(KafkaBroker broker) {
            assertThat(broker).isSameAs(fromConstructor);
        }
    }
}
