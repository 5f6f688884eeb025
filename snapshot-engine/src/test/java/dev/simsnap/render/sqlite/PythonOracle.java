package dev.simsnap.render.sqlite;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Python's standard {@code sqlite3} module as an independent oracle. Without {@code python3} the calling test is
 * skipped, or fails when {@code CI=true}.
 */
final class PythonOracle {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Boolean available;
    private static Path script;

    private PythonOracle() {}

    static synchronized void assumeAvailable() {
        if (available == null) {
            try {
                Process p = new ProcessBuilder("python3", "-c", "import sqlite3").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                available = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                available = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                available = false;
            }
        }
        if (!available) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("python3 with the sqlite3 module is required when CI=true");
            }
            Assumptions.abort("python3 with the sqlite3 module is not available");
        }
    }

    /** Everything a reader of {@code db} sees (schema, every row with storage classes) plus the given queries. */
    static String dump(Path db, List<String> queries) throws Exception {
        return run("dump", db, queries);
    }

    /** Executes {@code statements} on {@code db} with Python's sqlite3 and commits. */
    static void exec(Path db, List<String> statements) throws Exception {
        run("exec", db, statements);
    }

    private static String run(String mode, Path db, List<String> arg) throws Exception {
        assumeAvailable();
        Process p = new ProcessBuilder("python3", script().toString(), mode, db.toAbsolutePath().toString()).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            in.write(JSON.writeValueAsBytes(arg));
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("python3 oracle timed out");
        }
        if (p.exitValue() != 0) {
            fail("python3 oracle failed (" + p.exitValue() + "): " + new String(err.get(), StandardCharsets.UTF_8));
        }
        return new String(out.get(), StandardCharsets.UTF_8);
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static synchronized Path script() throws IOException {
        if (script == null) {
            Path tmp = Files.createTempFile("sqlite_oracle", ".py");
            tmp.toFile().deleteOnExit();
            try (InputStream in = PythonOracle.class.getResourceAsStream("sqlite_oracle.py")) {
                Files.write(tmp, in.readAllBytes());
            }
            script = tmp;
        }
        return script;
    }
}
