package dev.simsnap.it.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.simsnap.devstack.KafkaCluster;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.service.http.SnapshotServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A single broker crashes: {@code kill -9} of the broker process (no graceful shutdown, no clean-shutdown marker)
 * while a worker holds a transaction open mid-step, then the broker is started again on the same data directory.
 * Workers (library and gateway) and the snapshot service ride it out; nothing is lost or doubled, and the
 * dead-letter topic stays empty (a recovered log must not make the service refuse anything).
 */
class BrokerCrashFaultIT {

    private static final String ID = UUID.randomUUID().toString().substring(0, 6);
    private static final long PACING_MS = 120;

    @TempDir
    Path tmp;

    @Test
    void theOnlyBrokerKilledMidRunRestartsOnItsDataAndNothingIsLostDoubledOrDeadLettered() throws Exception {
        String run = "broker-crash-" + ID;
        List<String> workers = List.of("lib-1", "lib-2", "gw-1");
        long steps = 24;
        long heldStep = 6;
        FaultReport report = FaultReport.start("kill -9 of the only broker mid-run, restart on its data (1 broker)");
        StateModel model = LedgerSteps.model();
        try (KafkaCluster cluster = KafkaCluster.builder().brokers(1).start();
             ClusterStack stack = ClusterStack.on(cluster);
             SnapshotServer service = stack.startService(tmp, "simsnap-crash-" + ID)) {
            stack.startRun(model, run, workers);
            Ledger ledger = new Ledger();
            ExecutorService pool = Executors.newFixedThreadPool(workers.size());
            try (Readers readers = new Readers(service.url(), Map.of(run, workers)).start()) {
                PauseBeforeCommit.Gate gate = PauseBeforeCommit.arm(SimsnapWorker.transactionalId(run, "lib-1"),
                        heldStep);
                List<Future<Integer>> drivers = stack.driveLibLibGateway(pool, model, run, steps, PACING_MS, ledger);
                assertTrue(gate.awaitPaused(180), "lib-1 never reached step " + heldStep);
                long pid = cluster.pid(1);
                cluster.kill(1);
                readers.faultInjected();
                report.faults++;
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
                assertThat(ledger.steps(run).get("lib-1")).doesNotContain(heldStep); // mid-step at the crash
                gate.release();
                Thread.sleep(1000); // workers and service meet a dead broker
                cluster.start(1);
                System.out.printf("[fault-suite] broker (pid %d) killed while lib-1 held step %d open; restarted on"
                        + " %s%n", pid, heldStep, cluster.nodeDir(1));
                report.retried = ClusterStack.awaitDrivers(drivers);
                assertTrue(readers.awaitStep(steps - 1, Duration.ofSeconds(120)), "readers at " + readers.lastCut
                        + " / events " + readers.lastEvent);
                stack.check(report, Map.of(run, workers), ledger, readers, service.url());
                assertEquals(0, service.service().deadLetterStats().total(), "the service's dead-letter count");
                report.printAndAssert();
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
