package dev.simsnap.producer;

import dev.simsnap.serde.AvroSerializer;
import java.util.Map;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The value serializer of a worker's producer: an Avro record goes through {@link AvroSerializer} (configured with
 * the producer's own settings), and a {@code byte[]} — a record the worker has already encoded in the same wire
 * format ({@link DeltaEncoder}) — is sent as it is. Closing it closes the Avro serializer.
 */
final class WorkerValueSerializer implements Serializer<Object> {

    private final AvroSerializer<IndexedRecord> avro = new AvroSerializer<>();

    /** Configured with {@code producerConfig}, as Kafka would configure a serializer named by class. */
    WorkerValueSerializer(Map<String, ?> producerConfig) {
        avro.configure(producerConfig, false);
    }

    @Override
    public byte[] serialize(String topic, Object data) {
        if (data instanceof byte[] encoded) {
            return encoded;
        }
        return avro.serialize(topic, (IndexedRecord) data);
    }

    @Override
    public byte[] serialize(String topic, Headers headers, Object data) {
        return serialize(topic, data);
    }

    @Override
    public void close() {
        avro.close();
    }
}
