package dev.simsnap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.connection.ClientConfig;
import dev.simsnap.producer.cli.SimulateCommand;
import dev.simsnap.service.SnapshotService;
import dev.simsnap.service.SnapshotServiceConfig;
import dev.simsnap.simulate.TradingArenaModel;
import dev.simsnap.snapshot.read.RunState;
import dev.simsnap.snapshot.run.RunInfo;
import dev.simsnap.snapshot.topology.SnapshotTopics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;

/**
 * Shared helpers of the failure-mode ITs (and of the end-to-end IT's model comparison): services, waits, the
 * trading-arena model as expected files, HTTP.
 */
final class Chaos {

    static final Duration WAIT = Duration.ofSeconds(45);
    /** The seed's persona.json keys, in the seed's order. */
    static final List<String> PERSONA_KEYS = List.of("person_id", "name", "occupation", "principle",
            "investment_duration", "daily_income_from_job", "cash", "minimum_living_expense", "reflect_frequency");
    /** The seed's stocks.json keys, in the seed's order. */
    static final List<String> STOCK_KEYS = List.of("stock_id", "stock_name", "DPS", "past_stock_last_prices",
            "quantity");
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private Chaos() {
    }

    static SnapshotService startService(String bootstrap, String registryUrl, String applicationId, Path stateDir)
            throws Exception {
        SnapshotServiceConfig config = new SnapshotServiceConfig(ClientConfig.of(bootstrap, registryUrl), stateDir, applicationId,
                null, SnapshotTopics.defaults(), 3, (short) 1, 1,
                Map.of(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100));
        SnapshotService s = new SnapshotService(config);
        try {
            s.start();
            s.awaitRunning(Duration.ofSeconds(45));
        } catch (Exception | AssertionError e) {
            s.close();
            throw e;
        }
        return s;
    }

    /**
     * Starts a snapshot service as a JVM of its own ({@code SnapshotServer}'s main, configured by environment, 3
     * partitions, HTTP on {@code 127.0.0.1:port}), so a test can kill it for real; output to {@code log}.
     */
    static Process serviceProcess(String bootstrap, String registryUrl, String applicationId, Path stateDir,
                                  Path outputRoot, int port, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "dev.simsnap.service.http.SnapshotServer");
        Map<String, String> env = pb.environment();
        env.put("SIMSNAP_BOOTSTRAP_SERVERS", bootstrap);
        env.put("SIMSNAP_SCHEMA_REGISTRY_URL", registryUrl);
        env.put("SIMSNAP_HTTP_HOST", "127.0.0.1");
        env.put("SIMSNAP_HTTP_PORT", "" + port);
        env.put("SIMSNAP_STATE_DIR", stateDir.toString());
        env.put("SIMSNAP_OUTPUT_ROOT", outputRoot.toString());
        env.put("SIMSNAP_APPLICATION_ID", applicationId);
        env.put("SIMSNAP_PARTITIONS", "3");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }

    /** Runs {@code simsnap simulate trading-arena} in-process; returns the exit code, stderr in {@code err}. */
    static int simulate(String bootstrap, String registryUrl, String run, int agents, int stocks, long iterations,
                        int workers, long seed, StringWriter err) {
        CommandLine cli = new CommandLine(new SimulateCommand());
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return cli.execute("trading-arena", "--run", run, "--agents", "" + agents, "--stocks", "" + stocks,
                "--iterations", "" + iterations, "--workers", "" + workers, "--seed", "" + seed,
                "--bootstrap-servers", bootstrap, "--schema-registry-url", registryUrl);
    }

    static RunState awaitRun(SnapshotService s, String run, long iteration, boolean ended) {
        return awaitState(s, run, "consistent iteration " + iteration + (ended ? ", ended" : ""),
                info -> info.consistentIteration() == iteration && (!ended || info.ended()));
    }

    static RunState awaitState(SnapshotService s, String run, String what, Predicate<RunInfo> done) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Optional<RunInfo> last = Optional.empty();
        RuntimeException lastError = null;
        while (System.nanoTime() < deadline) {
            KafkaStreams.State st = s.streams().state();
            if (st == KafkaStreams.State.ERROR || st == KafkaStreams.State.NOT_RUNNING
                    || st == KafkaStreams.State.PENDING_SHUTDOWN) {
                fail("snapshot service stopped (" + st + ") while waiting for run " + run + ": " + what);
            }
            try {
                last = s.reader().runInfo(run);
                if (last.isPresent() && done.test(last.get())) {
                    return s.reader().runState(run).orElseThrow();
                }
                lastError = null;
            } catch (RuntimeException e) { // not queryable while rebalancing
                lastError = e;
            }
            sleep(50);
        }
        throw new AssertionError("run " + run + " not at " + what + " within " + WAIT + "; last " + last, lastError);
    }

    /** The files a snapshot of a trading-arena run must hold, computed by the pure model. */
    static Map<String, JsonNode> expectedArena(int agents, int stocks, long seed, long iterations) {
        TradingArenaModel model = TradingArenaModel.at(agents, stocks, seed, iterations);
        Map<String, JsonNode> expected = new TreeMap<>();
        expected.put("save/information.json", JsonTrees.of(model.information()));
        List<JsonNode> persons = new ArrayList<>();
        model.persons().forEach((id, p) -> {
            JsonNode full = JsonTrees.of(p);
            persons.add(JsonTrees.project(full, PERSONA_KEYS));
            expected.put("save/classes/PERSON_" + id + ".json", full);
        });
        List<JsonNode> rows = new ArrayList<>();
        model.stocks().forEach((id, st) -> {
            JsonNode full = JsonTrees.of(st);
            rows.add(JsonTrees.project(full, STOCK_KEYS));
            expected.put("save/classes/STOCK_" + id + ".json", full);
        });
        expected.put("save/persona.json", JsonTrees.array(persons));
        expected.put("save/stocks.json", JsonTrees.array(rows));
        expected.put("save/classes/MARKET.json", JsonTrees.of(model.market()));
        expected.put("save/classes/Market_index.json", JsonTrees.of(model.marketIndex()));
        return expected;
    }

    static void assertEqualsModel(Map<String, JsonNode> expected, Path folder, String run) throws Exception {
        assertEquals(expected.keySet(), JsonTrees.files(folder), run + ": snapshot files");
        for (Map.Entry<String, JsonNode> e : expected.entrySet()) {
            JsonTrees.assertSame(e.getValue(), JsonTrees.read(folder.resolve(e.getKey())), run + "/" + e.getKey());
        }
    }

    static Map<String, byte[]> contents(Path folder) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        for (String f : JsonTrees.files(folder)) {
            out.put(f, Files.readAllBytes(folder.resolve(f)));
        }
        return out;
    }

    static HttpResponse<String> get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build());
    }

    static HttpResponse<String> post(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            return null; // not listening (yet / any more)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static void log(String cls, String what, long startNanos) {
        System.out.printf("[%s] %-70s %6d ms%n", cls, what, (System.nanoTime() - startNanos) / 1_000_000);
    }
}
