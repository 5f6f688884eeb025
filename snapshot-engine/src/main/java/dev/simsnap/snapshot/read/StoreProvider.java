package dev.simsnap.snapshot.read;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Where the reader gets the stores from: a running {@link KafkaStreams} (interactive queries over this instance's
 * local tasks) or, in tests, {@code name -> testDriver.getKeyValueStore(name)}.
 */
@FunctionalInterface
public interface StoreProvider {

    /** The named key-value store (String keys; values as the store holds them). */
    ReadOnlyKeyValueStore<String, ?> store(String name);

    /** Local interactive-query stores of {@code streams}; throws InvalidStateStoreException while not queryable. */
    static StoreProvider of(KafkaStreams streams) {
        return name -> streams.store(StoreQueryParameters.fromNameAndType(name,
                QueryableStoreTypes.<String, Object>keyValueStore()));
    }
}
