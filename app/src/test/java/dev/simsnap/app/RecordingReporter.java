package dev.simsnap.app;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;

/**
 * A metrics reporter that only remembers the client ids it was configured for. Kafka instantiates the classes of
 * {@code metric.reporters} in every producer, consumer and admin client built with that property, so a client
 * missing from {@link #CONFIGURED} was built without the configuration that named this class.
 */
public final class RecordingReporter implements MetricsReporter {

    /** Client ids of the clients that got the configuration. */
    static final Set<String> CONFIGURED = ConcurrentHashMap.newKeySet();

    @Override
    public void configure(Map<String, ?> configs) {
        Object id = configs.get("client.id");
        if (id != null) {
            CONFIGURED.add(String.valueOf(id));
        }
    }

    @Override
    public void init(List<KafkaMetric> metrics) {
    }

    @Override
    public void metricChange(KafkaMetric metric) {
    }

    @Override
    public void metricRemoval(KafkaMetric metric) {
    }

    @Override
    public void close() {
    }
}
