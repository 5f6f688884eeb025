/**
 * The simulation worker library: {@link dev.simsnap.producer.SimsnapWorker} publishes a run's records as Kafka
 * transactions (one per iteration, generation, start and end), validated before sending
 * ({@link dev.simsnap.producer.DeltaValidator}); {@link dev.simsnap.producer.JsonDeltas} is the JSON entry.
 */
package dev.simsnap.producer;
