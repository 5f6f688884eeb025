package dev.simsnap.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Smoke test only: the snapshot harness runs at toy size. Benchmarks are never run by mvn verify. */
class BenchSmokeTest {

    @Test
    void snapshotHarnessRunsAtToySize(@TempDir Path dir) throws Exception {
        BenchMain.TABLE.clear();
        BenchMain.snapshot(dir, 20, 5, 10, 1);
        assertThat(BenchMain.TABLE).extracting(r -> r[0]).containsExactly("3", "3b");
    }

    @Test
    void snapshotV2HarnessRunsAtToySize(@TempDir Path dir) throws Exception {
        BenchMain.TABLE.clear();
        BenchV2.snapshot(dir, Path.of("../examples/kinds/epidemic-grid"), 4, 30, 2, 1);
        assertThat(BenchMain.TABLE).extracting(r -> r[0]).containsExactly("3-v2", "3b-v2");
    }

    @Test
    void theV2WorkloadMixesEveryKindOfChange() {
        var work = BenchV2.workload(BenchV2.epidemic(Path.of("../examples/kinds/epidemic-grid")), 4, 12);
        assertThat(BenchV2.mix(work).keySet()).containsExactlyInAnyOrder(BenchV2.Kind.values());
    }
}
