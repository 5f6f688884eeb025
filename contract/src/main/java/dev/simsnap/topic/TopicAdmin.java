package dev.simsnap.topic;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates or checks topics by their {@link TopicSpec}, through an {@link Admin} the caller owns (so the caller's
 * client configuration, security included, applies).
 *
 * <p>{@link #ensure}: topics that exist are checked, missing ones are created (unless {@linkplain
 * #createMissing(boolean) creation is off}, then they are an error). A topic is created with the spec's partition
 * count (fixed, else this admin's {@linkplain #partitions(int) deployment count}, default
 * {@link SimsnapTopics#DEFAULT_PARTITIONS}), the replication factor of {@link Replication#factor} for the number of
 * brokers the cluster reports at that moment (or an {@linkplain #replicationFactor(int) explicit one}) and
 * {@link TopicSpec#configs(int)}. Every topic is then awaited until each of its partitions has a leader, so a
 * client started right after sees no {@code UNKNOWN_TOPIC_OR_PARTITION}. An existing topic must have the spec's
 * fixed partition count and its {@linkplain TopicSpec#enforcedConfigs() enforced configs}; anything else about it
 * (partition count, replication, other configs) is left as it is. When the principal may not read topic configs
 * (an ACL without DESCRIBE_CONFIGS), the configs are not checked.
 *
 * <p>Immutable; the {@code with}-style setters return copies. Failures are {@link IllegalStateException}s that name
 * the topic and say what to change.
 */
public final class TopicAdmin {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final long POLL_MILLIS = 50;

    private final Admin admin;
    private final int partitions;
    private final int replicationFactor;
    private final boolean createMissing;
    private final Duration timeout;

    private TopicAdmin(Admin admin, int partitions, int replicationFactor, boolean createMissing, Duration timeout) {
        this.admin = admin;
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
        this.createMissing = createMissing;
        this.timeout = timeout;
    }

    /**
     * Topic setup through {@code admin} (not closed here): {@link SimsnapTopics#DEFAULT_PARTITIONS} partitions,
     * replication by {@link Replication}, missing topics created, 30 s timeout.
     */
    public static TopicAdmin on(Admin admin) {
        return new TopicAdmin(Objects.requireNonNull(admin, "admin"), SimsnapTopics.DEFAULT_PARTITIONS, 0, true,
                DEFAULT_TIMEOUT);
    }

    /** A copy creating topics without a fixed count with {@code count} partitions. */
    public TopicAdmin partitions(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + count);
        }
        return new TopicAdmin(admin, count, replicationFactor, createMissing, timeout);
    }

    /** A copy creating topics with replication factor {@code factor} instead of the rule; 0 = the rule. */
    public TopicAdmin replicationFactor(int factor) {
        if (factor < 0 || factor > Short.MAX_VALUE) {
            throw new IllegalArgumentException("replication factor must be 1.." + Short.MAX_VALUE
                    + " (or 0 for the rule), got " + factor);
        }
        return new TopicAdmin(admin, partitions, factor, createMissing, timeout);
    }

    /** A copy that creates missing topics ({@code true}, the default) or reports them as errors. */
    public TopicAdmin createMissing(boolean create) {
        return new TopicAdmin(admin, partitions, replicationFactor, create, timeout);
    }

    /** A copy waiting at most {@code limit} for the whole of one {@link #ensure} call. */
    public TopicAdmin timeout(Duration limit) {
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + limit);
        }
        return new TopicAdmin(admin, partitions, replicationFactor, createMissing, limit);
    }

    /** {@link #ensure(List)} of one topic. */
    public EnsuredTopic ensure(TopicSpec spec) {
        return ensure(List.of(spec)).get(0);
    }

    /**
     * Ensures every topic of {@code specs} (see the class comment) and returns them, in order, once every partition
     * of each has a leader.
     *
     * @throws IllegalStateException when a topic is missing and creation is off, an existing topic contradicts
     *                               its spec, the cluster refuses a request, or the timeout passes
     */
    public List<EnsuredTopic> ensure(List<TopicSpec> specs) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, TopicSpec> byName = new LinkedHashMap<>();
        for (TopicSpec spec : specs) {
            TopicSpec previous = byName.put(spec.name(), spec);
            if (previous != null && !previous.equals(spec)) {
                throw new IllegalArgumentException("two different specs for topic " + spec.name());
            }
        }
        try {
            Map<String, TopicDescription> existing = describe(byName.keySet(), deadline);
            List<TopicSpec> missing = byName.values().stream().filter(s -> !existing.containsKey(s.name())).toList();
            List<String> created = create(missing, deadline);
            List<String> problems = new ArrayList<>();
            for (TopicSpec spec : byName.values()) {
                TopicDescription d = existing.get(spec.name());
                if (d != null && spec.fixedPartitions().isPresent()
                        && d.partitions().size() != spec.fixedPartitions().getAsInt()) {
                    problems.add("topic " + spec.name() + " has " + d.partitions().size() + " partitions; simsnap needs "
                            + "exactly " + spec.fixedPartitions().getAsInt() + " (" + spec.purpose() + ")");
                }
            }
            List<TopicSpec> toCheck = byName.values().stream()
                    .filter(s -> !created.contains(s.name()) && !s.enforcedConfigs().isEmpty()).toList();
            problems.addAll(configProblems(toCheck, deadline));
            if (!problems.isEmpty()) {
                throw new IllegalStateException(String.join("; ", problems));
            }
            Map<String, TopicDescription> ready = awaitLeaders(byName.keySet(), deadline);
            return specs.stream().map(s -> new EnsuredTopic(ready.get(s.name()), created.contains(s.name()))).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing topics " + byName.keySet(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("topics " + byName.keySet() + " not ready within " + timeout + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * The number of brokers the cluster reports now (live, registered brokers).
     *
     * @throws IllegalStateException when the cluster does not answer within the timeout
     */
    public int brokers() {
        try {
            return brokers(System.nanoTime() + timeout.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing the cluster", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cluster not described within " + timeout, e);
        }
    }

    private int brokers(long deadline) throws InterruptedException, TimeoutException {
        return get(admin.describeCluster().nodes(), deadline, "describing the cluster").size();
    }

    /** The topics of {@code names} that exist, with their descriptions. */
    private Map<String, TopicDescription> describe(Set<String> names, long deadline)
            throws InterruptedException, TimeoutException {
        Map<String, TopicDescription> found = new LinkedHashMap<>();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> e
                : admin.describeTopics(names).topicNameValues().entrySet()) {
            try {
                found.put(e.getKey(), e.getValue().get(remainingMillis(deadline), TimeUnit.MILLISECONDS));
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw failure("describing topic " + e.getKey(), ex.getCause());
                }
            }
        }
        return found;
    }

    private List<String> create(List<TopicSpec> missing, long deadline) throws InterruptedException, TimeoutException {
        if (missing.isEmpty()) {
            return List.of();
        }
        if (!createMissing) {
            throw new IllegalStateException(missing.stream().map(s -> "topic " + s.name() + " (" + s.purpose()
                    + ") does not exist").collect(Collectors.joining("; "))
                    + ": create it as docs describe, or let simsnap create topics");
        }
        int brokers = brokers(deadline);
        short rf = replicationFactor > 0 ? (short) replicationFactor : Replication.factor(brokers);
        List<NewTopic> topics = new ArrayList<>();
        for (TopicSpec spec : missing) {
            topics.add(new NewTopic(spec.name(), spec.partitions(partitions), rf).configs(spec.configs(brokers)));
        }
        List<String> created = new ArrayList<>();
        for (Map.Entry<String, KafkaFuture<Void>> e : admin.createTopics(topics).values().entrySet()) {
            try {
                e.getValue().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
                created.add(e.getKey());
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) { // another process created it meanwhile
                    throw failure("creating topic " + e.getKey() + " (replication factor " + rf + ", " + brokers
                            + " brokers)", ex.getCause());
                }
            }
        }
        return created;
    }

    private List<String> configProblems(List<TopicSpec> specs, long deadline)
            throws InterruptedException, TimeoutException {
        if (specs.isEmpty()) {
            return List.of();
        }
        List<ConfigResource> resources = specs.stream()
                .map(s -> new ConfigResource(ConfigResource.Type.TOPIC, s.name())).toList();
        Map<ConfigResource, Config> configs;
        while (true) {
            try {
                configs = admin.describeConfigs(resources).all().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
                break;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof AuthorizationException) {
                    return List.of(); // this principal may use the topics but not read their configs: nothing to check
                }
                // A topic another client has just created is listed before every broker knows it: ask again.
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw failure("reading the configs of " + specs.stream().map(TopicSpec::name).toList(),
                            e.getCause());
                }
                remainingMillis(deadline);
                Thread.sleep(POLL_MILLIS);
            }
        }
        List<String> problems = new ArrayList<>();
        for (TopicSpec spec : specs) {
            Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()));
            for (String key : spec.enforcedConfigs()) {
                String wanted = spec.configs().get(key);
                ConfigEntry entry = config == null ? null : config.get(key);
                String actual = entry == null ? null : entry.value();
                if (!sameValue(key, wanted, actual)) {
                    problems.add("topic " + spec.name() + " has " + key + "=" + actual + "; simsnap needs " + key + "="
                            + wanted + " (" + spec.purpose() + "): kafka-configs.sh --alter --entity-type topics"
                            + " --entity-name " + spec.name() + " --add-config " + key + "=" + wanted);
                }
            }
        }
        return problems;
    }

    // cleanup.policy is a list: "delete,compact" and "compact,delete" are the same policy.
    private static boolean sameValue(String key, String wanted, String actual) {
        if (actual == null) {
            return false;
        }
        if (key.equals("cleanup.policy")) {
            return asSet(wanted).equals(asSet(actual));
        }
        return wanted.equals(actual.trim());
    }

    private static Set<String> asSet(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    // CreateTopics returns once the controller committed the topic; the brokers learn it a moment later.
    private Map<String, TopicDescription> awaitLeaders(Set<String> names, long deadline)
            throws InterruptedException, TimeoutException {
        while (true) {
            Map<String, TopicDescription> found = describe(names, deadline);
            if (found.size() == names.size() && found.values().stream().allMatch(d -> d.partitions().stream()
                    .allMatch(p -> p.leader() != null && !p.leader().isEmpty()))) {
                return found;
            }
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS) > deadline) {
                List<String> notReady = names.stream().filter(n -> !found.containsKey(n)
                        || found.get(n).partitions().stream().anyMatch(p -> p.leader() == null || p.leader().isEmpty()))
                        .toList();
                throw new TimeoutException("no leader on every partition of " + notReady);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    private static <T> T get(KafkaFuture<T> future, long deadline, String what)
            throws InterruptedException, TimeoutException {
        try {
            return future.get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw failure(what, e.getCause());
        }
    }

    private static IllegalStateException failure(String what, Throwable cause) {
        return new IllegalStateException(what + " failed: " + cause.getClass().getSimpleName() + ": "
                + cause.getMessage(), cause);
    }

    private static long remainingMillis(long deadline) throws TimeoutException {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            throw new TimeoutException("deadline passed");
        }
        return left;
    }
}
