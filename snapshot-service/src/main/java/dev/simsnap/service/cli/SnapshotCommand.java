package dev.simsnap.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.snapshot.write.DirectoryTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code simsnap snapshot --run R --out DIR [--service-url URL]}: downloads the run's snapshot zip from a running
 * snapshot service ({@code GET /runs/{run}/snapshot}, any instance) and unpacks it atomically into
 * {@code DIR/<run>/}: everything goes to {@code DIR/.<run>.tmp-<uuid>/} first, which is then renamed (a previous
 * {@code DIR/<run>} is moved aside and deleted after the swap). Zip entries outside {@code <run>/} are refused.
 * Errors are one line on stderr with exit code 1.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = "Fetch a run's snapshot from the snapshot service and unpack it into DIR/<run>/.")
public final class SnapshotCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--run", required = true, paramLabel = "RUN", description = "Run id.")
    private String run;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (gets DIR/<run>/).")
    private Path out;

    @Option(names = "--service-url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
            description = "Snapshot service base URL (default: ${DEFAULT-VALUE}).")
    private String serviceUrl;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:SIMSNAP_TOKEN}",
            description = "Bearer token for a service that requires one (env SIMSNAP_TOKEN; a read token is enough).")
    private String token;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            Path folder = fetch();
            spec.commandLine().getOut().println("snapshot of run " + run + " written to " + folder);
            return 0;
        } catch (CliException e) {
            err.println("simsnap snapshot: " + e.getMessage());
            return 1;
        }
    }

    private Path fetch() {
        if (!RunIds.isValid(run)) {
            try {
                RunIds.require("run id", run);
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
        }
        String base = serviceUrl.endsWith("/") ? serviceUrl.substring(0, serviceUrl.length() - 1) : serviceUrl;
        URI uri;
        try {
            uri = URI.create(base + "/runs/" + run + "/snapshot");
            if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            throw new CliException("invalid --service-url '" + serviceUrl + "': " + e.getMessage());
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<InputStream> response;
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).GET();
            if (token != null && !token.isBlank()) {
                request.header("Authorization", "Bearer " + token.trim());
            }
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new CliException("snapshot service unreachable at " + base + " (" + e.getClass().getSimpleName()
                    + ")");
        } catch (IOException e) {
            throw new CliException("snapshot service at " + base + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new CliException(errorMessage(response.statusCode(), body.readAllBytes()));
            }
            return unpack(body);
        } catch (IOException e) {
            throw new CliException("cannot write the snapshot of run " + run + " into " + out + ": " + e);
        }
    }

    private static String errorMessage(int status, byte[] body) {
        try {
            JsonNode json = new ObjectMapper().readTree(body);
            if (json != null && json.hasNonNull("error")) {
                return json.get("error").asText() + " (HTTP " + status + ")";
            }
        } catch (IOException e) {
            // not our JSON error: fall through
        }
        return "snapshot service answered HTTP " + status;
    }

    private Path unpack(InputStream body) throws IOException {
        Path dir = out.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        Path target = dir.resolve(run);
        String unique = UUID.randomUUID().toString();
        Path temp = dir.resolve("." + run + ".tmp-" + unique);
        Files.createDirectory(temp);
        try {
            int files = 0;
            String prefix = run + "/";
            try (ZipInputStream zip = new ZipInputStream(body)) {
                for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                    String name = e.getName();
                    if (!name.startsWith(prefix) || name.length() == prefix.length()) {
                        throw new CliException("refusing zip entry '" + name + "' outside " + prefix);
                    }
                    Path path = temp.resolve(name.substring(prefix.length())).normalize();
                    if (!path.startsWith(temp) || path.equals(temp)) {
                        throw new CliException("refusing zip entry '" + name + "' escaping the run folder");
                    }
                    if (e.isDirectory()) {
                        Files.createDirectories(path);
                        continue;
                    }
                    Files.createDirectories(path.getParent());
                    Files.copy(zip, path);
                    files++;
                }
            }
            if (files == 0) {
                throw new CliException("the snapshot of run " + run + " is empty");
            }
            Path old = null;
            if (Files.exists(target)) {
                old = dir.resolve("." + run + ".old-" + unique);
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            if (old != null) {
                DirectoryTrees.delete(old);
            }
            return target;
        } catch (IOException | RuntimeException e) {
            if (Files.exists(temp)) {
                DirectoryTrees.delete(temp);
            }
            throw e;
        }
    }

    /** A one-line failure. */
    private static final class CliException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CliException(String message) {
            super(message, null, false, false);
        }
    }
}
