package dev.simsnap.service.cli;

import dev.simsnap.snapshot.replay.ReplayException;
import dev.simsnap.snapshot.replay.RunReplayer;
import dev.simsnap.snapshot.write.SnapshotWriter;
import java.io.IOException;
import dev.simsnap.connection.ClientConfig;
import dev.simsnap.connection.ClientOptions;
import dev.simsnap.connection.KafkaFailures;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code simsnap replay --run R --iteration N --out DIR}: rebuilds the run as it stood at the end of iteration N
 * from Kafka history (needs Kafka and the schema registry, no snapshot service) and writes the seed layout to
 * {@code DIR/<run>@<N>/} atomically (nothing is written on error). Progress goes to stderr; errors are one line
 * on stderr with exit code 1.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Rebuild a run as of iteration N from Kafka history into DIR/<run>@<N>/.")
public final class ReplayCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--run", required = true, paramLabel = "RUN", description = "Run id.")
    private String run;

    @Option(names = "--iteration", required = true, paramLabel = "N", description = "Iteration (>= 0).")
    private long iteration;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (gets DIR/<run>@<N>/).")
    private Path out;

    @Mixin
    private ClientOptions client;

    @Option(names = "--checkpoint-every", paramLabel = "K", defaultValue = "100",
            description = "Write a checkpoint every K consistent iterations passed (default: ${DEFAULT-VALUE}).")
    private int checkpointEvery;

    @Option(names = "--no-checkpoints", description = "Neither read nor write checkpoints (replay from offset 0).")
    private boolean noCheckpoints;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (checkpointEvery < 1) {
            err.println("simsnap replay: --checkpoint-every must be >= 1");
            return 1;
        }
        RunReplayer.Settings settings = RunReplayer.Settings.of(clientConfig())
                .checkpointEvery(checkpointEvery);
        if (noCheckpoints) {
            settings = settings.withoutCheckpoints();
        }
        try (RunReplayer replayer = new RunReplayer(settings)) {
            RunReplayer.Result result = replayer.replay(run, iteration, m -> {
                err.println(m);
                err.flush();
            });
            Path folder;
            // Closed before exiting so the deletion of a replaced folder is not cut short by JVM exit.
            try (SnapshotWriter writer = new SnapshotWriter(out)) {
                folder = writer.writeAsOf(result.state());
            }
            spec.commandLine().getOut().println("run " + run + " as of iteration " + iteration + " written to "
                    + folder);
            return 0;
        } catch (ReplayException e) {
            err.println("simsnap replay: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("simsnap replay: cannot write into " + out + ": " + e);
            return 1;
        } catch (RuntimeException e) {
            err.println("simsnap replay: " + (KafkaFailures.isSecurityFailure(e) ? KafkaFailures.describe(e)
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
