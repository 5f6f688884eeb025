package dev.simsnap.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.devstack.EmbeddedKafkaBroker;
import dev.simsnap.gateway.GatewayServer;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.service.http.SnapshotServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Restart time after {@code kill -9}: a child JVM runs the one-process stack ({@code simsnap up}'s parts: embedded
 * broker, registry, snapshot service, gateway) on one data dir; the parent writes a run through the gateway, kills
 * the child with SIGKILL, starts it again on the same data dir and ports, and measures until the service is RUNNING
 * and until the run reads back at its last step — {@code --kills} times. The child prints how long each part took.
 *
 * <pre>java -cp "bench/target/simsnap-bench.jar:bench/target/lib/*" dev.simsnap.bench.RestartBench [--steps=N] [--kills=N]</pre>
 * The child's output goes to {@code child.log} in the data dir (printed at start);
 * {@code -Drestart.defaultSession=true} (passed on to the child) runs the broker with Kafka's default session.
 */
public final class RestartBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private static final String MODEL = """
            {"kind": "restart-bench", "clock": ["day"],
             "collections": [{"name": "cells", "shape": "keyed", "key": ["x"], "schemas": [{"type": "record",
               "name": "Cell", "fields": [{"name": "x", "type": "long"}, {"name": "v", "type": "long"}]}]}],
             "layout": [{"path": "cells.json", "render": "json", "from": "cells"}]}""";

    private RestartBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]));
            return;
        }
        int steps = 300;
        int kills = 3;
        for (String a : args) {
            if (a.startsWith("--steps=")) {
                steps = Integer.parseInt(a.substring(8));
            } else if (a.startsWith("--kills=")) {
                kills = Integer.parseInt(a.substring(8));
            } else {
                throw new IllegalArgumentException("unknown argument " + a + " (--steps=N --kills=N)");
            }
        }
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "simsnap-restart-");
        int[] ports = {freePort(), freePort(), freePort(), freePort()};
        System.out.printf("restart bench: %d steps, %d kills, data dir %s%n", steps, kills, dir);
        Child child = Child.start(dir, ports);
        String run = "restart";
        post(child.gateway + "/runs/" + run + "/start", "{\"model\": " + MODEL + ", \"expected_workers\": [\"w0\"]}");
        for (int s = 0; s < steps; s++) {
            StringBuilder changes = new StringBuilder();
            for (int x = 0; x < 10; x++) {
                changes.append(x == 0 ? "" : ",").append("{\"collection\": \"cells\", \"op\": \"upsert\", \"item\":"
                        + " {\"x\": ").append(x).append(", \"v\": ").append(s).append("}}");
            }
            post(child.gateway + "/runs/" + run + "/workers/w0/steps", "{\"clock\": {\"day\": " + s
                    + "}, \"changes\": [" + changes + "]}");
        }
        awaitStep(child.service, run, steps - 1, Duration.ofMinutes(5));
        List<Long> ready = new ArrayList<>();
        List<Long> readable = new ArrayList<>();
        for (int k = 1; k <= kills; k++) {
            child.process.destroyForcibly(); // SIGKILL: no shutdown hook, no clean broker shutdown
            child.process.waitFor(30, TimeUnit.SECONDS);
            long t0 = System.nanoTime();
            child = Child.start(dir, ports);
            long up = (System.nanoTime() - t0) / 1_000_000;
            awaitStep(child.service, run, steps - 1, Duration.ofMinutes(5));
            long back = (System.nanoTime() - t0) / 1_000_000;
            ready.add(up);
            readable.add(back);
            System.out.printf("kill %d: service RUNNING after %,d ms, run readable at step %d after %,d ms (%s)%n", k,
                    up, steps - 1, back, child.phases);
        }
        child.process.destroyForcibly();
        System.out.printf("restart after kill -9: RUNNING median %,d ms, readable median %,d ms (of %d)%n",
                median(ready), median(readable), kills);
    }

    /** The child JVM: the stack on {@code dir}, then "READY ..." on stdout; runs until killed. */
    private static void child(Path dir, int kafka, int registryPort, int servicePort, int gatewayPort)
            throws Exception {
        long t0 = System.nanoTime();
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder().dataDir(dir.resolve("kafka")).port(kafka);
        if (!Boolean.getBoolean("restart.defaultSession")) {
            // as `simsnap up` (EmbeddedStack.FAST_RESTART); -Drestart.defaultSession=true measures Kafka's default
            builder.brokerProperty("broker.heartbeat.interval.ms", "500").brokerProperty("broker.session.timeout.ms",
                    "3000");
        }
        EmbeddedKafkaBroker broker = builder.start();
        long tBroker = System.nanoTime();
        SchemaRegistryServer registry = SchemaRegistryServer.builder(broker.bootstrapServers()).host("127.0.0.1")
                .port(registryPort).build().start();
        long tRegistry = System.nanoTime();
        SnapshotServer service = SnapshotServer.builder().bootstrapServers(broker.bootstrapServers())
                .schemaRegistryUrl(registry.url()).stateDir(dir.resolve("streams")).outputRoot(dir.resolve("out"))
                .http("127.0.0.1", servicePort).build().start();
        service.awaitRunning(Duration.ofMinutes(5));
        long tService = System.nanoTime();
        GatewayServer gateway = GatewayServer.builder().bootstrapServers(broker.bootstrapServers())
                .schemaRegistryUrl(registry.url()).host("127.0.0.1").port(gatewayPort).build().start();
        long tGateway = System.nanoTime();
        System.out.printf("READY %s %s broker=%dms registry=%dms service=%dms gateway=%dms%n", service.url(),
                gateway.url(), (tBroker - t0) / 1_000_000, (tRegistry - tBroker) / 1_000_000,
                (tService - tRegistry) / 1_000_000, (tGateway - tService) / 1_000_000);
        System.out.flush();
        Thread.currentThread().join();
    }

    private record Child(Process process, String service, String gateway, String phases) {
        static Child start(Path dir, int[] ports) throws Exception {
            String javaBin = ProcessHandle.current().info().command().orElse("java");
            Process p = new ProcessBuilder(javaBin, "-Drestart.defaultSession="
                    + Boolean.getBoolean("restart.defaultSession"), "-cp", System.getProperty("java.class.path"),
                    RestartBench.class.getName(), "child", dir.toString(), "" + ports[0], "" + ports[1],
                    "" + ports[2], "" + ports[3]).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> ready = new CompletableFuture<>();
            // Drains the child's output (it must never block on a full pipe) into child.log, for analysis.
            Thread drain = new Thread(() -> {
                try (var log = Files.newBufferedWriter(dir.resolve("child.log"), StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
                    for (String l; (l = out.readLine()) != null; ) {
                        log.write(l);
                        log.newLine();
                        if (l.startsWith("READY ")) {
                            log.flush();
                            ready.complete(l);
                        }
                    }
                } catch (IOException e) {
                    // the child is gone
                }
                ready.complete(null);
            }, "restart-bench-child-output");
            drain.setDaemon(true);
            drain.start();
            String line = ready.get(5, TimeUnit.MINUTES);
            if (line == null) {
                throw new IllegalStateException("the child stack exited before it was ready");
            }
            String[] parts = line.split(" ");
            return new Child(p, parts[1], parts[2], String.join(" ", java.util.List.of(parts).subList(3,
                    parts.length)));
        }
    }

    private static void awaitStep(String service, String run, long step, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(service + "/runs/" + run))
                        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && JSON.readTree(r.body()).path("consistent_iteration").asLong(-1) >= step) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("run " + run + " not at step " + step + " within " + timeout);
    }

    private static JsonNode post(String url, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
