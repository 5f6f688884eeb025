package dev.simsnap.snapshot.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.snapshot.deadletter.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A run's records must be on the run's partition of each topic (the Java producer's own choice for the run id as
 * key): the test driver reads every record from partition 0, so with the topics' partition counts configured a run
 * the producer would put elsewhere is refused ({@code wrong-partition}, nothing stored) on both input topics, and a
 * run that belongs on partition 0 is applied.
 */
class RunPartitionsTest {

    private static final int PARTITIONS = 6;

    private TopologyHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void aRunOnAnotherPartitionThanItsOwnIsRefused() throws Exception {
        h = TopologyHarness.withAppConfigs(Map.of(RunPartitions.DELTAS_PARTITIONS_CONFIG, "" + PARTITIONS,
                RunPartitions.GENERATIONS_PARTITIONS_CONFIG, "" + PARTITIONS));
        String home = runOn(0);
        String away = runOn(3);

        h.send(away, Records.started(away, "w1"));
        List<TestRecord<byte[], byte[]>> dead = h.deadLetters();
        assertThat(dead).hasSize(1);
        assertThat(header(dead.get(0), DeadLetterHeaders.REASON)).isEqualTo("wrong-partition");
        assertThat(header(dead.get(0), DeadLetterHeaders.DETAIL)).contains("run " + away + " belongs on partition 3 of"
                + " the 6 of " + Contracts.DELTAS_TOPIC).contains("on partition 0");
        assertThat(h.reader.runInfo(away)).isEmpty();

        h.sendGeneration(away, Records.chunk(away, 0, 0, 0, Records.genotype("Ada", 30)));
        assertThat(h.deadLetters()).extracting(r -> header(r, DeadLetterHeaders.REASON))
                .containsExactly("wrong-partition");

        h.send(home, Records.started(home, "w1"));
        h.sendGeneration(home, Records.chunk(home, 0, 0, 0, Records.genotype("Ada", 30)));
        assertThat(h.deadLetters()).isEmpty();
        assertThat(h.reader.runInfo(home)).isPresent();
    }

    /** A run id the Java producer's default partitioner puts on {@code partition} of {@link #PARTITIONS}. */
    private static String runOn(int partition) {
        for (int i = 0; ; i++) {
            String run = "run-" + i;
            if (BuiltInPartitioner.partitionForKey(run.getBytes(StandardCharsets.UTF_8), PARTITIONS) == partition) {
                return run;
            }
        }
    }

    private static String header(TestRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
