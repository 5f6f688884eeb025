package dev.simsnap.producer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Stand-alone entry point of the producer commands until the {@code app} module registers {@link ImportCommand}
 * and {@link SimulateCommand} under {@code simsnap}.
 */
@Command(name = "simsnap-producer", mixinStandardHelpOptions = true,
        description = "Publish simulation runs to Kafka.",
        subcommands = {ImportCommand.class, SimulateCommand.class})
public final class ProducerMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new ProducerMain()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a command: import or simulate");
    }
}
