/**
 * A real Kafka broker, or a cluster of them, for development and tests, from Maven Central only.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
 *         .dataDir(Path.of("data/kafka"))   // optional: persistent; default is a temp dir removed by close()
 *         .port(9092)                        // optional: 0 (default) picks a free port, kept across restarts
 *         .start()) {
 *     broker.createTopic("simsnap.deltas", 3, Map.of("retention.ms", "-1"));
 *     String bootstrap = broker.bootstrapServers();   // "127.0.0.1:9092"
 * }
 * }</pre>
 *
 * For crash faults, {@link dev.simsnap.devstack.KafkaCluster} runs several brokers, each its own JVM
 * ({@link dev.simsnap.devstack.BrokerProcess}), that a test can {@code kill -9} and start again:
 * <pre>{@code
 * try (KafkaCluster cluster = KafkaCluster.builder().brokers(3).start()) {
 *     cluster.ensureTopics(3, SimsnapTopics.pipeline());        // replication factor 3, min.insync.replicas 2
 *     cluster.kill(cluster.leaderOf("simsnap.deltas", 0));      // SIGKILL; another node takes the partition
 * }
 * }</pre>
 *
 * Logging: the broker logs through log4j-api, routed to SLF4J (no log4j-core). Include
 * {@code dev/simsnap/devstack/logback-kafka-quiet.xml} from a logback configuration to keep it at WARN.
 */
package dev.simsnap.devstack;
