package dev.simsnap.app;

import dev.simsnap.producer.ProgressReporter;
import dev.simsnap.simulate.PersonaEvolutionSimulation;
import dev.simsnap.simulate.TradingArenaSimulation;
import dev.simsnap.snapshot.run.RunInfo;
import dev.simsnap.snapshot.read.RunStateReader;
import dev.simsnap.snapshot.write.SnapshotWriter;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Predicate;

/**
 * The sample runs {@code simsnap up} publishes on a fresh data directory: a three-worker trading arena and a
 * persona evolution, both seeded, so every first start shows the same state. A later start finds them in the
 * service's stores and publishes nothing again.
 */
final class DemoRuns {

    static final String ARENA = "demo-arena";
    static final String EVOLUTION = "demo-evolution";
    private static final TradingArenaSimulation.Params ARENA_PARAMS =
            new TradingArenaSimulation.Params(ARENA, 24, 6, 40, 3, 7L);
    private static final PersonaEvolutionSimulation.Params EVOLUTION_PARAMS =
            new PersonaEvolutionSimulation.Params(EVOLUTION, 16, 4, 7L);

    private DemoRuns() {
    }

    /** Publishes the sample runs that the service does not hold yet, waits until they are applied, writes snapshots. */
    static void ensure(EmbeddedStack stack, Path outputRoot, PrintStream out) throws Exception {
        RunStateReader reader = stack.service().service().reader();
        Properties config = stack.client().toProperties();
        if (reader.runInfo(ARENA).isEmpty()) {
            out.println("publishing sample run " + ARENA + " (3 workers, 24 agents, 6 stocks, 40 iterations)...");
            try (ProgressReporter progress = new ProgressReporter(ARENA, System.err)) {
                TradingArenaSimulation.run(config, ARENA_PARAMS, progress);
            }
        }
        if (reader.generationIds(EVOLUTION).isEmpty()) {
            out.println("publishing sample run " + EVOLUTION + " (16 personas, 4 generations)...");
            try (ProgressReporter progress = new ProgressReporter(EVOLUTION, System.err)) {
                PersonaEvolutionSimulation.run(config, EVOLUTION_PARAMS, progress);
            }
        }
        await(reader, ARENA, info -> info.consistentIteration() >= ARENA_PARAMS.iterations());
        awaitGenerations(reader, EVOLUTION, EVOLUTION_PARAMS.generations());
        try (SnapshotWriter writer = new SnapshotWriter(outputRoot)) {
            for (String run : new String[] {ARENA, EVOLUTION}) {
                Path folder = writer.write(reader.runState(run).orElseThrow());
                out.println("snapshot  " + folder.toAbsolutePath());
            }
        }
    }

    private static void await(RunStateReader reader, String run, Predicate<RunInfo> done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<RunInfo> info = reader.runInfo(run);
            if (info.isPresent() && done.test(info.get())) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("run " + run + " was not applied within 120 s");
    }

    private static void awaitGenerations(RunStateReader reader, String run, int generations) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (reader.generationIds(run).size() < generations) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("run " + run + " has not sealed " + generations + " generations within 120 s");
            }
            Thread.sleep(200);
        }
    }
}
