package dev.simsnap.producer;

import dev.simsnap.connection.ClientConfig;
import dev.simsnap.connection.KafkaFailures;
import dev.simsnap.topic.SimsnapTopics;
import dev.simsnap.topic.TopicAdmin;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A worker's topic preparation: ensures the pipeline topics ({@link SimsnapTopics#pipeline()}, by their specs) and
 * tells how many partitions {@code simsnap.deltas} has. Settings: {@code simsnap.topic.partitions} (default
 * {@link SimsnapTopics#DEFAULT_PARTITIONS}), {@code simsnap.topic.replication.factor} (default the cluster-size
 * rule), {@code simsnap.topics.create=false} to check the topics instead of creating missing ones.
 */
final class TopicSetup {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private TopicSetup() {
    }

    /** Ensures (or checks) the pipeline topics; returns the deltas topic's partition count. */
    static int prepare(Properties all) {
        Map<String, Object> props = ClientConfig.of(all).kafka();
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        boolean create = !"false".equalsIgnoreCase(all.getProperty(SimsnapConfig.CREATE_TOPICS, "true").trim());
        try (Admin admin = Admin.create(props)) {
            return TopicAdmin.on(admin).timeout(TIMEOUT).createMissing(create)
                    .partitions(SimsnapConfig.intSetting(all, SimsnapConfig.TOPIC_PARTITIONS,
                            SimsnapTopics.DEFAULT_PARTITIONS))
                    .replicationFactor(SimsnapConfig.intSetting(all, SimsnapConfig.TOPIC_REPLICATION_FACTOR, 0))
                    .ensure(SimsnapTopics.pipeline()).get(0).partitions();
        } catch (IllegalStateException | org.apache.kafka.common.KafkaException e) {
            // A refused password or ACL reads as such, naming the settings to check.
            throw new IllegalStateException(KafkaFailures.isSecurityFailure(e)
                    ? "cannot prepare simsnap topics (" + e.getMessage() + "): " + KafkaFailures.describe(e)
                    : "cannot prepare simsnap topics: " + e.getMessage(), e);
        }
    }
}
