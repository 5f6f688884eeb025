package dev.simsnap.service;

import dev.simsnap.connection.KafkaFailures;
import dev.simsnap.serde.AvroDeserializer;
import dev.simsnap.serde.AvroSerdeConfig;
import dev.simsnap.snapshot.deadletter.DeadLetterStats;
import dev.simsnap.snapshot.read.RunStateReader;
import dev.simsnap.snapshot.read.StoreProvider;
import dev.simsnap.snapshot.store.RecordLimits;
import dev.simsnap.snapshot.store.SnapshotStores;
import dev.simsnap.snapshot.topology.OutputErrors;
import dev.simsnap.snapshot.topology.SnapshotTopics;
import dev.simsnap.snapshot.topology.SnapshotTopology;
import dev.simsnap.topic.Replication;
import dev.simsnap.topic.SimsnapTopics;
import dev.simsnap.topic.TopicAdmin;
import dev.simsnap.topic.TopicSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lifecycle of one snapshot-service instance: creates the topics when absent, runs the {@link SnapshotTopology}
 * with {@code exactly_once_v2}, exposes the {@link RunStateReader}, closes. Not restartable: build a new one.
 */
public final class SnapshotService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotService.class);

    private final SnapshotServiceConfig config;
    private final DeadLetterStats deadLetterStats = new DeadLetterStats();
    private KafkaStreams streams;
    private RunStateReader reader;
    /** Most bytes of a current-state record, from the topic's config when the topics are prepared. */
    private long outputLimit = RecordLimits.MAX_OUTPUT_RECORD;
    /** The partition counts of the input topics, when prepared (the topology checks each record's partition). */
    private int deltasPartitions;
    private int generationsPartitions;

    public SnapshotService(SnapshotServiceConfig config) {
        this.config = config;
    }

    /** The Streams properties this service runs with on a cluster of 1 broker (see {@link #streamsProperties(int)}). */
    public Properties streamsProperties() {
        return streamsProperties(1);
    }

    /**
     * The Streams properties this service runs with on a cluster of {@code brokers} brokers: the whole client
     * configuration (Streams hands its security settings to every inner client), then exactly-once v2, the state
     * dir, and the internal topics' replication ({@link Replication}, unless the config sets a factor).
     */
    public Properties streamsProperties(int brokers) {
        Properties p = new Properties();
        p.putAll(config.client().kafka());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        if (config.replicationFactor() > 0) {
            p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.replicationFactor());
        } else {
            p.putAll(Replication.streamsProperties(brokers));
        }
        if (config.applicationServer() != null) {
            p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, config.applicationServer());
        }
        // Static membership: a restart on the same state dir rejoins at once instead of after the session timeout.
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), InstanceId.of(config.stateDir()));
        // What the current-state topic takes: a larger record is dead-lettered before it is sent (DeltaProcessor).
        p.put(RecordLimits.OUTPUT_LIMIT_CONFIG, Long.toString(outputLimit));
        // Where each run's records must be (a record elsewhere is dead-lettered: RunPartitions).
        if (deltasPartitions > 0) {
            p.put(dev.simsnap.snapshot.topology.RunPartitions.DELTAS_PARTITIONS_CONFIG,
                    Integer.toString(deltasPartitions));
            p.put(dev.simsnap.snapshot.topology.RunPartitions.GENERATIONS_PARTITIONS_CONFIG,
                    Integer.toString(generationsPartitions));
        }
        // A record Kafka refuses as too large: skipped for outputs, fatal for changelogs (see OutputErrors).
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, OutputErrors.class.getName());
        p.putAll(config.streamsOverrides());
        return p;
    }

    /** The topology this service runs. */
    public Topology topology() {
        StreamsBuilder builder = new StreamsBuilder();
        SnapshotTopology.build(builder, config.topics(), this::newDeserializer, deadLetterStats);
        return builder.build();
    }

    /** Creates missing topics, then starts Streams (returns at once; see {@link #awaitRunning}). */
    public synchronized void start() {
        if (streams != null) {
            throw new IllegalStateException("already started");
        }
        int brokers = prepareTopics();
        streams = new KafkaStreams(topology(), streamsProperties(brokers));
        streams.setUncaughtExceptionHandler(new ThreadFailures(java.time.Clock.systemUTC()));
        reader = new RunStateReader(StoreProvider.of(streams), schemas());
        streams.start();
    }

    /** Waits until Streams is RUNNING; throws {@link TimeoutException} otherwise. */
    public void awaitRunning(Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams().state() != KafkaStreams.State.RUNNING) {
            if (!streams().state().isRunningOrRebalancing() && streams().state() != KafkaStreams.State.CREATED) {
                throw new IllegalStateException("Streams is " + streams().state());
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("Streams not RUNNING after " + timeout + " (" + streams().state() + ")");
            }
            Thread.sleep(50);
        }
    }

    /** The running Streams instance (for interactive-query routing metadata). */
    public synchronized KafkaStreams streams() {
        if (streams == null) {
            throw new IllegalStateException("not started");
        }
        return streams;
    }

    /** Reads this instance's stores. */
    public synchronized RunStateReader reader() {
        if (reader == null) {
            throw new IllegalStateException("not started");
        }
        return reader;
    }

    /** Dead-letter counts of this instance. */
    /** This instance's settings. */
    public SnapshotServiceConfig config() {
        return config;
    }

    public DeadLetterStats deadLetterStats() {
        return deadLetterStats;
    }

    /**
     * Closes Streams (waits up to 30 s) and leaves the consumer group, so the next instance on the same state is
     * assigned at once instead of after the session timeout (Streams' members otherwise do not leave on close).
     */
    @Override
    public synchronized void close() {
        if (streams != null) {
            streams.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
        }
    }

    /** Writer schemas by id, from this service's registry (cached; decodes state-model items for reads). */
    public synchronized dev.simsnap.engine.entity.SchemaLookup schemas() {
        if (schemas == null) {
            schemas = dev.simsnap.engine.entity.SchemaLookup.cached(
                    ((dev.simsnap.serde.AvroDeserializer<?>) newDeserializer()).registry());
        }
        return schemas;
    }

    private dev.simsnap.engine.entity.SchemaLookup schemas;

    private Deserializer<?> newDeserializer() {
        AvroDeserializer<?> d = new AvroDeserializer<>();
        d.configure(config.client().registry(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER, true)), false);
        return d;
    }

    /**
     * Ensures the pipeline topics under this service's names (by their specs, {@link SimsnapTopics}) and returns
     * the number of brokers, which sets the replication of Streams' internal topics.
     */
    private int prepareTopics() {
        SnapshotTopics t = config.topics();
        List<TopicSpec> specs = List.of(SimsnapTopics.DELTAS.withName(t.deltas()),
                SimsnapTopics.GENERATIONS.withName(t.generations()), SimsnapTopics.DEAD_LETTER.withName(t.deadLetter()),
                SimsnapTopics.CURRENT_STATE.withName(t.currentState()));
        try (Admin admin = Admin.create(config.client().kafka())) {
            TopicAdmin topics = TopicAdmin.on(admin).partitions(config.partitions())
                    .replicationFactor(config.replicationFactor());
            List<dev.simsnap.topic.EnsuredTopic> ensured = topics.ensure(specs);
            deltasPartitions = ensured.get(0).partitions();
            generationsPartitions = ensured.get(1).partitions();
            outputLimit = outputLimit(admin, t.currentState());
            refuseEntitiesOfAnEarlierVersion(admin);
            return topics.brokers();
        } catch (IllegalStateException | org.apache.kafka.common.KafkaException e) {
            if (KafkaFailures.isSecurityFailure(e)) { // a refused password or ACL reads as such
                throw new IllegalStateException("cannot prepare the service's topics: " + KafkaFailures.describe(e), e);
            }
            throw e;
        }
    }

    /**
     * The most bytes of a current-state record: {@link RecordLimits#MAX_OUTPUT_RECORD}, or less when the topic's
     * {@code max.message.bytes} (less {@link RecordLimits#BATCH_OVERHEAD}) is lower.
     */
    private static long outputLimit(Admin admin, String topic) {
        org.apache.kafka.common.config.ConfigResource resource = new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
        try {
            org.apache.kafka.clients.admin.ConfigEntry entry = admin.describeConfigs(List.of(resource)).all()
                    .get(60, java.util.concurrent.TimeUnit.SECONDS).get(resource).get("max.message.bytes");
            long topicLimit = entry == null || entry.value() == null ? Long.MAX_VALUE
                    : Long.parseLong(entry.value()) - RecordLimits.BATCH_OVERHEAD;
            return Math.min(RecordLimits.MAX_OUTPUT_RECORD, topicLimit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading the config of " + topic, e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.AuthorizationException) {
                // A principal allowed to write the topic but not to read its configs: keep to the limit every
                // broker takes by default (1 MiB, less the batch overhead), and say so.
                LOG.warn("cannot read max.message.bytes of topic {} (no DESCRIBE_CONFIGS): current-state records"
                        + " over {} bytes are dead-lettered as output-too-large", topic,
                        RecordLimits.MAX_OUTPUT_RECORD);
                return RecordLimits.MAX_OUTPUT_RECORD;
            }
            throw new IllegalStateException("cannot read the config of topic " + topic + ": " + e, e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot read the config of topic " + topic + ": " + e, e);
        }
    }

    /**
     * Refuses to start on Streams state written by a version that kept the entities of v1 runs (runs without a state
     * model) as JSON in the store {@value SnapshotStores#ENTITIES}: this version keeps them as items of the built-in
     * legacy model, so that state cannot be continued (its v1 runs would go on from nothing). It is rebuilt from the
     * topics, which hold the whole history, under a new application id.
     */
    private void refuseEntitiesOfAnEarlierVersion(Admin admin) {
        String changelog = config.applicationId() + "-" + SnapshotStores.ENTITIES + "-changelog";
        try {
            var description = admin.describeTopics(List.of(changelog)).allTopicNames().get().get(changelog);
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> ends =
                    new java.util.HashMap<>();
            description.partitions().forEach(p -> ends.put(new org.apache.kafka.common.TopicPartition(changelog,
                    p.partition()), org.apache.kafka.clients.admin.OffsetSpec.latest()));
            boolean written = admin.listOffsets(ends).all().get().values().stream().anyMatch(o -> o.offset() > 0);
            if (written) {
                throw new IllegalStateException("the Streams state of application '" + config.applicationId()
                        + "' was written by an earlier simsnap version that kept runs without a state model as JSON"
                        + " entities (topic " + changelog + " holds them); this version keeps them as items of the"
                        + " built-in legacy model and rebuilds them from history: start with a new application id"
                        + " (SIMSNAP_APPLICATION_ID) and an empty state directory");
            }
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                throw new IllegalStateException("cannot check topic " + changelog, e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking topic " + changelog, e);
        }
    }
}
