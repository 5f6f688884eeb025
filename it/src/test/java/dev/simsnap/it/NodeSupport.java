package dev.simsnap.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs Node.js from the tests: finds {@code node}/{@code npm} on the PATH, installs {@code it/node} with
 * {@code npm ci} when its {@code node_modules} is missing or does not match {@code package-lock.json}, and runs the
 * conformance drivers with a timeout, keeping their stdout and stderr for assertion messages.
 */
final class NodeSupport {

    static final String RESULT_MARKER = "@@RESULT@@";
    /** What a test says when {@code node} or {@code npm} is missing. */
    static final String INSTALL_HINT = "put Node 20 and npm on the PATH (the `node` and `npm` commands;"
            + " .ci/run checks them)";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final boolean WINDOWS = System.getProperty("os.name", "").toLowerCase().startsWith("win");

    private NodeSupport() {
    }

    /** What a finished (or killed) process left behind. */
    record Outcome(List<String> command, int exitCode, boolean timedOut, String stdout, String stderr,
                   long millis) {

        boolean ok() {
            return !timedOut && exitCode == 0;
        }

        /** Everything a failing assertion should show. */
        String describe() {
            return "command: " + String.join(" ", command) + "\nexit: " + (timedOut ? "TIMED OUT (killed)" : exitCode)
                    + " after " + millis + " ms\n--- stdout ---\n" + tail(stdout) + "\n--- stderr ---\n" + tail(stderr);
        }

        /** The JSON after the driver's result marker. */
        JsonNode result() {
            for (String line : stdout.split("\\R")) {
                if (line.startsWith(RESULT_MARKER)) {
                    try {
                        return JSON.readTree(line.substring(RESULT_MARKER.length()).trim());
                    } catch (IOException e) {
                        throw new AssertionError("Unparsable result line\n" + describe(), e);
                    }
                }
            }
            throw new AssertionError("No " + RESULT_MARKER + " line in the output\n" + describe());
        }

        private static String tail(String text) {
            int max = 20_000;
            return text.length() <= max ? text : "...(" + (text.length() - max) + " chars cut)...\n"
                    + text.substring(text.length() - max);
        }
    }

    /** The executable {@code name} on the PATH, if any. */
    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        List<String> names = WINDOWS ? List.of(name + ".cmd", name + ".exe", name) : List.of(name);
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            for (String candidate : names) {
                Path file = Path.of(dir, candidate);
                if (Files.isRegularFile(file) && Files.isExecutable(file)) {
                    return Optional.of(file);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Why {@code nodeDir/node_modules} cannot be used as it is, or empty when it matches the lock file: every
     * non-optional package of {@code package-lock.json} must be installed in the same version (npm's hidden
     * lockfile {@code node_modules/.package-lock.json} records what {@code npm ci} installed, and each package's
     * own {@code package.json} must be there).
     */
    static Optional<String> staleness(Path nodeDir) {
        Path modules = nodeDir.resolve("node_modules");
        if (!Files.isDirectory(modules)) {
            return Optional.of("node_modules is missing");
        }
        Path hidden = modules.resolve(".package-lock.json");
        if (!Files.isRegularFile(hidden)) {
            return Optional.of("node_modules/.package-lock.json is missing (not installed by npm 7+)");
        }
        try {
            JsonNode wanted = JSON.readTree(nodeDir.resolve("package-lock.json").toFile()).path("packages");
            JsonNode installed = JSON.readTree(hidden.toFile()).path("packages");
            for (Iterator<Map.Entry<String, JsonNode>> it = wanted.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                String location = entry.getKey();
                JsonNode spec = entry.getValue();
                if (location.isEmpty() || spec.path("optional").asBoolean(false)
                        || spec.path("dev").asBoolean(false)) {
                    continue;
                }
                String version = spec.path("version").asText();
                String have = installed.path(location).path("version").asText(null);
                if (!version.equals(have)) {
                    return Optional.of(location + " is " + (have == null ? "not installed" : have)
                            + ", package-lock.json wants " + version);
                }
                if (!Files.isRegularFile(nodeDir.resolve(location).resolve("package.json"))) {
                    return Optional.of(location + "/package.json is missing");
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot read the lock files: " + e);
        }
    }

    /**
     * Runs {@code npm ci} in {@code nodeDir} when {@link #staleness} finds a reason.
     *
     * @return a line saying what was done
     * @throws AssertionError with npm's output when {@code npm ci} fails
     */
    static String ensureInstalled(Path npm, Path nodeDir, Duration timeout) {
        Optional<String> reason = staleness(nodeDir);
        if (reason.isEmpty()) {
            return "node_modules matches package-lock.json; npm ci not needed";
        }
        Outcome outcome = run(nodeDir, timeout, Map.of(), npm.toString(), "ci", "--no-audit", "--no-fund");
        if (!outcome.ok()) {
            throw new AssertionError("npm ci failed in " + nodeDir + " (" + reason.get() + ")\n" + outcome.describe());
        }
        Optional<String> still = staleness(nodeDir);
        if (still.isPresent()) {
            throw new AssertionError("node_modules still does not match package-lock.json after npm ci: " + still.get()
                    + "\n" + outcome.describe());
        }
        return "ran npm ci (" + reason.get() + ") in " + outcome.millis() + " ms";
    }

    /** Runs a command in {@code dir}; output goes to temp files (no pipe can fill up), read back at the end. */
    static Outcome run(Path dir, Duration timeout, Map<String, String> env, String... command) {
        List<String> cmd = List.of(command);
        long begin = System.nanoTime();
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("simsnap-node-", ".out");
            err = Files.createTempFile("simsnap-node-", ".err");
            ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(cmd)).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            return new Outcome(cmd, finished ? process.exitValue() : -1, !finished,
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8),
                    millis);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + cmd + " in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted running " + cmd, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temp file; the OS cleans it eventually
            }
        }
    }
}
