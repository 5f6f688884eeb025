package dev.simsnap.it.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.simsnap.devstack.KafkaCluster;
import dev.simsnap.gateway.GatewayServer;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.service.http.SnapshotServer;
import dev.simsnap.topic.SimsnapTopics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Utils;

/**
 * The fault suite's stack on a {@link KafkaCluster} of broker processes: the pipeline topics by their specs with 3
 * partitions (replicated by the cluster-size rule), the embedded registry and the gateway in this JVM; snapshot
 * services with the suite's settings, in this JVM or as processes ({@link ServiceMain}); and what every scenario does
 * on it: start a fault-ledger run, drive it, wait out a leader change, check the outcome.
 */
final class ClusterStack implements AutoCloseable {

    static final int PARTITIONS = 3;

    final KafkaCluster cluster;
    final SchemaRegistryServer registry;
    final GatewayServer gateway;
    private final List<Process> processes = new ArrayList<>();

    private ClusterStack(KafkaCluster cluster, SchemaRegistryServer registry, GatewayServer gateway) {
        this.cluster = cluster;
        this.registry = registry;
        this.gateway = gateway;
    }

    /** Topics, registry and gateway on a started cluster. */
    static ClusterStack on(KafkaCluster cluster) {
        cluster.ensureTopics(PARTITIONS, SimsnapTopics.pipeline());
        SchemaRegistryServer registry = SchemaRegistryServer.builder(cluster.bootstrapServers()).host("127.0.0.1")
                .port(0).build().start();
        GatewayServer gateway = GatewayServer.builder().bootstrapServers(cluster.bootstrapServers())
                .schemaRegistryUrl(registry.url()).host("127.0.0.1").port(0).build().start();
        return new ClusterStack(cluster, registry, gateway);
    }

    /**
     * A snapshot service with the suite's settings: standby replicas 1, commits every 100 ms, and a 6 s session
     * timeout (Kafka's default 45 s would keep a killed instance's tasks unassigned that long).
     */
    static SnapshotServer service(String bootstrap, String registryUrl, Path stateDir, Path outputRoot, int port,
                                  String applicationId) {
        return SnapshotServer.builder().bootstrapServers(bootstrap).schemaRegistryUrl(registryUrl).stateDir(stateDir)
                .outputRoot(outputRoot).http("127.0.0.1", port).advertisedHost("127.0.0.1")
                .applicationId(applicationId).partitions(PARTITIONS).standbyReplicas(1)
                .streamsProperty("commit.interval.ms", 100)
                .streamsProperty("session.timeout.ms", 6000)
                .streamsProperty("heartbeat.interval.ms", 1500)
                .build();
    }

    /**
     * {@link #service} on {@code dir/state} and {@code dir/out} at a free port, started, once its streams run
     * (closed again when they do not within 120 s).
     */
    SnapshotServer startService(Path dir, String applicationId) throws Exception {
        SnapshotServer service = service(cluster.bootstrapServers(), registry.url(), dir.resolve("state"),
                dir.resolve("out"), 0, applicationId).start();
        try {
            service.awaitRunning(Duration.ofSeconds(120));
            return service;
        } catch (Exception | Error e) {
            service.close();
            throw e;
        }
    }

    /** Client configuration of a library worker on this stack. */
    Properties workerConfig() {
        Properties config = new Properties();
        config.setProperty("bootstrap.servers", cluster.bootstrapServers());
        config.setProperty("schema.registry.url", registry.url());
        config.setProperty("simsnap.topic.partitions", Integer.toString(PARTITIONS));
        return config;
    }

    /** {@link #workerConfig()} with {@link PauseBeforeCommit} on its producers, so a scenario can hold a step open. */
    Properties pausableWorkerConfig() {
        Properties config = workerConfig();
        config.setProperty("interceptor.classes", PauseBeforeCommit.class.getName());
        return config;
    }

    /** Starts {@code run} of {@code model} for {@code workers} (one worker per transaction), as its first worker. */
    void startRun(StateModel model, String run, List<String> workers) {
        try (SimsnapWorker w = SimsnapWorker.builder().environment(Map.of()).config(workerConfig()).run(run)
                .worker(workers.get(0)).build()) {
            w.start(new RunDefinition(model, workers, Map.of(), 1));
        }
    }

