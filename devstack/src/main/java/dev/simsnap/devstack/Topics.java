package dev.simsnap.devstack;

import dev.simsnap.topic.EnsuredTopic;
import dev.simsnap.topic.TopicAdmin;
import dev.simsnap.topic.TopicSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** Topic creation shared by every {@link KafkaBroker}: one short-lived Admin per call, specs through {@link TopicAdmin}. */
final class Topics {

    private Topics() {
    }

    /**
     * {@link TopicAdmin#ensure(List)} of {@code specs} with {@code partitions} for specs without a fixed count.
     *
     * @return the topics, in order (with whether this call created each)
     */
    static List<EnsuredTopic> ensure(String bootstrapServers, Map<String, String> clientProperties, int partitions,
                                    List<TopicSpec> specs, Duration timeout) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "devstack-topics");
        try (Admin admin = Admin.create(props)) {
            return TopicAdmin.on(admin).partitions(partitions).timeout(timeout).ensure(specs);
        }
    }
}
