package dev.simsnap.it.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.simsnap.devstack.KafkaCluster;
import dev.simsnap.devstack.junit.RequiredTool;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.service.http.SnapshotServer;
import dev.simsnap.topic.SimsnapTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network partition: three brokers, each in a network namespace of its own ({@link Netns}); the leader of the
 * run's partition is cut off the network while a worker holds a transaction open, its process running on (unlike a
 * crash, it still believes it leads); the two others elect a new leader and everything goes on; after 10 s the
 * partition heals, the old leader rejoins as a follower (truncating whatever it alone had) and catches up. Nothing
 * is lost or doubled.
 */
class NetworkPartitionFaultIT {

    private static final String ID = UUID.randomUUID().toString().substring(0, 6);
    private static final String DELTAS = SimsnapTopics.DELTAS.name();
    private static final long PACING_MS = 120;

    @TempDir
    Path tmp;

    @Test
    void theLeaderCutOffTheNetworkIsReplacedAndRejoinsAfterTheHeal() throws Exception {
        RequiredTool.require("network namespaces (root and iproute2's ip)", Netns.available(),
                "run as root on Linux with iproute2 (apt-get install iproute2)");
        String run = "partition-" + ID;
        List<String> workers = List.of("lib-1", "lib-2", "gw-1");
        long steps = 30;
        long heldStep = 8;
        FaultReport report = FaultReport.start("network partition isolating the run's partition leader (3 brokers)");
        StateModel model = LedgerSteps.model();
        try (Netns net = Netns.create(3);
             KafkaCluster cluster = KafkaCluster.builder().brokers(3).nodeHost(net::host).launchPrefix(net::prefix)
                     .start();
             ClusterStack stack = ClusterStack.on(cluster);
             SnapshotServer service = stack.startService(tmp, "simsnap-partition-" + ID)) {
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
                assertThat(ledger.steps(run).get("lib-1")).doesNotContain(heldStep);
                net.isolate(leader);
                readers.faultInjected();
                report.faults++;
                gate.release();
                int newLeader = stack.awaitNewLeader(DELTAS, partition, leader);
                assertThat(cluster.isRunning(leader)).as("the isolated broker's process runs on").isTrue();
                System.out.printf("[fault-suite] %s-%d: leader %d cut off the network while lib-1 held step %d"
                        + " open; node %d leads now%n", DELTAS, partition, leader, heldStep, newLeader);
                Thread.sleep(10_000);
                net.heal(leader);
                report.retried = ClusterStack.awaitDrivers(drivers);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (!cluster.inSyncReplicas(DELTAS, partition).contains(leader) && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertThat(cluster.inSyncReplicas(DELTAS, partition)).as("the healed broker caught up")
                        .contains(leader);
                assertTrue(readers.awaitStep(steps - 1, Duration.ofSeconds(120)), "readers at " + readers.lastCut
                        + " / events " + readers.lastEvent);
                stack.check(report, Map.of(run, workers), ledger, readers, service.url());
                report.printAndAssert();
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
