package dev.simsnap.schema.compat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;

/**
 * The build's schema evolution guard: every contract in a source folder must be
 * {@link CompatibilityLevel#BACKWARD_TRANSITIVE} compatible with every version kept in the history folder.
 *
 * <p>History layout: {@code <history>/<record full name>/v<N>.avsc}, N = 1, 2, ... The build runs
 * {@link #main} after compiling the contract module; a non-empty report fails it.
 */
public final class EvolutionGuard {

    private EvolutionGuard() {
    }

    /** Arguments: the contracts folder and the history folder. Throws (failing the build) on any incompatibility. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: EvolutionGuard <avro-dir> <history-dir>");
        }
        List<String> problems = check(Path.of(args[0]), Path.of(args[1]));
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Schema evolution guard failed (BACKWARD_TRANSITIVE):\n  - "
                    + String.join("\n  - ", problems));
        }
        System.out.println("[simsnap] schema evolution guard: all contracts BACKWARD_TRANSITIVE compatible with their history");
    }

    /**
     * Returns one line per incompatibility between a contract in {@code avroDir} and its kept versions in
     * {@code historyDir}; empty when every contract is compatible. Contracts without history pass.
     */
    public static List<String> check(Path avroDir, Path historyDir) throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path file : list(avroDir)) {
            Schema current = new Schema.Parser().parse(file.toFile());
            Path versions = historyDir.resolve(current.getFullName());
            List<Schema> history = new ArrayList<>();
            for (Path old : list(versions)) {
                history.add(new Schema.Parser().parse(old.toFile()));
            }
            for (String problem : CompatibilityChecker.incompatibilities(
                    CompatibilityLevel.BACKWARD_TRANSITIVE, current, history)) {
                problems.add(current.getFullName() + " (" + file.getFileName() + "): " + problem);
            }
        }
        return problems;
    }

    /** The .avsc files of a folder, versions in numeric order (v2 before v10); empty when it does not exist. */
    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".avsc"))
                    .sorted(Comparator.comparing(EvolutionGuard::versionKey))
                    .toList();
        }
    }

    private static String versionKey(Path p) {
        String name = p.getFileName().toString();
        String digits = name.replaceAll("\\D", "");
        return digits.isEmpty() ? name : String.format("%012d", Long.parseLong(digits));
    }
}
