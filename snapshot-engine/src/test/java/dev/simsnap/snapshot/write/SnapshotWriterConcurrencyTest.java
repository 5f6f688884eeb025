package dev.simsnap.snapshot.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.simsnap.snapshot.read.RunState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parallel write path: background deletion, leftovers, concurrent writes, failures. */
class SnapshotWriterConcurrencyTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path root;

    private final List<SnapshotWriter> writers = new ArrayList<>();

    @AfterEach
    void closeWriters() {
        // Before @TempDir cleanup, so no background deletion races JUnit's.
        writers.forEach(SnapshotWriter::close);
    }

    private SnapshotWriter writer(Path dir, int threads) {
        SnapshotWriter w = new SnapshotWriter(dir, threads);
        writers.add(w);
        return w;
    }

    /** A run with enough files (persons x stocks) that the I/O threads really interleave. */
    private static RunState state(String run, int iteration, int persons) {
        SortedMap<String, byte[]> files = new TreeMap<>();
        files.put("save/information.json", ("{\"iteration\": " + iteration + "}\n").getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < persons; i++) {
            files.put("save/classes/PERSON_" + i + ".json", ("{\"person_id\": " + i + ", \"name\": \"p" + i + "@"
                    + iteration + "\"}\n").getBytes(StandardCharsets.UTF_8));
        }
        for (int i = 0; i < 20; i++) {
            files.put("save/classes/STOCK_" + i + ".json", ("{\"stock_id\": " + i + ", \"prices\": [1, 2.5, "
                    + (iteration + 0.25) + "]}\n").getBytes(StandardCharsets.UTF_8));
        }
        return RunState.rendered(run, iteration, files);
    }

    private static SortedMap<String, byte[]> onDisk(Path folder) throws Exception {
        SortedMap<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
            }
        }
        return files;
    }

    private static void assertSameFiles(SortedMap<String, byte[]> actual, SortedMap<String, byte[]> expected) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((path, bytes) -> assertThat(actual.get(path)).as(path).isEqualTo(bytes));
    }

    private List<String> rootEntries() throws Exception {
        try (Stream<Path> entries = Files.list(root)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void onDiskBytesAreTheRenderedBytesForAnyThreadCount() throws Exception {
        RunState s = state("run-1", 3, 300);
        SortedMap<String, byte[]> expected = SnapshotWriter.render(s);
        assertSameFiles(onDisk(writer(root.resolve("one"), 1).write(s)), expected);
        assertSameFiles(onDisk(writer(root.resolve("many"), 32).write(s)), expected);
    }

    @Test
    void replacedSnapshotIsDeletedInTheBackground() throws Exception {
        SnapshotWriter w = writer(root, 8);
        for (int i = 0; i < 5; i++) {
            Path out = w.write(state("run-1", i, 200));
            assertSameFiles(onDisk(out), SnapshotWriter.render(state("run-1", i, 200)));
        }
        assertThat(w.awaitBackgroundDeletes(WAIT)).isTrue();
        assertThat(rootEntries()).containsExactly("run-1");
    }

    @Test
    void leftoversAreRemovedByTheNextWrite() throws Exception {
        String uuid = UUID.randomUUID().toString();
        List<Path> leftovers = List.of(root.resolve(".run-1.tmp-" + uuid), root.resolve(".run-1.old-" + uuid),
                root.resolve(".other.old-" + UUID.randomUUID()), root.resolve(".run-1@3.old-" + UUID.randomUUID()));
        for (Path l : leftovers) {
            Files.createDirectories(l.resolve("save/classes"));
            Files.writeString(l.resolve("save/classes/PERSON_1.json"), "{\n  \"person_id\": 1,\n  \"na");
        }
        // Not leftovers of this write: another folder's temp (possibly a write in progress), foreign hidden names,
        // and a run whose id merely starts like "run-1" followed by a leftover-like suffix.
        List<Path> kept = List.of(root.resolve(".other.tmp-" + UUID.randomUUID()), root.resolve(".run-1.tmp-x"),
                root.resolve(".run-1.tmp-" + UUID.randomUUID() + ".tmp-x"), root.resolve(".keep"));
        for (Path k : kept) {
            Files.createDirectories(k);
        }
        SnapshotWriter w = writer(root, 4);
        w.write(state("run-1", 1, 10));
        assertThat(w.awaitBackgroundDeletes(WAIT)).isTrue();
        List<String> expected = new ArrayList<>();
        expected.add("run-1");
        kept.forEach(k -> expected.add(k.getFileName().toString()));
        assertThat(rootEntries()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void concurrentWritesOfDifferentAndOfTheSameRuns() throws Exception {
        SnapshotWriter w = writer(root, 16);
        ExecutorService callers = Executors.newFixedThreadPool(6);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (int run = 0; run < 4; run++) {
                    int iteration = round;
                    String id = "run-" + run;
                    results.add(callers.submit((Callable<Path>) () -> w.write(state(id, iteration, 150))));
                }
                // The same run from two callers at once: serialized, each a complete snapshot.
                int iteration = round;
                results.add(callers.submit((Callable<Path>) () -> w.write(state("same", iteration, 150))));
                results.add(callers.submit((Callable<Path>) () -> w.writeAsOf(state("same", iteration, 150))));
            }
            for (Future<Path> f : results) {
                assertThat(f.get()).exists();
            }
        } finally {
            callers.shutdown();
        }
        for (int run = 0; run < 4; run++) {
            // Writes of one run were submitted in round order but may complete in any order: the folder holds one
            // complete snapshot of one of them.
            SortedMap<String, byte[]> actual = onDisk(root.resolve("run-" + run));
            String info = new String(actual.get("save/information.json"), java.nio.charset.StandardCharsets.UTF_8);
            int iteration = Integer.parseInt(info.replaceAll("(?s).*\"iteration\": (\\d+).*", "$1"));
            assertSameFiles(actual, SnapshotWriter.render(state("run-" + run, iteration, 150)));
        }
        for (int round = 0; round < 3; round++) {
            assertSameFiles(onDisk(root.resolve("same@" + round)), SnapshotWriter.render(state("same", round, 150)));
        }
        assertThat(w.awaitBackgroundDeletes(WAIT)).isTrue();
        assertThat(rootEntries()).containsExactly("run-0", "run-1", "run-2", "run-3", "same", "same@0", "same@1",
                "same@2");
    }

    @Test
    void aFileThatCannotBeRenderedFailsTheWriteAndKeepsTheOldSnapshot() throws Exception {
        SnapshotWriter w = writer(root, 8);
        RunState good = state("run-1", 1, 200);
        w.write(good);
        RunState bad = state("run-1", 2, 200);
        // A v1 generation's file is rendered on an I/O thread, during the write.
        bad.generations().put(0, List.of(JsonNodeFactory.instance.objectNode().put("name", "x")
                .put("score", Double.NaN)));
        assertThatThrownBy(() -> w.write(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
        assertSameFiles(onDisk(root.resolve("run-1")), SnapshotWriter.render(good));
        assertThat(w.awaitBackgroundDeletes(WAIT)).isTrue();
        assertThat(rootEntries()).containsExactly("run-1");
    }

    @Test
    void threadCountIsCheckedAndAClosedWriterRefusesWrites() throws Exception {
        assertThatThrownBy(() -> new SnapshotWriter(root, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SnapshotWriter(root, SnapshotWriter.MAX_IO_THREADS + 1))
                .isInstanceOf(IllegalArgumentException.class);
        SnapshotWriter w = writer(root, 2);
        w.write(state("run-1", 1, 5));
        w.write(state("run-1", 2, 5));
        w.close();
        // close() waited for the deletion of the replaced snapshot.
        assertThat(rootEntries()).containsExactly("run-1");
        assertThatThrownBy(() -> w.write(state("run-1", 3, 5))).isInstanceOf(IllegalStateException.class);
        w.close();
    }
}
