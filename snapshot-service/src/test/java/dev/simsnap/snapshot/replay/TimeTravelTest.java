package dev.simsnap.snapshot.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.producer.Iteration;
import dev.simsnap.producer.RunSpec;
import dev.simsnap.producer.SimsnapConfig;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.schema.run.RunStatus;
import dev.simsnap.service.cli.ReplayCommand;
import dev.simsnap.service.http.SnapshotServer;
import dev.simsnap.simulate.EntityChange;
import dev.simsnap.simulate.TradingArenaModel;
import dev.simsnap.snapshot.write.SnapshotWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Time travel against the real broker and registry: a trading-arena run published by two {@link SimsnapWorker}s;
 * the live snapshot taken at iteration N equals, byte for byte, the one rebuilt later from history (REST, CLI,
 * with and without checkpoints); out-of-range iterations fail cleanly with nothing written.
 */
@RealKafka
class TimeTravelTest {

    private static final int N = 20;
    /** Run length; {@code -Dsimsnap.timetravel.iterations=1000} for a longer measurement. */
    private static final int M = Integer.getInteger("simsnap.timetravel.iterations", 240);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path temp;

    @Test
    void liveSnapshotAtNEqualsReplayedSnapshotAtN(KafkaBroker broker) throws Exception {
        String run = "tt-" + UUID.randomUUID().toString().substring(0, 8);
        try (SchemaRegistryServer registry = SchemaRegistryServer.builder(broker.bootstrapServers()).port(0).build()
                .start()) {
            Path root = temp.resolve("snapshots");
            try (SnapshotServer server = SnapshotServer.builder().bootstrapServers(broker.bootstrapServers())
                    .schemaRegistryUrl(registry.url()).stateDir(temp.resolve("state")).outputRoot(root)
                    .http("127.0.0.1", 0).applicationId("tt-" + run).streamsProperty("commit.interval.ms", 50)
                    .checkpoints(50, Duration.ofSeconds(1)).build().start()) {
                server.awaitRunning(Duration.ofSeconds(60));
                String url = server.url();
                Properties config = new Properties();
                config.setProperty(SimsnapConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
                config.setProperty(SimsnapConfig.SCHEMA_REGISTRY_URL, registry.url());
                TradingArenaModel model = new TradingArenaModel(12, 4, 7L);
                SortedMap<String, byte[]> liveFiles;
                try (SimsnapWorker w0 = worker(config, run, "w0"); SimsnapWorker w1 = worker(config, run, "w1")) {
                    w0.startRun(new RunSpec("trading-arena", List.of("w0", "w1"), Map.of("agents", "12"), 7L));
                    w1.joinRun(Duration.ofSeconds(60));
                    publish(model, N, w0, w1);
                    awaitConsistent(url, run, N);
                    // The live snapshot at N, taken while the run is at N.
                    HttpResponse<byte[]> live = call("POST", url + "/runs/" + run + "/snapshots");
                    assertThat(live.statusCode()).isEqualTo(201);
                    liveFiles = read(root.resolve(run));
                    assertThat(liveFiles).containsKey("save/persona.json");

                    publish(model, M, w0, w1);
                    w0.endRun(RunStatus.COMPLETED);
                }
                awaitConsistent(url, run, M);
                assertThat(call("POST", url + "/runs/" + run + "/snapshots").statusCode()).isEqualTo(201);
                SortedMap<String, byte[]> liveAtM = read(root.resolve(run));

                RunReplayer.Settings settings = RunReplayer.Settings.of(broker.bootstrapServers(), registry.url())
                        .checkpointEvery(50);
                // 1. Rebuilt from history without checkpoints: same bytes as live at N, on every replay.
                RunReplayer plain = new RunReplayer(settings.withoutCheckpoints());
                assertSameFiles(SnapshotWriter.render(plain.replay(run, N)), liveFiles);
                assertSameFiles(SnapshotWriter.render(plain.replay(run, N)), liveFiles);
                assertSameFiles(SnapshotWriter.render(plain.replay(run, M)), liveAtM);

                // 2. REST as-of snapshot: <root>/<run>@<N>/, same bytes.
                HttpResponse<byte[]> asOf = call("POST", url + "/runs/" + run + "/snapshots?iteration=" + N);
                assertThat(asOf.statusCode()).as(new String(asOf.body(), StandardCharsets.UTF_8)).isEqualTo(201);
                assertThat(json(asOf).get("path").asText()).isEqualTo(root.resolve(run + "@" + N).toString());
                assertSameFiles(read(root.resolve(run + "@" + N)), liveFiles);

                // 3. Checkpoints: the service writes one every 50 consistent iterations (background, every 1 s here);
                // a replay as of N starts from the nearest one <= N.
                RunReplayer withCheckpoints = new RunReplayer(settings);
                long target = M - 10;
                long expectedCheckpoint = target / 50 * 50;
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                        Long.valueOf(expectedCheckpoint).equals(
                                withCheckpoints.replay(run, target, null).checkpointIteration()));
                RunReplayer.Result fromCheckpoint = withCheckpoints.replay(run, target, null);
                assertThat(fromCheckpoint.checkpointIteration()).isEqualTo(expectedCheckpoint);
                assertThat(fromCheckpoint.checkpointsWritten()).isZero();
                assertThat(fromCheckpoint.fromOffset()).isGreaterThan(0);
                RunReplayer.Result fromScratch = plain.replay(run, target, null);
                assertSameFiles(SnapshotWriter.render(fromCheckpoint.state()),
                        SnapshotWriter.render(fromScratch.state()));
                assertSameFiles(SnapshotWriter.render(withCheckpoints.replay(run, N)), liveFiles);

                // Timing (measured, printed): rebuild of iteration M-10, best of 3, with vs without checkpoints.
                long without = Long.MAX_VALUE;
                long with = Long.MAX_VALUE;
                long recordsWithout = 0;
                long recordsWith = 0;
                long lookupNanos = 0;
                for (int i = 0; i < 3; i++) {
                    long t0 = System.nanoTime();
                    recordsWithout = plain.replay(run, target, null).records();
                    without = Math.min(without, System.nanoTime() - t0);
                    t0 = System.nanoTime();
                    RunReplayer.Result r = withCheckpoints.replay(run, target, null);
                    recordsWith = r.records();
                    lookupNanos = r.checkpointLookupNanos();
                    with = Math.min(with, System.nanoTime() - t0);
                }
                System.out.printf("TIME-TRAVEL: rebuild of iteration %d of a %d-iteration run: without checkpoints"
                                + " %.1f ms (%d delta records read), with checkpoints every 50: %.1f ms (%d records"
                                + " read after checkpoint %d; checkpoint lookup %.1f ms of it)%n", target, M, without / 1e6,
                        recordsWithout, with / 1e6, recordsWith, expectedCheckpoint, lookupNanos / 1e6);

                // 4. Out of range: 409 / one-line CLI error, nothing written.
                HttpResponse<byte[]> beyond = call("POST", url + "/runs/" + run + "/snapshots?iteration=" + (M + 1));
                assertThat(beyond.statusCode()).isEqualTo(409);
                assertThat(json(beyond).get("error").asText()).contains("consistent only up to iteration " + M);
                assertThat(root.resolve(run + "@" + (M + 1))).doesNotExist();
                assertThat(call("POST", url + "/runs/nope-" + run + "/snapshots?iteration=1").statusCode())
                        .isEqualTo(404);
                assertThat(call("POST", url + "/runs/" + run + "/snapshots?iteration=-1").statusCode())
                        .isEqualTo(400);
                assertThatThrownBy(() -> plain.replay(run, M + 5)).isInstanceOf(ReplayException.class)
                        .hasMessageContaining("not available");

                Path cliOut = temp.resolve("cli");
                String[] base = {"--bootstrap-servers", broker.bootstrapServers(), "--schema-registry-url",
                        registry.url(), "--run", run, "--out", cliOut.toString()};
                StringWriter err = new StringWriter();
                int code = cli(err, base, "--iteration", String.valueOf(M + 5));
                assertThat(code).isEqualTo(1);
                assertThat(err.toString().trim()).startsWith("simsnap replay: run '" + run + "'").doesNotContain("\n");
                assertThat(cliOut.resolve(run + "@" + (M + 5))).doesNotExist();
                assertThat(cli(new StringWriter(), base, "--iteration", String.valueOf(N))).isZero();
                assertSameFiles(read(cliOut.resolve(run + "@" + N)), liveFiles);

                // 5. Fork: the new run starts from the source's state at N and records its origin.
                String forked = run + "-fork";
                CommandLine fork = new CommandLine(new dev.simsnap.service.cli.ForkCommand());
                StringWriter forkErr = new StringWriter();
                fork.setErr(new PrintWriter(forkErr, true));
                fork.setOut(new PrintWriter(new StringWriter(), true));
                assertThat(fork.execute("--bootstrap-servers", broker.bootstrapServers(), "--schema-registry-url",
                        registry.url(), "--run", run, "--iteration", String.valueOf(N), "--new-run", forked))
                        .as(forkErr.toString()).isZero();
                awaitConsistent(url, forked, N);
                var origin = plain.replay(forked, N, null).info().forkedFrom();
                assertThat(origin.runId()).isEqualTo(run);
                assertThat(origin.iteration()).isEqualTo(N);
                assertThat(new String(call("GET", url + "/runs/" + forked).body(), java.nio.charset.StandardCharsets.UTF_8))
                        .contains("\"forked_from\":{\"run\":\"" + run + "\",\"iteration\":" + N + "}");
                assertThat(call("POST", url + "/runs/" + forked + "/snapshots").statusCode()).isEqualTo(201);
                assertSameFiles(read(root.resolve(forked)), liveFiles);
                assertThat(fork.execute("--bootstrap-servers", broker.bootstrapServers(), "--schema-registry-url",
                        registry.url(), "--run", run, "--iteration", String.valueOf(N), "--new-run", forked))
                        .isEqualTo(1); // already exists
            }
        }
    }

