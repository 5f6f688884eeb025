package dev.simsnap.producer;

import dev.simsnap.connection.ClientConfig;
import dev.simsnap.connection.KafkaFailures;
import dev.simsnap.schema.contract.Contracts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates simsnap's topics when absent and tells how many partitions {@code simsnap.deltas} has.
 *
 * <p>simsnap.deltas and simsnap.generations get {@code simsnap.topic.partitions} partitions (default 6) and
 * unlimited retention ({@code retention.ms=-1}, {@code retention.bytes=-1}: the history is the product);
 * simsnap.dead-letter gets the same partition count and the broker's default retention. Existing topics are left
 * unchanged.
 */
final class TopicSetup {

    private static final long TIMEOUT_MS = 30_000;

    private TopicSetup() {
    }

    /** Ensures the topics (unless {@code simsnap.topics.create=false}); returns the deltas topic's partition count. */
    static int prepare(Properties all) {
        Map<String, Object> props = ClientConfig.of(all).kafka();
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS);
        try (Admin admin = Admin.create(props)) {
            if (!"false".equalsIgnoreCase(all.getProperty(SimsnapConfig.CREATE_TOPICS, "true").trim())) {
                create(admin, all);
            }
            return partitions(admin, Contracts.DELTAS_TOPIC);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot prepare simsnap topics: " + KafkaFailures.describe(e), e);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new IllegalStateException("cannot prepare simsnap topics: " + KafkaFailures.describe(e), e);
        }
    }

    private static void create(Admin admin, Properties all) throws InterruptedException, TimeoutException,
            ExecutionException {
        int partitions = SimsnapConfig.intSetting(all, SimsnapConfig.TOPIC_PARTITIONS, SimsnapConfig.DEFAULT_PARTITIONS);
        int rf = SimsnapConfig.intSetting(all, SimsnapConfig.TOPIC_REPLICATION_FACTOR, -1);
        Optional<Short> replication = rf < 1 ? Optional.empty() : Optional.of((short) rf);
        Map<String, String> unlimited = Map.of("retention.ms", "-1", "retention.bytes", "-1");
        List<NewTopic> topics = new ArrayList<>();
        topics.add(new NewTopic(Contracts.DELTAS_TOPIC, Optional.of(partitions), replication).configs(unlimited));
        topics.add(new NewTopic(Contracts.GENERATIONS_TOPIC, Optional.of(partitions), replication).configs(unlimited));
        topics.add(new NewTopic(Contracts.DEAD_LETTER_TOPIC, Optional.of(partitions), replication));
        Map<String, KafkaFuture<Void>> results = admin.createTopics(topics).values();
        for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
            try {
                result.getValue().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                // A principal without CREATE (ACLs) gets an authorization error even for an existing topic:
                // reading the partition count next tells whether the topic is there.
                if (!(e.getCause() instanceof TopicExistsException)
                        && !(e.getCause() instanceof TopicAuthorizationException)) {
                    throw e;
                }
            }
        }
    }

    // Right after creation the topic may not be described yet; retry briefly.
    private static int partitions(Admin admin, String topic) throws InterruptedException, TimeoutException,
            ExecutionException {
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (true) {
            try {
                TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(TIMEOUT_MS, TimeUnit.MILLISECONDS).get(topic);
                if (description.partitions().stream().allMatch(p -> p.leader() != null)) {
                    return description.partitions().size();
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("topic " + topic + " does not exist (and "
                            + SimsnapConfig.CREATE_TOPICS + " is false?)");
                }
            }
            if (System.currentTimeMillis() > deadline) {
                throw new TimeoutException("topic " + topic + " has no leader on every partition");
            }
            Thread.sleep(50);
        }
    }
}
