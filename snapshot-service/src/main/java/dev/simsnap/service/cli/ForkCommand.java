package dev.simsnap.service.cli;

import dev.simsnap.snapshot.replay.ReplayException;
import dev.simsnap.snapshot.replay.RunForker;
import dev.simsnap.snapshot.replay.RunReplayer;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code simsnap fork --run R --iteration N --new-run R2}: starts run R2 from run R's state at iteration N
 * ({@link RunForker}: RunStarted with forked_from, then that state as R2's iteration N). Needs Kafka and the
 * schema registry only. Errors are one line on stderr with exit code 1; nothing is published on error.
 */
@Command(name = "fork", mixinStandardHelpOptions = true,
        description = "Start a new run from another run's state at iteration N.")
public final class ForkCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--run", required = true, paramLabel = "RUN", description = "Source run id.")
    private String run;

    @Option(names = "--iteration", required = true, paramLabel = "N", description = "Source iteration (>= 0).")
    private long iteration;

    @Option(names = "--new-run", required = true, paramLabel = "RUN2", description = "Id of the new run.")
    private String newRun;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", defaultValue = "127.0.0.1:9092",
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    private String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8081",
            description = "Schema registry URL (default: ${DEFAULT-VALUE}).")
    private String registryUrl;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            RunForker.Forked forked = new RunForker(RunReplayer.Settings.of(bootstrapServers, registryUrl))
                    .fork(run, iteration, newRun, m -> {
                        err.println(m);
                        err.flush();
                    });
            spec.commandLine().getOut().println("run " + newRun + " started from run " + run + " at iteration "
                    + iteration + " (" + forked.entities() + " entities)");
            return 0;
        } catch (ReplayException e) {
            err.println("simsnap fork: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println("simsnap fork: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return 1;
        }
    }
}
