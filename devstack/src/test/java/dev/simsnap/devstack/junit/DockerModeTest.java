package dev.simsnap.devstack.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.simsnap.devstack.KafkaBroker;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/** Runs a {@code @RealKafka} class with {@code kafka.broker=docker} in a nested JUnit engine. */
class DockerModeTest {

    @Test
    void dockerModeSkipsWithoutDockerAndRunsWithIt() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(DockerCase.class))
                .configurationParameter("kafka.broker", "docker")
                .execute();

        assertThat(results.allEvents().failed().count()).as("failures").isZero();
        if (DockerSupport.dockerAvailable()) {
            assertThat(results.testEvents().succeeded().count()).isEqualTo(1);
        } else {
            assertThat(results.containerEvents().skipped().count()).as("skipped class").isEqualTo(1);
            assertThat(results.testEvents().started().count()).as("tests started").isZero();
            assertThat(results.containerEvents().skipped().list().get(0).getPayload(String.class).orElseThrow())
                    .contains("kafka.broker=docker");
        }
    }

    @RealKafka
    static class DockerCase {
        @Test
        void getsAContainerBroker(KafkaBroker broker) {
            assertThat(broker).isInstanceOf(DockerKafkaBroker.class);
            assertThat(broker.createTopic("docker-mode", 1)).isTrue();
        }
    }
}
