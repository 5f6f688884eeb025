package dev.simsnap.devstack;

import dev.simsnap.topic.EnsuredTopic;
import dev.simsnap.topic.TopicSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A running Kafka broker that clients can reach: the in-JVM {@link EmbeddedKafkaBroker} or, in tests, a
 * Testcontainers-managed {@code apache/kafka} container.
 */
public interface KafkaBroker {

    /** How long {@link #createTopic} waits for the topic to be created and to have a leader on every partition. */
    Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(30);

    /** The {@code bootstrap.servers} value for clients, e.g. {@code 127.0.0.1:41234}. Stable across {@link #restart()}. */
    String bootstrapServers();

    /**
     * The client settings, besides {@code bootstrap.servers}, that administer this broker (SASL credentials of its
     * super user when it is secured); empty by default.
     */
    default Map<String, String> adminClientProperties() {
        return Map.of();
    }

    /** True when {@link #restart()} is supported (the embedded broker); false for a container. */
    default boolean supportsRestart() {
        return false;
    }

    /**
     * Stops the broker cleanly and starts it again on the same data and the same address, so existing clients
     * reconnect on their own and topics and records survive.
     *
     * @throws UnsupportedOperationException when {@link #supportsRestart()} is false
     */
    default void restart() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot be restarted");
    }

    /**
     * Creates a topic, replicated by the cluster-size rule ({@link dev.simsnap.topic.Replication}: factor 1 on one
     * broker), and waits until it has a leader on every partition, so a producer started right after sees no
     * {@code UNKNOWN_TOPIC_OR_PARTITION}. A plain {@link TopicSpec} without enforced configs: an existing topic is
     * left as it is (its partition count and configs are not compared or changed). simsnap's own topics are
     * created by their specs with {@link #ensureTopics}.
     *
     * @param name       topic name
     * @param partitions partition count, at least 1
     * @param configs    topic-level configs such as {@code cleanup.policy=compact}; may be empty
     * @return true if this call created the topic, false if it already existed
     * @throws IllegalStateException when the topic is not ready within {@link #TOPIC_READY_TIMEOUT} or the
     *                               broker rejects the request
     */
    default boolean createTopic(String name, int partitions, Map<String, String> configs) {
        TopicSpec spec = TopicSpec.builder(name).configs(configs).build();
        return Topics.ensure(bootstrapServers(), adminClientProperties(), partitions, List.of(spec),
                TOPIC_READY_TIMEOUT).get(0).created();
    }

    /**
     * Creates or checks topics by their specs ({@link dev.simsnap.topic.TopicAdmin#ensure(List)}), e.g.
     * {@code ensureTopics(3, SimsnapTopics.pipeline())}, and waits until each has a leader on every partition.
     *
     * @param partitions partition count of specs without a fixed one
     * @return the topics, in order
     * @throws IllegalStateException when an existing topic contradicts its spec, or a topic is not ready within
     *                               {@link #TOPIC_READY_TIMEOUT}
     */
    default List<EnsuredTopic> ensureTopics(int partitions, List<TopicSpec> specs) {
        return Topics.ensure(bootstrapServers(), adminClientProperties(), partitions, specs, TOPIC_READY_TIMEOUT);
    }

    /** {@link #createTopic(String, int, Map)} without topic configs. */
    default boolean createTopic(String name, int partitions) {
        return createTopic(name, partitions, Map.of());
    }
}
