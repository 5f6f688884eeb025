package dev.simsnap.service;

import dev.simsnap.connection.KafkaFailures;
import dev.simsnap.serde.AvroDeserializer;
import dev.simsnap.serde.AvroSerdeConfig;
import dev.simsnap.snapshot.deadletter.DeadLetterStats;
import dev.simsnap.snapshot.read.RunStateReader;
import dev.simsnap.snapshot.read.StoreProvider;
import dev.simsnap.snapshot.topology.SnapshotTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
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

    public SnapshotService(SnapshotServiceConfig config) {
        this.config = config;
    }

    /**
     * The Streams properties this service runs with: the whole client configuration (Streams hands its security
     * settings to every inner client), then the service's own settings.
     */
    public Properties streamsProperties() {
        Properties p = new Properties();
        p.putAll(config.client().kafka());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.replicationFactor());
        if (config.applicationServer() != null) {
            p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, config.applicationServer());
        }
        // Static membership: a restart on the same state dir rejoins at once instead of after the session timeout.
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), InstanceId.of(config.stateDir()));
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
        createTopics();
        streams = new KafkaStreams(topology(), streamsProperties());
        streams.setUncaughtExceptionHandler(e -> {
            // Poison records never get here (they are dead-lettered); this is a bug or an infrastructure failure.
            LOG.error("snapshot stream thread failed; shutting this instance down", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
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

    private void createTopics() {
        Map<String, String> forever = Map.of("retention.ms", "-1", "retention.bytes", "-1");
        List<NewTopic> topics = new ArrayList<>();
        for (String name : List.of(config.topics().deltas(), config.topics().generations(), config.topics().deadLetter())) {
            topics.add(new NewTopic(name, config.partitions(), config.replicationFactor()).configs(forever));
        }
        topics.add(new NewTopic(config.topics().currentState(), config.partitions(),
                config.replicationFactor()).configs(Map.of("cleanup.policy", "compact")));
        try (Admin admin = Admin.create(config.client().kafka())) {
            for (var entry : admin.createTopics(topics).values().entrySet()) {
                try {
                    entry.getValue().get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicAuthorizationException) {
                        // No CREATE ACL (the history topics belong to the deployment): fine when the topic exists.
                        requireExisting(admin, entry.getKey(), e.getCause());
                    } else if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey() + ": "
                                + KafkaFailures.describe(e.getCause()), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new IllegalStateException("cannot create topics: " + KafkaFailures.describe(e), e);
        }
    }

    private static void requireExisting(Admin admin, String topic, Throwable refused) throws InterruptedException {
        try {
            admin.describeTopics(List.of(topic)).allTopicNames().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("topic " + topic + " does not exist and this principal may not create it ("
                    + KafkaFailures.describe(refused) + ")", e.getCause());
        }
    }
}
