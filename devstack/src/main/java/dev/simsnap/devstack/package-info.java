/**
 * A real Kafka broker for development and tests, from Maven Central only.
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
 * Logging: the broker logs through log4j-api, routed to SLF4J (no log4j-core). Include
 * {@code dev/simsnap/devstack/logback-kafka-quiet.xml} from a logback configuration to keep it at WARN.
 */
package dev.simsnap.devstack;
