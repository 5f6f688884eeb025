package dev.simsnap.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.registry.server.SchemaRegistryServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Smoke test only: the observer phase (service, workers, SSE client, baseline consumer) at toy size. */
@RealKafka
class ObserverBenchSmokeTest {

    @Test
    void observerHarnessRunsAtToySize(KafkaBroker broker, @TempDir Path dir) throws Exception {
        try (SchemaRegistryServer registry = SchemaRegistryServer.builder(broker.bootstrapServers()).port(0)
                .topic("_schemas-observer-smoke").build().start()) {
            Properties config = new Properties();
            config.put("bootstrap.servers", broker.bootstrapServers());
            config.put("schema.registry.url", registry.url());
            config.put("simsnap.topic.partitions", String.valueOf(BenchMain.PARTITIONS));
            BenchMain.TABLE.clear();
            // 1 s of load: 10 warm-up + 40 measured iterations at 50/s, 2 workers.
            List<ObserverBench.Result> results = ObserverBench.run(config, dir,
                    new ObserverBench.Load(4, 2, 2, 50, 10, 40), 20);

            assertThat(BenchMain.TABLE).extracting(r -> r[0]).containsExactly("5");
            assertThat(BenchMain.TABLE.get(0)[1]).contains("commit.interval.ms=20");
            ObserverBench.Result r = results.get(0);
            assertThat(r.commitIntervalMs()).isEqualTo(20);
            // Sorted: the first is the smallest. Every measured iteration arrived on both paths, after its commit call.
            assertThat(r.sse()).hasSize(40);
            assertThat(r.sse()[0]).isPositive();
            assertThat(r.baseline()).hasSize(40);
            assertThat(r.baseline()[0]).isPositive();
            assertThat(r.achievedRate()).isPositive();
        }
    }
}
