package dev.simsnap.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.service.SnapshotService;
import dev.simsnap.snapshot.read.RunState;
import dev.simsnap.snapshot.write.SnapshotWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Things die mid-run, on a real (restartable) broker with the real registry and service: a snapshot-service process
 * killed with SIGKILL while a simulation publishes and restarted on the same state dir, and the broker restarted
 * while the simulation publishes. Nothing may be lost or applied twice: the snapshots equal the pure
 * {@code TradingArenaModel} (appends and patches applied twice would change prices/cash) and are byte-identical to a
 * service that never died.
 */
@RealKafka(restartable = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServiceCrashIT {

    private static final String NAME = "ServiceCrashIT";
    private static final String ID = UUID.randomUUID().toString().substring(0, 8);
    private static final ObjectMapperHolder JSON = new ObjectMapperHolder();

    @TempDir
    static Path tmp;
    private static KafkaBroker broker;
    private static String bootstrap;
    private static SchemaRegistryServer registry;
    private static final List<Process> children = new ArrayList<>();

    @BeforeAll
    static void start(KafkaBroker b) {
        broker = b;
        bootstrap = b.bootstrapServers();
        KafkaIo.createSimsnapTopics(b);
        registry = SchemaRegistryServer.builder(bootstrap).port(0).topic("_simsnap_schemas_crash_" + ID).build().start();
    }

    @AfterAll
    static void stop() {
        children.forEach(Process::destroyForcibly);
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    @Order(1)
    void serviceProcessKilledHardMidStreamLosesAndDuplicatesNothing() throws Exception {
        int agents = 16;
        int stocks = 4;
        long iterations = 90;
        long seed = 11;
        String run = "crash-kill-" + ID;
        String appId = "simsnap-crash-" + ID;
        Path state = tmp.resolve("child-state");
        Path out = tmp.resolve("child-out");
        int port = Chaos.freePort();
        String url = "http://127.0.0.1:" + port;
        long t0 = System.nanoTime();

        Process first = child(appId, state, out, port, "child-1");
        awaitHealthy(url, first);
        Chaos.log(NAME, "child service 1 up", t0);

        StringWriter err = new StringWriter();
        CompletableFuture<Integer> sim = CompletableFuture.supplyAsync(() ->
                Chaos.simulate(bootstrap, registry.url(), run, agents, stocks, iterations, 3, seed, err));
        // Kill while the service is applying: once it has applied something, long before the run is complete.
        long killedAt = -1;
        boolean endedAtKill = true;
        long deadline = System.nanoTime() + Chaos.WAIT.toNanos();
        while (System.nanoTime() < deadline && killedAt < 0) {
            long ci = consistentIteration(url, run);
            if (ci >= 1) {
                killedAt = ci;
                endedAtKill = ended(url, run);
            } else {
                Chaos.sleep(20);
            }
        }
        assertTrue(killedAt >= 0, "the child never applied 2 iterations; log in " + tmp);
        first.destroyForcibly(); // SIGKILL: no close(), no commit, no clean RocksDB shutdown
        // Read right after the kill: the simulation was still publishing, so the run's history was not all written,
        // let alone applied, when the service died.
        boolean simStillRunning = !sim.isDone();
        assertTrue(first.waitFor(10, TimeUnit.SECONDS));
        Chaos.log(NAME, "child 1 SIGKILLed at consistent iteration " + killedAt + " (simulate still running: "
                + simStillRunning + ")", t0);
        assertTrue(killedAt < iterations && !endedAtKill, "killed mid-stream: the run was at consistent iteration "
                + killedAt + " of " + iterations + (endedAtKill ? ", ended" : "") + " when the service was killed");
        assertTrue(simStillRunning, "killed mid-stream: simulate must still be publishing when the service is killed"
                + " (it finished first; the kill proved nothing)");

        Process second = child(appId, state, out, port, "child-2");
        assertEquals(0, sim.get(60, TimeUnit.SECONDS), "simulate failed: " + err);
        Chaos.log(NAME, "simulate done", t0);
        awaitHealthy(url, second);
        long d2 = System.nanoTime() + Chaos.WAIT.toNanos();
        while (System.nanoTime() < d2 && !(consistentIteration(url, run) == iterations && ended(url, run))) {
            Chaos.sleep(100);
        }
        assertEquals(iterations, consistentIteration(url, run), "restarted child caught up");
        HttpResponse<String> created = Chaos.post(url + "/runs/" + run + "/snapshots");
        assertEquals(201, created.statusCode(), created.body());
        Path folder = Path.of(JSON.read(created.body()).get("path").asText());
        Chaos.log(NAME, "restarted child (same state dir) caught up and wrote the snapshot", t0);

        Chaos.assertEqualsModel(Chaos.expectedArena(agents, stocks, seed, iterations), folder, run);

        // A service that never died (own application id and state dir) writes the same bytes.
        try (SnapshotService fresh = Chaos.startService(bootstrap, registry.url(), "simsnap-crash-fresh-" + ID,
                tmp.resolve("fresh-state"))) {
            RunState s = Chaos.awaitRun(fresh, run, iterations, true);
            Path folder2 = new SnapshotWriter(tmp.resolve("fresh-out")).write(s);
            Map<String, byte[]> a = Chaos.contents(folder);
            Map<String, byte[]> b = Chaos.contents(folder2);
            assertEquals(b.keySet(), a.keySet());
            for (String f : a.keySet()) {
                assertArrayEquals(b.get(f), a.get(f), f + " differs between the killed-and-restarted service and a fresh one");
            }
        }
        second.destroy();
        second.waitFor(15, TimeUnit.SECONDS);
        Chaos.log(NAME, "byte-identical to a service that never died", t0);
    }

    @Test
    @Order(2)
    void brokerRestartedMidRunProducersAndServiceRecover() throws Exception {
        int agents = 12;
        int stocks = 3;
        long iterations = 80;
        long seed = 5;
        String run = "crash-broker-" + ID;
        long t0 = System.nanoTime();
        try (SnapshotService service = Chaos.startService(bootstrap, registry.url(), "simsnap-brk-" + ID,
                tmp.resolve("brk-state"))) {
            StringWriter err = new StringWriter();
            CompletableFuture<Integer> sim = CompletableFuture.supplyAsync(() ->
                    Chaos.simulate(bootstrap, registry.url(), run, agents, stocks, iterations, 3, seed, err));
            // Restart as soon as the producers are visibly publishing (committed records of the run on the topic).
            awaitCommittedRecords(run, 20);
            boolean midRun = !sim.isDone();
            long tr = System.nanoTime();
            broker.restart();
            Chaos.log(NAME, "broker restarted (simulate still running before: " + midRun + ")", tr);
            assertEquals(0, sim.get(90, TimeUnit.SECONDS), "simulate did not survive the broker restart: " + err);
            Chaos.log(NAME, "simulate finished after the broker restart", t0);
            RunState state = Chaos.awaitRun(service, run, iterations, true);
            Path folder = new SnapshotWriter(tmp.resolve("brk-out")).write(state);
            Chaos.assertEqualsModel(Chaos.expectedArena(agents, stocks, seed, iterations), folder, run);
            assertTrue(midRun, "the restart must happen while simulate runs (it finished too early)");
        }
        Chaos.log(NAME, "service recovered; snapshot equals TradingArenaModel", t0);
    }

    // ---- helpers ----

    /** Blocks until at least {@code n} committed records keyed {@code run} are on the deltas topic. */
    private static void awaitCommittedRecords(String run, int n) {
        java.util.Properties props = new java.util.Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class);
        props.put("value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class);
        props.put("isolation.level", "read_committed");
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(props)) {
            var partitions = consumer.partitionsFor(dev.simsnap.schema.contract.Contracts.DELTAS_TOPIC).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            int seen = 0;
            long deadline = System.nanoTime() + Chaos.WAIT.toNanos();
            while (seen < n && System.nanoTime() < deadline) {
                for (var r : consumer.poll(java.time.Duration.ofMillis(20))) {
                    if (run.equals(r.key())) {
                        seen++;
                    }
                }
            }
            assertTrue(seen >= n, "only " + seen + " records of " + run + " published");
        }
    }

    private static Process child(String appId, Path state, Path out, int port, String logName) throws Exception {
        Process p = Chaos.serviceProcess(bootstrap, registry.url(), appId, state, out, port,
                tmp.resolve(logName + ".log"));
        children.add(p);
        return p;
    }

    private static void awaitHealthy(String url, Process p) {
        long deadline = System.nanoTime() + Chaos.WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            assertTrue(p.isAlive(), "child service exited; log in " + tmp);
            HttpResponse<String> r = Chaos.get(url + "/runs");
            if (r != null && r.statusCode() == 200) {
                return;
            }
            Chaos.sleep(200);
        }
        throw new AssertionError("child service at " + url + " not answering /runs; log in " + tmp);
    }

    private static long consistentIteration(String url, String run) {
        JsonNode n = runJson(url, run);
        return n == null || !n.hasNonNull("consistent_iteration") ? -1 : n.get("consistent_iteration").asLong();
    }

    private static boolean ended(String url, String run) {
        JsonNode n = runJson(url, run);
        return n != null && n.toString().contains("COMPLETED");
    }

    private static JsonNode runJson(String url, String run) {
        HttpResponse<String> r = Chaos.get(url + "/runs/" + run);
        return r == null || r.statusCode() != 200 ? null : JSON.read(r.body());
    }

    private static final class ObjectMapperHolder {
        private final com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();

        JsonNode read(String s) {
            try {
                return m.readTree(s);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + s, e);
            }
        }
    }
}
