package dev.simsnap.topic;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The replication rule of every topic simsnap creates, including Kafka Streams' internal topics: replication factor
 * {@code min(3, brokers)}, and {@code min.insync.replicas=2} once the cluster has at least 3 brokers (below that the
 * broker's own default applies, 1 unless configured). With 3 replicas and 2 in sync, acks=all writes and
 * transactions survive the loss of any one broker, and a lone surviving replica cannot accept writes that a later
 * election would lose.
 */
public final class Replication {

    /** The largest replication factor simsnap asks for. */
    public static final int MAX_FACTOR = 3;
    /** The {@code min.insync.replicas} simsnap sets on clusters of at least {@link #MAX_FACTOR} brokers. */
    public static final int MIN_INSYNC_REPLICAS = 2;

    private Replication() {
    }

    /**
     * {@code min(3, brokers)}.
     *
     * @throws IllegalArgumentException when {@code brokers < 1}
     */
    public static short factor(int brokers) {
        requireBrokers(brokers);
        return (short) Math.min(MAX_FACTOR, brokers);
    }

    /** 2 when {@code brokers >= 3}; empty otherwise (the broker default stays). */
    public static OptionalInt minInsyncReplicas(int brokers) {
        requireBrokers(brokers);
        return brokers >= MAX_FACTOR ? OptionalInt.of(MIN_INSYNC_REPLICAS) : OptionalInt.empty();
    }

    /**
     * The Kafka Streams properties that apply the rule to its internal topics (changelogs, repartition topics):
     * {@code replication.factor}, and {@code topic.min.insync.replicas} when {@link #minInsyncReplicas} is set.
     */
    public static Map<String, Object> streamsProperties(int brokers) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("replication.factor", (int) factor(brokers));
        minInsyncReplicas(brokers).ifPresent(isr -> p.put("topic.min.insync.replicas", Integer.toString(isr)));
        return p;
    }

    private static void requireBrokers(int brokers) {
        if (brokers < 1) {
            throw new IllegalArgumentException("a cluster has at least 1 broker, got " + brokers);
        }
    }
}
