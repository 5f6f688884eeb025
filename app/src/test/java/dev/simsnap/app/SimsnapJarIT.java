package dev.simsnap.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command as a user runs it: {@code java -jar app/target/simsnap.jar up}, in a child JVM on the
 * packaged jar and its {@code lib/} folder, so a runtime class missing from the manifest class path fails here
 * (the in-process UpCommandTest runs on Maven's test class path and cannot see that).
 */
class SimsnapJarIT {

    @Test
    void thePackagedJarRunsTheEmbeddedStack(@TempDir Path tmp) throws Exception {
        Path jar = Path.of(System.getProperty("simsnap.jar", "target/simsnap.jar"));
        assertThat(jar).exists();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (Runtime.version().feature() >= 24) {
            command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        }
        command.addAll(List.of("-Xmx768m", "-jar", jar.toString(), "up", "--data-dir", tmp.resolve("data").toString(),
                "--out", tmp.resolve("snapshots").toString(), "--kafka-port", "0", "--registry-port", "0",
                "--service-port", "0", "--gateway-port", "0", "--exit-after-start"));
        Path log = tmp.resolve("up.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean exited = process.waitFor(150, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        String output = read(log);
        assertThat(exited).as(output).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("kafka ", "registry ", "service ", "gateway ", "snapshot ");
        // No ERROR from simsnap or a client. The embedded broker itself logs a retriable produce of a transactional
        // producer that it refused (CONCURRENT_TRANSACTIONS, then an out-of-order sequence on the retry) at ERROR
        // under load; the client retries and the snapshots below prove the writes landed.
        assertThat(output.lines().filter(l -> l.contains("ERROR")).filter(l -> !l.contains(
                "ERROR kafka.server.ReplicaManager - [ReplicaManager broker=1] Error processing append operation"))
                .toList()).as(output).isEmpty();
        assertThat(tmp.resolve("snapshots/demo-arena/save/persona.json")).exists();
        assertThat(tmp.resolve("snapshots/demo-evolution/persona_data/gen_3.json")).exists();
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }
}
