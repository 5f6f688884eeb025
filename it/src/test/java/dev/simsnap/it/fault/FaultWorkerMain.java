package dev.simsnap.it.fault;

import java.nio.file.Path;
import java.util.Properties;

/**
 * A library worker as its own process, so the fault suite can kill it for real:
 * {@code FaultWorkerMain <bootstrap> <registry url> <run> <worker> <steps> <pacing ms> <ledger file>} drives the
 * worker's steps ({@link Drivers#library}) from the step after its last committed one, appending each acknowledged
 * step to the ledger file. With {@code -Dfault.pause.step=K -Dfault.pause.file=F} it holds inside the transaction
 * of step K ({@link PauseBeforeCommit}) until killed. Exit status 0 when every step is acknowledged.
 */
public final class FaultWorkerMain {

    private FaultWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        Properties config = new Properties();
        config.setProperty("bootstrap.servers", args[0]);
        config.setProperty("schema.registry.url", args[1]);
        config.setProperty("interceptor.classes", PauseBeforeCommit.class.getName());
        int retries = Drivers.library(config, LedgerSteps.model(), args[2], args[3], Long.parseLong(args[4]),
                Long.parseLong(args[5]), Ledger.toFile(Path.of(args[6]))).call();
        System.out.println("worker " + args[3] + " done, " + retries + " retried attempts");
        System.exit(0);
    }
}
