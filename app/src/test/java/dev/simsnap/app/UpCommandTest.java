package dev.simsnap.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, end to end: the one-process stack starts, publishes the sample runs, writes snapshots, and a second start on the same data keeps the runs. */
class UpCommandTest {

    @Test
    void upWritesSampleSnapshotsAndASecondStartKeepsTheRuns(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        Path out = tmp.resolve("snapshots");
        String first = up(data, out);
        assertThat(first).contains("publishing sample run demo-arena", "publishing sample run demo-evolution");
        Path arena = out.resolve("demo-arena");
        ObjectMapper json = new ObjectMapper();
        JsonNode info = json.readTree(arena.resolve("save/information.json").toFile());
        assertThat(info.get("iteration").asLong()).isEqualTo(40);
        assertThat(json.readTree(arena.resolve("save/persona.json").toFile())).hasSize(24);
        assertThat(json.readTree(arena.resolve("save/stocks.json").toFile())).hasSize(6);
        for (int g = 0; g < 4; g++) {
            assertThat(json.readTree(out.resolve("demo-evolution/persona_data/gen_" + g + ".json").toFile())).hasSize(16);
        }
        byte[] personas = Files.readAllBytes(arena.resolve("save/persona.json"));

        String second = up(data, out);
        assertThat(second).doesNotContain("publishing sample run").contains("snapshot");
        assertThat(Files.readAllBytes(arena.resolve("save/persona.json"))).isEqualTo(personas);
    }

    private static String up(Path data, Path out) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int code;
        try (PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            code = Simsnap.commandLine().execute("up", "--data-dir", data.toString(), "--out", out.toString(),
                    "--kafka-port", "0", "--registry-port", "0", "--service-port", "0", "--gateway-port", "0", "--exit-after-start");
        } finally {
            System.setOut(original);
        }
        String printed = buffer.toString(StandardCharsets.UTF_8);
        assertThat(code).as(printed).isZero();
        return printed;
    }
}
