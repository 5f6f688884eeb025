package dev.simsnap.service.http;

import static dev.simsnap.snapshot.topology.Records.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.devstack.junit.RequiredTool;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.service.live.LiveEvent;
import dev.simsnap.service.live.LiveHub;
import dev.simsnap.service.live.Subscriber;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /runs/{run}/events}: catch-up then live, exactly once, in order; slow observers are dropped. */
@RealKafka
class LiveEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static SchemaRegistryServer registry;
    private static TestCluster cluster;
    private static SnapshotServer server;
    private static String url;

    /** One received SSE event. */
    record Sse(String event, String data, long receivedNanos) {
        JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Reads an SSE stream on a background thread. */
    static final class Observer implements AutoCloseable {
        final List<Sse> events = new CopyOnWriteArrayList<>();
        final Thread thread;
        volatile InputStream body;
        volatile boolean ended;

        Observer(String url) throws Exception {
            HttpResponse<InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            body = r.body();
            thread = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                    String event = null;
                    StringBuilder data = new StringBuilder();
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        if (line.startsWith("event:")) {
                            event = line.substring(6).trim();
                        } else if (line.startsWith("data:")) {
                            data.append(line.substring(5).trim());
                        } else if (line.isEmpty() && event != null) {
                            events.add(new Sse(event, data.toString(), System.nanoTime()));
                            event = null;
                            data.setLength(0);
                        }
                    }
                } catch (Exception e) {
                    // closed
                }
                ended = true;
            });
            thread.setDaemon(true);
            thread.start();
        }

        List<Long> iterations() {
            return events.stream().filter(e -> e.event().equals("iteration"))
                    .map(e -> e.json().get("iteration").asLong()).toList();
        }

        @Override
        public void close() throws Exception {
            body.close();
        }
    }

    @BeforeAll
    static void start(KafkaBroker broker) throws Exception {
        registry = SchemaRegistryServer.builder(broker.bootstrapServers()).port(0)
                .topic("_schemas-" + UUID.randomUUID()).build().start();
        cluster = new TestCluster(broker.bootstrapServers(), registry.url());
        server = SnapshotServer.builder().bootstrapServers(broker.bootstrapServers())
                .schemaRegistryUrl(registry.url()).stateDir(TestCluster.tempDir("state-"))
                .outputRoot(TestCluster.tempDir("snapshots-")).http("127.0.0.1", 0)
                .applicationId("live-it-" + UUID.randomUUID()).topics(cluster.topics)
                .streamsProperty("commit.interval.ms", 20).build().start();
        server.awaitRunning(Duration.ofSeconds(60));
        url = server.url();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    /** Iterations [from, to) of a run published by {@link TestCluster#publishRun} (same entities and sequences). */
    static void publishIterations(String run, int from, int to) {
        String d = cluster.topics.deltas();
        for (int it = from; it < to; it++) {
            cluster.send(d, run,
                    delta(run, "w1", 2L * it, it, EntityType.PERSON, "1", Operation.UPSERT,
                            person(1, "Ann-" + run, 1000.0 + it)).build(),
                    delta(run, "w1", 2L * it + 1, it, EntityType.STOCK, "0", Operation.UPSERT,
                            stock(0, "ACME", List.of(1.5, 2.0 + it))).build(),
                    commit(run, "w1", it),
                    delta(run, "w2", it, it, EntityType.PERSON, "100", Operation.UPSERT,
                            person(100, "Bob", 0.25 * it)).build(),
                    commit(run, "w2", it));
        }
    }

    private static long consistent(String run) {
        HttpResponse<byte[]> r = TestCluster.call("GET", url + "/runs/" + run);
        if (r.statusCode() != 200) {
            return -2;
        }
        try {
            return JSON.readTree(r.body()).get("consistent_iteration").asLong();
        } catch (Exception e) {
            return -2;
        }
    }

    @Test
    void catchUpFromKThenLiveGetsEveryIterationOnceInOrder() throws Exception {
        String run = "live-" + UUID.randomUUID().toString().substring(0, 6);
        cluster.publishRun(run, 0, false);
        publishIterations(run, 0, 30);
        await().atMost(Duration.ofSeconds(60)).until(() -> consistent(run) == 29);
        // The hub sees an iteration once its Streams transaction committed (the stores show it a little earlier).
        await().atMost(Duration.ofSeconds(10)).until(() -> server.liveHub().markers().containsKey(run)
                && server.liveHub().markers().get(run).iteration() == 29);
        try (Observer fromNow = new Observer(url + "/runs/" + run + "/events")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !fromNow.events.isEmpty());
            assertThat(fromNow.events.get(0).event()).isEqualTo("hello");
            assertThat(fromNow.events.get(0).json().get("iteration").asLong()).isEqualTo(29);

            // The catch-up observer connects while new iterations keep arriving: the hand-over happens under load.
            Thread publisher = new Thread(() -> {
                for (int it = 30; it < 60; it++) {
                    publishIterations(run, it, it + 1);
                    cluster.flush();
                    try {
                        Thread.sleep(15);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            publisher.start();
            try (Observer fromK = new Observer(url + "/runs/" + run + "/events?from=5")) {
                publisher.join();
                List<Long> expected = new ArrayList<>();
                for (long i = 5; i < 60; i++) {
                    expected.add(i);
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> fromK.iterations().size() >= expected.size()
                        && fromNow.iterations().size() >= 30);
                Thread.sleep(300); // nothing more may follow
                assertThat(fromK.iterations()).containsExactlyElementsOf(expected);
                List<Long> live = new ArrayList<>(expected.subList(25, 55));
                assertThat(fromNow.iterations()).containsExactlyElementsOf(live);

                // Replayed and live events are the same bytes; each is whole (3 entity changes per iteration).
                List<String> kData = fromK.events.stream().filter(e -> e.event().equals("iteration"))
                        .map(Sse::data).toList();
                List<String> nowData = fromNow.events.stream().filter(e -> e.event().equals("iteration"))
                        .map(Sse::data).toList();
                assertThat(kData.subList(25, 55)).containsExactlyElementsOf(nowData);
                JsonNode it7 = fromK.events.stream().filter(e -> e.event().equals("iteration")).toList().get(2).json();
                assertThat(it7.get("iteration").asLong()).isEqualTo(7);
                assertThat(it7.get("changes")).hasSize(3);
                assertThat(it7.get("changes").get(0).get("type").asText()).isEqualTo("PERSON");
                assertThat(it7.get("changes").get(0).get("op").asText()).isEqualTo("upsert");
                assertThat(it7.get("changes").get(0).get("value").get("cash").asDouble()).isEqualTo(1007.0);
            }
        }
    }

    @Test
    void hubDropsASubscriberThatDoesNotKeepUp() throws Exception {
        String run = "slow-" + UUID.randomUUID().toString().substring(0, 6);
        cluster.publishRun(run, 1, false);
        LiveHub hub = server.liveHub();
        assertThat(hub.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
        Subscriber slow = hub.subscribe(run, 2).subscriber();
        publishIterations(run, 1, 6);
        cluster.flush();
        await().atMost(Duration.ofSeconds(30)).until(() -> slow.dropReason() != null);
        assertThat(slow.dropReason()).contains("slow observer");
        // What the SSE sender then does: the queued events, then the final "dropped" event, then it stops.
        List<LiveEvent> sent = new ArrayList<>();
        EventsResource.pump(slow, -1, 0, sent::add, () -> false, () -> { });
        assertThat(sent).extracting(LiveEvent::name).containsExactly("iteration", "iteration", "dropped");
        assertThat(sent.get(1).iteration()).isEqualTo(sent.get(0).iteration() + 1);
        assertThat(sent.get(2).json()).contains("slow observer");
    }

    @Test
    void observeCommandPrintsIterationsAndFields() throws Exception {
        String run = "obs-" + UUID.randomUUID().toString().substring(0, 6);
        cluster.publishRun(run, 4, false);
        await().atMost(Duration.ofSeconds(60)).until(() -> consistent(run) == 3);
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new dev.simsnap.service.cli.ObserveCommand());
        cli.setOut(new java.io.PrintWriter(out));
        int code = cli.execute("--run", run, "--from", "2", "--fields", "cash,stock_name", "--max-iterations", "2",
                "--service-url", url);
        assertThat(code).isZero();
        assertThat(out.toString()).contains("iteration 2 (virtual date", "iteration 3 (virtual date",
                "PERSON 1 cash=1002", "PERSON 1 cash=1003", "STOCK 0 stock_name=ACME", "PERSON 100 cash=0.75");
        assertThat(out.toString()).doesNotContain("iteration 1 ");
    }

    /** Iteration {@code it} of a priced run: stocks 0..2 with current_price, agents 1..3 with cash and wealth. */
    static void publishPriced(String run, int it) {
        String d = cluster.topics.deltas();
        List<org.apache.avro.specific.SpecificRecord> records = new ArrayList<>();
        long seq = 6L * it;
        for (int s = 0; s < 3; s++) {
            dev.simsnap.schema.delta.Stock stock = stock(s, "S" + s, List.of());
            stock.setCurrentPrice(10.0 * (s + 1) + Math.sin(it / 3.0 + s) * 3);
            records.add(delta(run, "w1", seq++, it, EntityType.STOCK, Integer.toString(s), Operation.UPSERT, stock)
                    .build());
        }
        for (int a = 1; a <= 3; a++) {
            dev.simsnap.schema.delta.Person p = person(a, "Agent" + a, 1000.0 + 7 * it * a);
            p.setWealth(2000.0 + 11 * it * a);
            records.add(delta(run, "w1", seq++, it, EntityType.PERSON, Integer.toString(a), Operation.UPSERT, p)
                    .build());
        }
        records.add(commit(run, "w1", it));
        cluster.send(d, run, records.toArray(new org.apache.avro.specific.SpecificRecord[0]));
        cluster.flush();
    }

    @Test
    void observerPageInHeadlessChromium() throws Exception {
        java.nio.file.Path chromium = java.nio.file.Path.of("/usr/bin/chromium");
        java.nio.file.Path chromedriver = java.nio.file.Path.of("/usr/bin/chromedriver");
        RequiredTool.require("chromium and chromedriver", java.nio.file.Files.isExecutable(chromium)
                && java.nio.file.Files.isExecutable(chromedriver), "apt-get install chromium chromium-driver (Debian;"
                + " .ci/run installs them), wanted at " + chromium + " and " + chromedriver);
        String run = "page-" + UUID.randomUUID().toString().substring(0, 6);
        cluster.send(cluster.topics.deltas(), run, started(run, "w1"));
        for (int it = 0; it < 5; it++) {
            publishPriced(run, it);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> consistent(run) == 4);

        org.openqa.selenium.chrome.ChromeOptions options = new org.openqa.selenium.chrome.ChromeOptions();
        options.setBinary(chromium.toFile());
        java.nio.file.Path profile = TestCluster.tempDir("chromium-profile-");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1300,900", "--user-data-dir=" + profile);
        org.openqa.selenium.chrome.ChromeDriverService service = new org.openqa.selenium.chrome.ChromeDriverService
                .Builder().usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build();
        org.openqa.selenium.chrome.ChromeDriver driver = new org.openqa.selenium.chrome.ChromeDriver(service, options);
        try {
            driver.get(url + "/?run=" + run);
            org.openqa.selenium.By lines = org.openqa.selenium.By.cssSelector("#chart polyline.price-line");
            org.openqa.selenium.By agent1 = org.openqa.selenium.By.cssSelector("#agents tr[data-agent='1'] td");
            await().atMost(Duration.ofSeconds(30)).until(() -> driver.findElements(lines).size() == 3
                    && driver.findElements(agent1).size() == 3
                    && driver.findElement(org.openqa.selenium.By.id("status")).getText().startsWith("iteration 4 "));
            assertThat(driver.findElements(org.openqa.selenium.By.cssSelector("#runs tr[data-run='" + run + "']")))
                    .hasSize(1);
            String points = driver.findElements(lines).get(0).getAttribute("points");
            String cash = driver.findElements(agent1).get(1).getText();
            assertThat(points.split(" ")).hasSize(5);

            for (int it = 5; it < 10; it++) {
                publishPriced(run, it);
                Thread.sleep(100);
            }
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    driver.findElement(org.openqa.selenium.By.id("status")).getText().startsWith("iteration 9 "));
            assertThat(driver.findElements(lines).get(0).getAttribute("points")).isNotEqualTo(points)
                    .satisfies(p -> assertThat(p.split(" ")).hasSize(10));
            assertThat(driver.findElements(agent1).get(1).getText()).isNotEqualTo(cash).isEqualTo("1,063");
            assertThat(driver.findElements(agent1).get(2).getText()).isEqualTo("2,099");

            driver.findElement(org.openqa.selenium.By.id("snapshot")).click();
            await().atMost(Duration.ofSeconds(30)).until(() -> driver.findElement(
                    org.openqa.selenium.By.id("snapshot-result")).getText().startsWith("iteration 9 written"));
            byte[] png = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(
                    org.openqa.selenium.OutputType.BYTES);
            java.nio.file.Files.write(java.nio.file.Path.of("target", "observer-page.png"), png);
            assertThat(png.length).isGreaterThan(1000);
        } finally {
            driver.quit();
        }
    }

    @Test
    void sealedGenerationIsAnEvent() throws Exception {
        String run = "gen-" + UUID.randomUUID().toString().substring(0, 6);
        cluster.publishRun(run, 1, false);
        await().atMost(Duration.ofSeconds(60)).until(() -> server.liveHub().markers().containsKey(run));
        try (Observer o = new Observer(url + "/runs/" + run + "/events")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !o.events.isEmpty());
            String g = cluster.topics.generations();
            cluster.send(g, run, chunk(run, 0, 0, 0, genotype("Alice", 25)), seal(run, 0, 1, 1));
            cluster.flush();
            await().atMost(Duration.ofSeconds(30)).until(() -> o.events.stream()
                    .anyMatch(e -> e.event().equals("generation")));
            Sse e = o.events.stream().filter(x -> x.event().equals("generation")).findFirst().orElseThrow();
            assertThat(e.json().get("generation").asInt()).isZero();
            assertThat(e.json().get("member_count").asInt()).isEqualTo(1);
        }
    }

    /**
     * Publish (the iteration's last commit record handed to the producer, then flushed) to SSE event received, under
     * a steady load of 50 iterations/s (2 workers, 3 deltas per iteration), Streams commit.interval.ms=20. Prints
     * p50/p99; asserts only that every iteration arrived.
     */
    @Test
    void latencyPublishToSseEvent() throws Exception {
        String run = "lat-" + UUID.randomUUID().toString().substring(0, 6);
        cluster.publishRun(run, 1, false);
        await().atMost(Duration.ofSeconds(60)).until(() -> server.liveHub().markers().containsKey(run));
        int n = 300;
        long[] sent = new long[n + 1];
        try (Observer o = new Observer(url + "/runs/" + run + "/events")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !o.events.isEmpty());
            long start = System.nanoTime();
            for (int it = 1; it <= n; it++) {
                long due = start + (it - 1) * 20_000_000L;
                while (System.nanoTime() < due) {
                    Thread.sleep(1);
                }
                sent[it] = System.nanoTime();
                publishIterations(run, it, it + 1);
                cluster.flush();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> o.iterations().size() >= n);
            List<Long> micros = new ArrayList<>();
            for (Sse e : o.events) {
                if (e.event().equals("iteration")) {
                    int it = (int) e.json().get("iteration").asLong();
                    micros.add((e.receivedNanos() - sent[it]) / 1000);
                }
            }
            assertThat(o.iterations()).hasSize(n);
            java.util.Collections.sort(micros);
            System.out.printf("LATENCY publish->SSE over %d iterations at 50/s: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    n, micros.get(n / 2) / 1000.0, micros.get((int) Math.ceil(n * 0.99) - 1) / 1000.0,
                    micros.get(n - 1) / 1000.0);
        }
    }

    @Test
    void slowSubscriberPolicy() throws Exception {
        Subscriber s = new Subscriber("r", 2);
        assertThat(s.offer(LiveEvent.hello("r", 1, null))).isTrue();
        assertThat(s.offer(LiveEvent.hello("r", 2, null))).isTrue();
        assertThat(s.offer(LiveEvent.hello("r", 3, null))).isFalse();
        assertThat(s.offer(LiveEvent.hello("r", 4, null))).as("nothing after the drop").isFalse();
        assertThat(s.poll(10).iteration()).isEqualTo(1);
    }

    /**
     * {@code curl URL/runs/R/events} sends no {@code Accept: text/event-stream}: the answer is the event stream all
     * the same (no header, a wildcard, another type), not a 200 with an empty body. A plain socket sends exactly
     * the request lines below, so no client library adds an Accept header of its own.
     */
    @Test
    void eventsAreAStreamWhateverTheAcceptHeader() throws Exception {
        String run = "accept-" + UUID.randomUUID().toString().substring(0, 6);
        cluster.publishRun(run, 2, false);
        await().atMost(Duration.ofSeconds(60)).until(() -> server.liveHub().markers().containsKey(run)
                && server.liveHub().markers().get(run).iteration() == 1);
        java.util.Arrays.asList(null, "*/*", "text/html, */*;q=0.8", "text/event-stream").forEach(accept -> {
            RawSse answer = rawEvents("/runs/" + run + "/events", accept);
            assertThat(answer.statusLine()).as("Accept: %s", accept).startsWith("HTTP/1.1 200");
            assertThat(answer.headers()).as("Accept: %s", accept).containsPattern("(?im)^content-type: text/event-stream");
            assertThat(answer.firstEvent()).as("Accept: %s", accept).startsWith("event: hello\n")
                    .contains("\"run\":\"" + run + "\"", "\"iteration\":1");
        });
    }

    /** What {@link #rawEvents} read: the status line, the header block, and the first event (through its blank line). */
    record RawSse(String statusLine, String headers, String firstEvent) {
    }

    /** GET {@code path} over a plain socket (HTTP/1.1, chunked or close-delimited body) until the first event. */
    static RawSse rawEvents(String path, String accept) {
        URI base = URI.create(url);
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(15_000);
            String request = "GET " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort() + "\r\n"
                    + (accept == null ? "" : "Accept: " + accept + "\r\n") + "\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            java.io.DataInputStream in = new java.io.DataInputStream(
                    new java.io.BufferedInputStream(socket.getInputStream()));
            String status = line(in);
            StringBuilder headers = new StringBuilder();
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                headers.append(h).append('\n');
            }
            String lower = headers.toString().toLowerCase(java.util.Locale.ROOT);
            boolean chunked = lower.contains("transfer-encoding: chunked");
            java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?m)^content-length: *(\\d+)")
                    .matcher(lower);
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            boolean sized = length.find();
            if (sized) { // a whole (non-stream) answer, e.g. the empty 200 of a handler that did not stream
                body.write(in.readNBytes(Integer.parseInt(length.group(1))));
            }
            while (!sized && !body.toString(StandardCharsets.UTF_8).contains("\n\n")) {
                if (chunked) {
                    int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
                    if (size == 0) {
                        break;
                    }
                    body.write(in.readNBytes(size));
                    line(in);
                } else {
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    body.write(b);
                }
            }
            String text = body.toString(StandardCharsets.UTF_8);
            int end = text.indexOf("\n\n");
            return new RawSse(status, headers.toString(), end < 0 ? text : text.substring(0, end + 1));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("GET " + path + " (Accept: " + accept + ")", e);
        }
    }

    private static String line(java.io.DataInputStream in) throws java.io.IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    @Test
    void invalidRunIsRefused() {
        assertThat(TestCluster.call("GET", url + "/runs/..bad/events").statusCode()).isEqualTo(400);
        assertThat(TestCluster.call("GET", url + "/runs/x/events?from=-1").statusCode()).isEqualTo(400);
    }
}
