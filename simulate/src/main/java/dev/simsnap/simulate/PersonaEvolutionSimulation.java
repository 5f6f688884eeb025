package dev.simsnap.simulate;

import dev.simsnap.producer.ProgressReporter;
import dev.simsnap.producer.RunSpec;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.schema.run.RunStatus;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Runs {@link PersonaEvolutionModel} as one run of one worker ({@code w0}): generations 0..{@code generations - 1},
 * each published with its scores in one transaction, then RunEnded.
 */
public final class PersonaEvolutionSimulation {

    /** Parameters of a run. */
    public record Params(String runId, int population, int generations, long seed) {
        /** Checks ranges. */
        public Params {
            if (population < 1) {
                throw new IllegalArgumentException("field 'population': must be at least 1, got " + population);
            }
            if (generations < 1) {
                throw new IllegalArgumentException("field 'generations': must be at least 1, got " + generations);
            }
        }
    }

    private PersonaEvolutionSimulation() {
    }

    /** Publishes the run. */
    public static void run(Properties config, Params p, ProgressReporter progress) {
        Map<String, String> settings = new TreeMap<>(Map.of("population", String.valueOf(p.population()),
                "generations", String.valueOf(p.generations()), "seed", String.valueOf(p.seed())));
        try (SimsnapWorker worker = SimsnapWorker.builder().config(config).run(p.runId()).worker("w0").build()) {
            if (progress != null) {
                progress.track(worker.stats());
            }
            worker.startRun(new RunSpec("persona-evolution", List.of("w0"), settings, p.seed()));
            PersonaEvolutionModel model = new PersonaEvolutionModel(p.population(), p.seed());
            while (model.generation() < p.generations() - 1) {
                int generation = model.advance();
                worker.publishGeneration(generation, model.members(), model.scores());
            }
            worker.endRun(RunStatus.COMPLETED);
        }
    }
}
