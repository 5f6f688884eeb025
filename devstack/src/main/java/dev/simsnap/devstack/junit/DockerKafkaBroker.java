package dev.simsnap.devstack.junit;

import dev.simsnap.devstack.KafkaBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A broker in an {@code apache/kafka} container (Testcontainers). The only class of this module that links
 * against Testcontainers; reached only after {@link DockerSupport#testcontainersPresent()} returned true.
 * Not restartable: a restarted container gets new mapped ports.
 */
final class DockerKafkaBroker implements KafkaBroker, AutoCloseable {

    /** Same Kafka version as the embedded broker. */
    static final String IMAGE = "apache/kafka:4.1.1";

    private final KafkaContainer container;

    private DockerKafkaBroker(KafkaContainer container) {
        this.container = container;
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Starts a container and returns once Kafka in it accepts clients. */
    static DockerKafkaBroker start() {
        KafkaContainer container = new KafkaContainer(IMAGE);
        container.start();
        return new DockerKafkaBroker(container);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public void close() {
        container.stop();
    }

    @Override
    public String toString() {
        return "DockerKafkaBroker[" + IMAGE + ", " + bootstrapServers() + "]";
    }
}
