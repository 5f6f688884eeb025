package dev.simsnap.devstack.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.devstack.EmbeddedKafkaBroker;
import dev.simsnap.devstack.KafkaBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code @ExtendWith(KafkaBrokerExtension.class)} alone behaves like {@code @RealKafka}: the shared broker. */
@ExtendWith(KafkaBrokerExtension.class)
class PlainExtendWithTest {

    @Test
    void injectsTheSharedEmbeddedBroker(KafkaBroker broker, EmbeddedKafkaBroker embedded) {
        assertThat(embedded).isSameAs(broker);
        assertThat(embedded.isRunning()).isTrue();
        assertThat(broker.createTopic("plain-extend-with", 1)).isTrue();
    }
}
