package dev.simsnap.it.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.simsnap.devstack.KafkaCluster;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.service.http.SnapshotServer;
import dev.simsnap.topic.SimsnapTopics;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite on a 3-broker KRaft cluster of broker processes (replication factor 3, min ISR 2), in the style
 * of Kafka Streams' EOS system test and Jepsen: workers drive a fault-ledger run while a fault is injected for real
 * (SIGKILL of a process), readers check every snapshot they get is a consistent cut and every event comes once, and
 * an independent checker compares the workers' ledger with the history on the topics and the final state served
 * over REST. Each scenario prints its counts ({@link FaultReport}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultIT {

    private static final String ID = UUID.randomUUID().toString().substring(0, 6);
    private static final String DELTAS = SimsnapTopics.DELTAS.name();
    private static final long PACING_MS = 120;

    @TempDir
    static Path tmp;
    private static KafkaCluster cluster;
    private static ClusterStack stack;
    private static SnapshotServer service;
    private static StateModel model;

    @BeforeAll
    static void start() throws Exception {
        long t0 = System.nanoTime();
        cluster = KafkaCluster.builder().brokers(3).start();
        stack = ClusterStack.on(cluster);
        service = stack.startService(tmp, "simsnap-faults-" + ID);
        model = LedgerSteps.model();
        System.out.printf("[fault-suite] 3-broker cluster, registry, gateway and service up in %.1f s%n",
                (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        if (stack != null) {
            stack.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void leaderBrokerKilledMidTransactionNewLeaderElectedEverythingGoesOn() throws Exception {
        String run = "leader-kill-" + ID;
        List<String> workers = List.of("lib-1", "lib-2", "gw-1");
        long steps = 30;
        long heldStep = 8;
        FaultReport report = FaultReport.start("kill -9 of the run's partition leader mid-transaction (3 brokers)");
        stack.startRun(model, run, workers);
        Ledger ledger = new Ledger();
        int partition = ClusterStack.partitionOf(run);
        ExecutorService pool = Executors.newFixedThreadPool(workers.size());
        try (Readers readers = new Readers(service.url(), Map.of(run, workers)).start()) {
            PauseBeforeCommit.Gate gate = PauseBeforeCommit.arm(SimsnapWorker.transactionalId(run, "lib-1"),
                    heldStep);
            List<Future<Integer>> drivers = stack.driveLibLibGateway(pool, model, run, steps, PACING_MS, ledger);
            assertTrue(gate.awaitPaused(180), "lib-1 never reached step " + heldStep);
            int leader = cluster.leaderOf(DELTAS, partition);
            assertThat(ledger.steps(run).get("lib-1")).doesNotContain(heldStep); // its transaction is open
            cluster.kill(leader);
            readers.faultInjected();
            report.faults++;
            gate.release();
            int newLeader = stack.awaitNewLeader(DELTAS, partition, leader);
            System.out.printf("[fault-suite] %s-%d: leader %d killed while lib-1 held step %d open; node %d leads"
                    + " now%n", DELTAS, partition, leader, heldStep, newLeader);
            report.retried = ClusterStack.awaitDrivers(drivers);
            assertThat(cluster.isRunning(leader)).isFalse(); // every worker finished without the killed node
            cluster.start(leader);
            assertTrue(readers.awaitStep(steps - 1, Duration.ofSeconds(120)), "readers at " + readers.lastCut
                    + " / events " + readers.lastEvent);
            stack.check(report, Map.of(run, workers), ledger, readers, service.url());
            report.printAndAssert();
        } finally {
            pool.shutdownNow();
        }
        awaitFullIsr(DELTAS, partition);
    }

    @Test
    @Order(2)
    void workerProcessKilledMidStepIsFencedByItsSuccessor() throws Exception {
        String run = "worker-kill-" + ID;
        List<String> workers = List.of("proc-1", "lib-2");
        long steps = 24;
        long heldStep = 7;
        FaultReport report = FaultReport.start("kill -9 of a worker process mid-step, successor fences it");
        stack.startRun(model, run, workers);
        Ledger ledger = new Ledger();
        Path ledgerFile = tmp.resolve(run + ".ledger");
        Path held = tmp.resolve(run + ".held");
        List<String> args = List.of(cluster.bootstrapServers(), stack.registry.url(), run, "proc-1",
                Long.toString(steps), Long.toString(PACING_MS), ledgerFile.toString());
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try (Readers readers = new Readers(service.url(), Map.of(run, workers)).start()) {
            Process first = stack.java(FaultWorkerMain.class, List.of("-Dfault.pause.step=" + heldStep,
                    "-Dfault.pause.file=" + held), args, tmp.resolve("proc-1-first.log"));
            Future<Integer> lib = pool.submit(Drivers.library(stack.pausableWorkerConfig(), model, run, "lib-2",
                    steps, PACING_MS, ledger));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!Files.exists(held) && first.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(held), "the worker process never held step " + heldStep + " (alive: "
                    + first.isAlive() + ", log " + tmp.resolve("proc-1-first.log") + ")");
            // Mid-step for real: the step's deltas are on the brokers in an open transaction, not committed.
            int open = awaitUncommittedDeltas(run, "proc-1", heldStep);
            assertThat(Ledger.readFile(ledgerFile)).extracting(Ledger.Entry::step).doesNotContain(heldStep);
            first.destroyForcibly(); // SIGKILL
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
            readers.faultInjected();
            report.faults++;
            System.out.printf("[fault-suite] worker process proc-1 killed holding step %d open (%d deltas on the"
                    + " brokers, uncommitted)%n", heldStep, open);
            Process successor = stack.java(FaultWorkerMain.class, List.of(), args,
                    tmp.resolve("proc-1-successor.log"));
            assertTrue(successor.waitFor(240, TimeUnit.SECONDS), "successor did not finish");
            assertEquals(0, successor.exitValue(), "successor failed; log " + tmp.resolve("proc-1-successor.log"));
            report.retried = lib.get(240, TimeUnit.SECONDS);
            ledger.addAll(Ledger.readFile(ledgerFile));
            // The successor committed the held step itself (the zombie's attempt was aborted, never committed).
            assertThat(Ledger.readFile(ledgerFile)).filteredOn(e -> e.step() == heldStep)
                    .extracting(Ledger.Entry::status).containsExactly("committed");
            assertTrue(readers.awaitStep(steps - 1, Duration.ofSeconds(120)), "readers at " + readers.lastCut);
            // The aborted attempt's deltas stay in the log, invisible to read_committed: twice uncommitted, once
            // committed.
            History all = History.read(cluster.bootstrapServers(), stack.registry.url(), DELTAS, run,
                    "read_uncommitted");
            assertThat(all.deltasPerStep().get("proc-1 " + heldStep)).isEqualTo(2 * open);
            stack.check(report, Map.of(run, workers), ledger, readers, service.url());
            report.printAndAssert();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Order(3)
    void serviceInstanceKilledItsStandbyAnswersReadsAndEvents() throws Exception {
        String app = "simsnap-pair-" + ID;
        FaultReport report = FaultReport.start("kill -9 of one of two service instances, standby takes over");
        int childPort = freePort();
        String childUrl = "http://127.0.0.1:" + childPort;
        Process child = stack.java(ServiceMain.class, List.of(), List.of(cluster.bootstrapServers(),
                stack.registry.url(), tmp.resolve("pair-state-1").toString(), tmp.resolve("pair-out-1").toString(),
                Integer.toString(childPort), app), tmp.resolve("service-1.log"));
        awaitAnswering(childUrl, child);
        try (SnapshotServer survivor = ClusterStack.service(cluster.bootstrapServers(), stack.registry.url(),
                tmp.resolve("pair-state-2"), tmp.resolve("pair-out-2"), 0, app).start()) {
            survivor.awaitRunning(Duration.ofSeconds(120));
            Set<Integer> onChild = awaitBothActive(survivor, "127.0.0.1:" + childPort);
            // One run per partition, so the killed instance was the active owner of at least one of them.
            Map<String, List<String>> runs = new LinkedHashMap<>();
            for (int p = 0; p < ClusterStack.PARTITIONS; p++) {
                runs.put(runOnPartition("pair-" + ID + "-", p), List.of("lib-1", "gw-1"));
            }
            List<String> victims = runs.keySet().stream().filter(r -> onChild.contains(ClusterStack.partitionOf(r)))
                    .toList();
            for (Map.Entry<String, List<String>> r : runs.entrySet()) {
                stack.startRun(model, r.getKey(), r.getValue());
            }
            long steps = 24;
            Ledger ledger = new Ledger();
            ExecutorService pool = Executors.newFixedThreadPool(2 * runs.size());
            try (Readers readers = new Readers(survivor.url(), runs).start()) {
                List<Future<Integer>> drivers = new ArrayList<>();
                for (String run : runs.keySet()) {
                    drivers.add(pool.submit(Drivers.library(stack.pausableWorkerConfig(), model, run, "lib-1", steps,
                            PACING_MS, ledger)));
                    drivers.add(pool.submit(Drivers.gateway(stack.gateway.url(), run, "gw-1", steps, PACING_MS,
                            ledger)));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                while (victims.stream().anyMatch(v -> readers.lastCut.get(v).get() < 6)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                long atKill = victims.stream().mapToLong(v -> readers.lastCut.get(v).get()).min().orElseThrow();
                assertThat(atKill).as("victim runs under way at the kill").isBetween(6L, steps - 4);
                child.destroyForcibly(); // SIGKILL: no close, no leave-group, RocksDB not closed
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                readers.faultInjected();
                report.faults++;
                System.out.printf("[fault-suite] service instance at %s killed (active for partitions %s, runs %s at"
                        + " step %d)%n", childUrl, onChild, victims, atKill);
                report.retried = ClusterStack.awaitDrivers(drivers);
                assertTrue(readers.awaitStep(steps - 1, Duration.ofSeconds(120)), "readers at " + readers.lastCut
                        + " / events " + readers.lastEvent);
                assertThat(readers.readsAfterFault.get()).as("reads answered after the kill").isPositive();
                assertThat(readers.eventsAfterFault.get()).as("events after the kill").isPositive();
                System.out.printf("[fault-suite] survivor after the kill: %d reads answered, %d unanswered %s, %d"
                        + " events%n", readers.readsAfterFault.get(), readers.unansweredAfterFault.get(),
                        readers.unansweredDetails, readers.eventsAfterFault.get());
                stack.check(report, runs, ledger, readers, survivor.url());
                report.printAndAssert();
            } finally {
                pool.shutdownNow();
            }
        }
    }

    // ---- helpers ----

    private static void awaitFullIsr(String topic, int partition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (cluster.inSyncReplicas(topic, partition).size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(cluster.inSyncReplicas(topic, partition)).hasSize(3);
    }

    /** Waits until the open transaction of {@code worker}'s {@code step} shows its deltas to read_uncommitted. */
    private static int awaitUncommittedDeltas(String run, String worker, long step) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            History all = History.read(cluster.bootstrapServers(), stack.registry.url(), DELTAS, run,
                    "read_uncommitted");
            int n = all.deltasPerStep().getOrDefault(worker + " " + step, 0);
            int committed = History.read(cluster.bootstrapServers(), stack.registry.url(), DELTAS, run,
                    "read_committed").deltasPerStep().getOrDefault(worker + " " + step, 0);
            assertEquals(0, committed, "step " + step + " of " + worker + " was committed before the kill");
            if (n > 0) {
                return n;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no delta of the held step " + step + " reached the brokers");
    }

    private static Set<Integer> awaitBothActive(SnapshotServer survivor, String childServer)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            Set<Integer> child = new TreeSet<>();
            Set<Integer> self = new TreeSet<>();
            for (StreamsMetadata m : survivor.service().streams().metadataForAllStreamsClients()) {
                Set<Integer> target = (m.host() + ":" + m.port()).equals(childServer) ? child : self;
                for (TopicPartition tp : m.topicPartitions()) {
                    if (tp.topic().equals(DELTAS)) {
                        target.add(tp.partition());
                    }
                }
            }
            if (!child.isEmpty() && !self.isEmpty() && child.size() + self.size() == ClusterStack.PARTITIONS) {
                return child;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the two service instances never shared the partitions");
    }

    private static String runOnPartition(String prefix, int partition) {
        for (int n = 0; ; n++) {
            if (ClusterStack.partitionOf(prefix + n) == partition) {
                return prefix + n;
            }
        }
    }

    private static void awaitAnswering(String url, Process p) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        while (System.nanoTime() < deadline) {
            assertTrue(p.isAlive(), "service process exited; log " + tmp.resolve("service-1.log"));
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(url + "/runs")).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(300);
        }
        throw new AssertionError("service process at " + url + " not answering");
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
