package dev.simsnap.schema.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvolutionGuardTest {

    private static final Path AVRO = Path.of("src/main/avro");
    private static final Path HISTORY = Path.of("src/main/avro-history");

    @Test
    void theRepositoryContractsPassTheirHistory() throws IOException {
        assertThat(EvolutionGuard.check(AVRO, HISTORY)).isEmpty();
        // Every contract keeps at least its first version, so the guard has something to check.
        try (var files = Files.list(AVRO)) {
            for (Path contract : files.toList()) {
                String fullName = new Schema.Parser().parse(contract.toFile()).getFullName();
                assertThat(HISTORY.resolve(fullName).resolve("v1.avsc")).exists();
            }
        }
    }

    @Test
    void aDeliberatelyIncompatibleChangeFailsTheGuard(@TempDir Path tmp) throws IOException {
        Path avro = Files.createDirectories(tmp.resolve("avro"));
        Path history = tmp.resolve("history");
        copyTree(HISTORY, history);
        // A new required field without a default: new readers cannot read old IterationCommitted records.
        String original = Files.readString(AVRO.resolve("IterationCommitted.avsc"));
        String broken = original.replaceFirst("\"fields\"\\s*:\\s*\\[",
                "\"fields\": [\n    {\"name\": \"checksum\", \"type\": \"string\"},");
        assertThat(broken).isNotEqualTo(original);
        Files.writeString(avro.resolve("IterationCommitted.avsc"), broken);

        List<String> problems = EvolutionGuard.check(avro, history);
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).contains("dev.simsnap.schema.run.IterationCommitted", "checksum", "READER_FIELD_MISSING_DEFAULT_VALUE");
        assertThatThrownBy(() -> EvolutionGuard.main(new String[] {avro.toString(), history.toString()}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void transitiveMeansEveryKeptVersionNotOnlyTheLatest(@TempDir Path tmp) throws IOException {
        Schema v1 = record("{\"name\":\"a\",\"type\":\"int\"}");
        Schema v2 = record("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}");
        // v3 drops the default of b: fine against v2 (it has b) but not against v1 (it lacks b).
        Schema v3 = record("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"}");
        assertThat(CompatibilityChecker.isCompatible(CompatibilityLevel.BACKWARD, v3, List.of(v1, v2))).isTrue();
        assertThat(CompatibilityChecker.incompatibilities(CompatibilityLevel.BACKWARD_TRANSITIVE, v3, List.of(v1, v2)))
                .singleElement().asString().contains("version index 0");
        // Adding an optional field is backward compatible; removing a field without default breaks FORWARD.
        assertThat(CompatibilityChecker.isCompatible(CompatibilityLevel.FULL, v2, List.of(v1))).isTrue();
        assertThat(CompatibilityChecker.isCompatible(CompatibilityLevel.FORWARD, v1, List.of(v3))).isFalse();
        assertThat(CompatibilityChecker.isCompatible(CompatibilityLevel.NONE, v1, List.of(v3))).isTrue();
    }

    @Test
    void levelsParseCaseInsensitivelyAndRejectUnknownNames() {
        assertThat(CompatibilityLevel.parse("full_transitive")).isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
        assertThatThrownBy(() -> CompatibilityLevel.parse("SIDEWAYS")).hasMessageContaining("SIDEWAYS");
    }

    private static Schema record(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[" + fields + "]}");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
