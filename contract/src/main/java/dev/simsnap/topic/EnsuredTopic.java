package dev.simsnap.topic;

import java.util.Objects;
import org.apache.kafka.clients.admin.TopicDescription;

/**
 * A topic {@link TopicAdmin#ensure} made ready: its description once every partition had a leader, and whether that
 * call created it.
 *
 * @param description the topic as the cluster described it (partitions, leaders, replicas)
 * @param created     true when this call created the topic, false when it existed (or another process created it
 *                    at the same moment)
 */
public record EnsuredTopic(TopicDescription description, boolean created) {

    public EnsuredTopic {
        Objects.requireNonNull(description, "description");
    }

    /** The topic name. */
    public String name() {
        return description.name();
    }

    /** The partition count. */
    public int partitions() {
        return description.partitions().size();
    }
}
