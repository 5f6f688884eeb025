package dev.simsnap.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * An SSE observer of a run ({@code GET /runs/{run}/events?from=0}: catch-up from history, then live), checked by a
 * {@link CheckerFeed}: every iteration exactly once, in order, each whole. Stops at the run's last step.
 */
final class CheckerSse implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final CheckerFeed feed;
    private final long lastStep;
    private final Consumer<String> violations;
    private final AtomicReference<InputStream> body = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean closing;

    private CheckerSse(String name, String serviceUrl, String run, CheckerReference reference,
                       Consumer<String> violations) {
        this.feed = new CheckerFeed(name, reference, violations);
        this.lastStep = reference.last();
        this.violations = violations;
        this.thread = new Thread(() -> read(serviceUrl + "/runs/" + run + "/events?from=0"), "checker-" + name);
        thread.setDaemon(true);
    }

    static CheckerSse start(String name, String serviceUrl, String run, CheckerReference reference,
                            Consumer<String> violations) {
        CheckerSse sse = new CheckerSse(name, serviceUrl, run, reference, violations);
        sse.thread.start();
        return sse;
    }

    private void read(String url) {
        try {
            HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            body.set(r.body());
            if (r.statusCode() != 200) {
                violations.accept(url + " answered " + r.statusCode() + ": "
                        + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
                return;
            }
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String event = null;
                String line;
                while (feed.last() < lastStep && (line = in.readLine()) != null) {
                    if (line.startsWith("event:")) {
                        event = line.substring(6).trim();
                    } else if (line.startsWith("data:") && "iteration".equals(event)) {
                        JsonNode e = CheckerJson.tree(line.substring(5).trim());
                        for (JsonNode c : e.path("changes")) {
                            feed.change(c.path("collection").asText(), c.path("id").asText(),
                                    "delete".equals(c.path("op").asText()) ? null : CheckerJson.value(c.get("value")));
                        }
                        feed.iteration(e.get("iteration").asLong());
                    } else if (line.startsWith("data:") && "dropped".equals(event)) {
                        violations.accept(url + ": the service dropped this observer: " + line);
                    }
                }
            }
        } catch (IOException e) {
            if (!closing) {
                violations.accept(url + ": " + e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the observer saw the run's last step; false when it did not within {@code timeout}. */
    boolean awaitLast(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        return feed.last() >= lastStep;
    }

    long last() {
        return feed.last();
    }

    @Override
    public void close() {
        closing = true;
        InputStream in = body.get();
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                // closing a stream the service may have closed already
            }
        }
        thread.interrupt();
    }
}