    private static int cli(StringWriter err, String[] base, String... more) {
        CommandLine cmd = new CommandLine(new ReplayCommand());
        cmd.setErr(new PrintWriter(err, true));
        cmd.setOut(new PrintWriter(new StringWriter(), true));
        return cmd.execute(Stream.concat(Stream.of(base), Stream.of(more)).toArray(String[]::new));
    }

    private static SimsnapWorker worker(Properties config, String run, String id) {
        return SimsnapWorker.builder().config(config).run(run).worker(id).build();
    }

    private static void publish(TradingArenaModel model, long upTo, SimsnapWorker w0, SimsnapWorker w1) {
        SimsnapWorker[] workers = {w0, w1};
        while (model.iteration() < upTo) {
            List<EntityChange> changes = model.advance();
            long i = model.iteration();
            for (int k = 0; k < 2; k++) {
                try (Iteration it = workers[k].beginIteration(i, TradingArenaModel.virtualDate(i))) {
                    for (EntityChange change : changes) {
                        if (TradingArenaModel.ownerOf(change, 2) == k) {
                            change.applyTo(it);
                        }
                    }
                    it.commit();
                }
            }
        }
    }

    private static void awaitConsistent(String url, String run, long iteration) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            HttpResponse<byte[]> r = call("GET", url + "/runs/" + run);
            return r.statusCode() == 200 && json(r).get("consistent_iteration").asLong() == iteration;
        });
    }

    private static void assertSameFiles(SortedMap<String, byte[]> actual, SortedMap<String, byte[]> expected) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((path, bytes) -> assertThat(actual.get(path)).as(path).isEqualTo(bytes));
    }

    private static SortedMap<String, byte[]> read(Path folder) throws IOException {
        SortedMap<String, byte[]> files = new TreeMap<>();
        if (!Files.isDirectory(folder)) {
            return files;
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return files;
    }

    private static HttpResponse<byte[]> call(String method, String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(HttpResponse<byte[]> r) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
