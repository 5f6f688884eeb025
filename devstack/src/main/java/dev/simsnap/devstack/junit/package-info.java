/**
 * JUnit 5 support: {@link dev.simsnap.devstack.junit.RealKafka @RealKafka} hands tests a real broker.
 *
 * <pre>{@code
 * @RealKafka
 * class DeltaTopicTest {
 *     @Test
 *     void roundTrip(KafkaBroker broker) {
 *         broker.createTopic("deltas-" + UUID.randomUUID(), 1, Map.of());
 *         // clients use broker.bootstrapServers()
 *     }
 * }
 * }</pre>
 */
package dev.simsnap.devstack.junit;
