package dev.simsnap.topic;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * How one topic is created and what an existing one must look like: its name, its partition count (fixed, or the
 * deployment's count), the topic configs set at creation, and which of those configs an existing topic must have
 * too ({@linkplain #enforcedConfigs() enforced}: a topic created by hand without them is refused, because simsnap
 * would then lose data or order). Replication follows {@link Replication} and is not part of the spec.
 *
 * <p>simsnap's own topics are the constants of {@link SimsnapTopics}; {@link #withName} gives the same settings
 * under another name (topics renamed per deployment or per test). Immutable.
 */
public final class TopicSpec {

    private final String name;
    private final int fixedPartitions;
    private final Map<String, String> configs;
    private final Set<String> enforced;
    private final String purpose;

    private TopicSpec(String name, int fixedPartitions, Map<String, String> configs, Set<String> enforced,
                      String purpose) {
        this.name = name;
        this.fixedPartitions = fixedPartitions;
        this.configs = configs;
        this.enforced = enforced;
        this.purpose = purpose;
    }

    /** A builder of a topic named {@code name}: the deployment's partition count, no configs, no purpose text. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The topic name. */
    public String name() {
        return name;
    }

    /** What the topic holds, one line (for error messages and docs). */
    public String purpose() {
        return purpose;
    }

    /** The partition count every copy of this topic must have, when the spec fixes one. */
    public OptionalInt fixedPartitions() {
        return fixedPartitions == 0 ? OptionalInt.empty() : OptionalInt.of(fixedPartitions);
    }

    /** The partition count to create the topic with: the fixed one, else {@code deploymentPartitions}. */
    public int partitions(int deploymentPartitions) {
        if (deploymentPartitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + deploymentPartitions);
        }
        return fixedPartitions == 0 ? deploymentPartitions : fixedPartitions;
    }

    /** The topic configs set at creation, sorted by key, without the replication-dependent ones. */
    public Map<String, String> configs() {
        return configs;
    }

    /**
     * The topic configs to create the topic with on a cluster of {@code brokers} brokers: {@link #configs()} plus
     * {@code min.insync.replicas} from {@link Replication#minInsyncReplicas}.
     */
    public Map<String, String> configs(int brokers) {
        Map<String, String> all = new TreeMap<>(configs);
        Replication.minInsyncReplicas(brokers).ifPresent(isr -> all.put("min.insync.replicas", Integer.toString(isr)));
        return Collections.unmodifiableMap(all);
    }

    /** {@link Replication#factor}: the replication factor to create the topic with. */
    public short replicationFactor(int brokers) {
        return Replication.factor(brokers);
    }

    /** The keys of {@link #configs()} an existing topic must have with exactly these values. */
    public Set<String> enforcedConfigs() {
        return enforced;
    }

    /** The same settings under another name. */
    public TopicSpec withName(String other) {
        return new TopicSpec(requireName(other), fixedPartitions, configs, enforced, purpose);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopicSpec t && name.equals(t.name) && fixedPartitions == t.fixedPartitions
                && configs.equals(t.configs) && enforced.equals(t.enforced) && purpose.equals(t.purpose);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, fixedPartitions, configs, enforced);
    }

    @Override
    public String toString() {
        return "TopicSpec[" + name + ", partitions " + (fixedPartitions == 0 ? "deployment's" : fixedPartitions)
                + ", configs " + configs + ", enforced " + enforced + "]";
    }

    private static String requireName(String name) {
        Objects.requireNonNull(name, "name");
        // Kafka's own rule: 1..249 characters of [a-zA-Z0-9._-], not "." or "..".
        if (name.isEmpty() || name.length() > 249 || !name.matches("[a-zA-Z0-9._-]+") || name.equals(".")
                || name.equals("..")) {
            throw new IllegalArgumentException("not a valid Kafka topic name: '" + name + "'");
        }
        return name;
    }

    /** Builds a {@link TopicSpec}; every setting but the name is optional. */
    public static final class Builder {
        private final String name;
        private int fixedPartitions;
        private final Map<String, String> configs = new TreeMap<>();
        private final Set<String> enforced = new LinkedHashSet<>();
        private String purpose = "";

        private Builder(String name) {
            this.name = requireName(name);
        }

        /** Fixes the partition count (e.g. 1 for a log whose total order matters). */
        public Builder fixedPartitions(int partitions) {
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
            }
            this.fixedPartitions = partitions;
            return this;
        }

        /** A topic config set at creation; an existing topic may differ. */
        public Builder config(String key, String value) {
            configs.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Every entry of {@code more} as {@link #config}. */
        public Builder configs(Map<String, String> more) {
            more.forEach(this::config);
            return this;
        }

        /** A topic config set at creation that an existing topic must have with the same value. */
        public Builder enforcedConfig(String key, String value) {
            config(key, value);
            enforced.add(key);
            return this;
        }

        /** What the topic holds, one line. */
        public Builder purpose(String text) {
            this.purpose = Objects.requireNonNull(text, "text");
            return this;
        }

        public TopicSpec build() {
            if (configs.containsKey("min.insync.replicas")) {
                throw new IllegalArgumentException("min.insync.replicas follows the cluster size (Replication),"
                        + " it is not part of a topic spec");
            }
            return new TopicSpec(name, fixedPartitions, Collections.unmodifiableMap(new TreeMap<>(configs)),
                    Collections.unmodifiableSet(new LinkedHashSet<>(enforced)), purpose);
        }
    }
}
