package dev.simsnap.app;

import dev.simsnap.producer.cli.ImportCommand;
import dev.simsnap.producer.cli.SimulateCommand;
import dev.simsnap.service.cli.ForkCommand;
import dev.simsnap.service.cli.ObserveCommand;
import dev.simsnap.service.cli.ReplayCommand;
import dev.simsnap.service.cli.SnapshotCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code simsnap} command line: one entry point, one sub-command per job. */
@Command(name = "simsnap", mixinStandardHelpOptions = true, version = "simsnap 0.1.0",
        description = "Distributes simulation state through Kafka: Avro deltas in, JSON folder snapshots out.",
        subcommands = {UpCommand.class, ImportCommand.class, SimulateCommand.class, SnapshotCommand.class,
                ReplayCommand.class, ForkCommand.class, ObserveCommand.class, CommandLine.HelpCommand.class})
public final class Simsnap implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree, with one-line messages for bad input instead of stack traces. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Simsnap());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("simsnap: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return 1;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
