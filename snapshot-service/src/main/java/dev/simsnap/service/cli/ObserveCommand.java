package dev.simsnap.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code simsnap observe --run R [--from K] [--fields cash,wealth]}: follows {@code GET /runs/{run}/events} of a
 * running service and prints each consistent iteration as it arrives, with the chosen fields of the entities it
 * changed. Ends when the stream ends (exit 0), after {@code --max-iterations}, or when the service drops it (exit 1).
 */
@Command(name = "observe", mixinStandardHelpOptions = true,
        description = "Print a run's iterations live (SSE from the snapshot service).")
public final class ObserveCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    private CommandSpec spec;

    @Option(names = "--run", required = true, paramLabel = "RUN", description = "Run id.")
    private String run;

    @Option(names = "--from", paramLabel = "K", description = "Start at iteration K (replayed from history), "
            + "then live. Default: from now.")
    private Long from;

    @Option(names = "--fields", split = ",", paramLabel = "FIELD", defaultValue = "cash,wealth",
            description = "Entity fields to print (default: ${DEFAULT-VALUE}).")
    private List<String> fields;

    @Option(names = "--service-url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
            description = "Snapshot service (default: ${DEFAULT-VALUE}).")
    private String serviceUrl;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:SIMSNAP_TOKEN}",
            description = "Bearer token for a service that requires one (env SIMSNAP_TOKEN; a read token is enough).")
    private String token;

    @Option(names = "--max-iterations", paramLabel = "N", description = "Stop after N iterations.")
    private Long maxIterations;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String base = serviceUrl.endsWith("/") ? serviceUrl.substring(0, serviceUrl.length() - 1) : serviceUrl;
        String url = base + "/runs/" + run + "/events" + (from == null ? "" : "?from=" + from);
        HttpResponse<InputStream> r;
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
            if (token != null && !token.isBlank()) {
                request.header("Authorization", "Bearer " + token.trim());
            }
            r = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (java.io.IOException e) {
            err.println("observe: cannot reach " + base + ": " + e.getMessage());
            return 1;
        }
        if (r.statusCode() != 200) {
            err.println("observe: " + r.statusCode() + " " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
            return 1;
        }
        long seen = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String event = null;
            StringBuilder data = new StringBuilder();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).trim());
                } else if (line.isEmpty() && event != null) {
                    JsonNode n = JSON.readTree(data.toString());
                    data.setLength(0);
                    switch (event) {
                        case "hello" -> out.println("run " + run + " at iteration " + n.path("iteration").asLong()
                                + " (virtual date " + n.path("virtual_date").asText() + "), following live");
                        case "iteration" -> {
                            print(out, n);
                            if (maxIterations != null && ++seen >= maxIterations) {
                                out.flush();
                                return 0;
                            }
                        }
                        case "dropped" -> {
                            out.flush();
                            err.println("observe: dropped by the service: " + n.path("reason").asText());
                            return 1;
                        }
                        default -> { }
                    }
                    out.flush();
                    event = null;
                }
            }
        }
        return 0;
    }

    private void print(PrintWriter out, JsonNode n) {
        out.println("iteration " + n.path("iteration").asLong() + " (virtual date " + n.path("virtual_date").asText()
                + "): " + n.path("changes").size() + " changes");
        for (JsonNode c : n.path("changes")) {
            StringBuilder line = new StringBuilder("  ").append(c.path("type").asText());
            if (c.hasNonNull("collection")) {
                line.append(' ').append(c.get("collection").asText());
            }
            line.append(' ').append(c.path("id").asText());
            if ("delete".equals(c.path("op").asText())) {
                out.println(line.append(" deleted"));
                continue;
            }
            boolean any = false;
            for (String f : fields) {
                JsonNode v = c.path("value").get(f);
                if (v != null) {
                    line.append(' ').append(f).append('=').append(v.isTextual() ? v.asText() : v.toString());
                    any = true;
                }
            }
            if (any) {
                out.println(line);
            }
        }
    }
}
