package dev.simsnap.importer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.devstack.junit.RequiredTool;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code python3} (on the PATH) for the importer's tests; missing, it skips a test, or fails it under CI. */
final class Python {

    private Python() {
    }

    /** Runs {@code script} (a test resource of this module) with {@code args}; asserts exit 0. */
    static void run(String script, String... args) throws Exception {
        Path python = onPath();
        RequiredTool.require("python3", python != null, "put Python 3 on the PATH (Debian: apt-get install python3)");
        List<String> command = new ArrayList<>(List.of(python.toString(), Path.of("src/test/resources/importer", script)
                .toAbsolutePath().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("python3 %s finished", script).isTrue();
        assertThat(p.exitValue()).as(new String(out, StandardCharsets.UTF_8)).isZero();
    }

    private static Path onPath() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "python3");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
