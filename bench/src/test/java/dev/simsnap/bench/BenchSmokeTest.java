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
}
