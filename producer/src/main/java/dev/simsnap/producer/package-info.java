/**
 * The simulation worker library: {@link dev.simsnap.producer.SimsnapWorker} publishes a run's records as Kafka
 * transactions (one per step or iteration, generation, start and end), checked before sending (state-model runs
 * against their model; v1 iterations against the legacy model, {@code dev.simsnap.schema.legacy.LegacyDeltas});
 * {@link dev.simsnap.producer.JsonDeltas} is the JSON entry of v1 deltas.
 */
package dev.simsnap.producer;
