package dev.simsnap.producer.cli;

import dev.simsnap.producer.ProgressReporter;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.simulate.PersonaEvolutionSimulation;
import dev.simsnap.simulate.TradingArenaSimulation;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code simulate}: deterministic sample workloads. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Publish a deterministic sample workload as a run.",
        subcommands = {SimulateCommand.TradingArena.class, SimulateCommand.PersonaEvolution.class})
public final class SimulateCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "choose a workload: trading-arena or persona-evolution");
    }

    /** {@code simulate trading-arena}. */
    @Command(name = "trading-arena", mixinStandardHelpOptions = true,
            description = {"Agents trade stocks whose prices random-walk; worker k of W owns agents with "
                    + "person_id %% W == k, worker 0 also stocks, market, index and information.",
                "Iteration 0 is the initial state; iterations 1..N trade. Same seed, same records."})
    public static final class TradingArena implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ConnectionOptions connection;
        @Option(names = "--run", required = true, description = "Run id.")
        String runId;
        @Option(names = "--agents", defaultValue = "10", description = "Agents (default ${DEFAULT-VALUE}).")
        int agents;
        @Option(names = "--stocks", defaultValue = "3", description = "Stocks (default ${DEFAULT-VALUE}).")
        int stocks;
        @Option(names = "--iterations", defaultValue = "20", description = "Trading iterations (default ${DEFAULT-VALUE}).")
        long iterations;
        @Option(names = "--workers", defaultValue = "1", description = "Workers, one thread each (default ${DEFAULT-VALUE}).")
        int workers;
        @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() {
            return Failures.run("simulate trading-arena", spec.commandLine().getErr(), () -> {
                RunIds.require("run id", runId);
                TradingArenaSimulation.Params params =
                        new TradingArenaSimulation.Params(runId, agents, stocks, iterations, workers, seed);
                try (ProgressReporter progress = new ProgressReporter("simulate " + runId, System.err)) {
                    TradingArenaSimulation.run(connection.resolve(), params, progress);
                }
                return 0;
            });
        }
    }

    /** {@code simulate persona-evolution}. */
    @Command(name = "persona-evolution", mixinStandardHelpOptions = true,
            description = "Personas are scored, recombined and mutated; each generation is published with its scores.")
    public static final class PersonaEvolution implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ConnectionOptions connection;
        @Option(names = "--run", required = true, description = "Run id.")
        String runId;
        @Option(names = "--population", defaultValue = "100", description = "Population (default ${DEFAULT-VALUE}).")
        int population;
        @Option(names = "--generations", defaultValue = "5", description = "Generations (default ${DEFAULT-VALUE}).")
        int generations;
        @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() {
            return Failures.run("simulate persona-evolution", spec.commandLine().getErr(), () -> {
                RunIds.require("run id", runId);
                PersonaEvolutionSimulation.Params params =
                        new PersonaEvolutionSimulation.Params(runId, population, generations, seed);
                try (ProgressReporter progress = new ProgressReporter("simulate " + runId, System.err)) {
                    PersonaEvolutionSimulation.run(connection.resolve(), params, progress);
                }
                return 0;
            });
        }
    }
}
