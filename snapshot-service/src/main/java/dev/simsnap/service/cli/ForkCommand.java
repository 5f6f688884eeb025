package dev.simsnap.service.cli;

import dev.simsnap.snapshot.replay.ReplayException;
import dev.simsnap.snapshot.replay.RunForker;
import dev.simsnap.snapshot.replay.RunReplayer;
import dev.simsnap.connection.ClientConfig;
import dev.simsnap.connection.ClientOptions;
import dev.simsnap.connection.KafkaFailures;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    private ClientOptions client;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            RunForker.Forked forked = new RunForker(RunReplayer.Settings.of(clientConfig()))
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
            err.println("simsnap fork: " + (KafkaFailures.isSecurityFailure(e) ? KafkaFailures.describe(e)
                    : e.getClass().getSimpleName() + ": " + e.getMessage()));
            return 1;
        }
    }

    /** The client configuration; Kafka and the registry default to their local addresses. */
    private ClientConfig clientConfig() {
        return client.resolve().withDefault(ClientConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9092")
                .withDefault(ClientConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:8081");
    }
}