    /**
     * Submits to {@code pool} the scenarios' usual three workers of {@code run}, each driving steps
     * {@code 0..steps-1} at {@code pacingMillis} into {@code ledger}: library workers {@code lib-1} and {@code lib-2}
     * ({@link #pausableWorkerConfig()}) and gateway worker {@code gw-1}.
     */
    List<Future<Integer>> driveLibLibGateway(ExecutorService pool, StateModel model, String run, long steps,
                                             long pacingMillis, Ledger ledger) {
        List<Future<Integer>> drivers = new ArrayList<>();
        drivers.add(pool.submit(Drivers.library(pausableWorkerConfig(), model, run, "lib-1", steps, pacingMillis,
                ledger)));
        drivers.add(pool.submit(Drivers.library(pausableWorkerConfig(), model, run, "lib-2", steps, pacingMillis,
                ledger)));
        drivers.add(pool.submit(Drivers.gateway(gateway.url(), run, "gw-1", steps, pacingMillis, ledger)));
        return drivers;
    }

    /** Waits up to 300 s for each driver in turn; the sum of their retried attempts. */
    static int awaitDrivers(List<Future<Integer>> drivers) throws Exception {
        int retries = 0;
        for (Future<Integer> f : drivers) {
            retries += f.get(300, TimeUnit.SECONDS);
        }
        return retries;
    }

    /**
     * The leader of {@code topic-partition} once it is another node than {@code old}, asked every 100 ms (a node
     * that does not answer, or a moment without leader, is asked again).
     *
     * @throws AssertionError when there is none within 60 s
     */
    int awaitNewLeader(String topic, int partition, int old) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                int now = cluster.leaderOf(topic, partition);
                if (now != old) {
                    return now;
                }
            } catch (IllegalStateException e) {
                // no leader for a moment, or the cut-off node was asked and did not answer
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no new leader of " + topic + "-" + partition + " within 60 s");
    }

    /**
     * The independent checks of a scenario's {@code runs} (run -> its workers) into {@code report}, short of
     * {@link FaultReport#printAndAssert()}: every worker is in the ledger; the committed history on the topics and
     * the final state served at {@code serviceUrl} match the ledger; no step was acknowledged twice; the readers'
     * findings; the dead letters on the topic.
     */
    void check(FaultReport report, Map<String, List<String>> runs, Ledger ledger, Readers readers, String serviceUrl)
            throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (Map.Entry<String, List<String>> r : runs.entrySet()) {
            String run = r.getKey();
            report.steps += ledger.size(run);
            assertEquals(new TreeSet<>(r.getValue()), ledger.steps(run).keySet(), run + ": workers in the ledger");
            report.checkHistory(run, History.read(cluster.bootstrapServers(), registry.url(),
                    SimsnapTopics.DELTAS.name(), run, "read_committed"), ledger.steps(run));
            HttpResponse<byte[]> zip = http.send(HttpRequest.newBuilder(URI.create(serviceUrl + "/runs/" + run
                    + "/snapshot")).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, zip.statusCode(), run + " snapshot");
            report.checkState(run, ReferenceState.unzip(zip.body()), ledger.steps(run));
        }
        ledger.repeated().forEach(e -> report.problem("ledger: step acknowledged twice " + e));
        report.addReaders(readers);
        report.countDeadLetters(cluster.bootstrapServers(), SimsnapTopics.DEAD_LETTER.name());
    }

    /** The partition of {@code run} on the pipeline topics (Kafka's default partitioner for a string key). */
    static int partitionOf(String run) {
        return Utils.toPositive(Utils.murmur2(run.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    /** Starts {@code main} of the test class path as a JVM of its own, output to {@code log}. */
    Process java(Class<?> main, List<String> systemProperties, List<String> args, Path log) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        if (Runtime.version().feature() >= 24) {
            command.add("--enable-native-access=ALL-UNNAMED");
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(systemProperties);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            synchronized (processes) {
                processes.add(p);
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + main.getName(), e);
        }
    }

    @Override
    public void close() {
        synchronized (processes) {
            processes.forEach(Process::destroyForcibly);
        }
        gateway.close();
        registry.close();
    }
}
