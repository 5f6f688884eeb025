package dev.simsnap.importer;

import dev.simsnap.producer.Iteration;
import dev.simsnap.producer.ProgressReporter;
import dev.simsnap.producer.RunSpec;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.RunInformation;
import dev.simsnap.schema.delta.Stock;
import dev.simsnap.schema.generation.PersonaGenotype;
import dev.simsnap.schema.run.RunStatus;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Publishes a {@link SeedFolder} as a run: RunStarted (kind {@code trading-arena} when a save folder was read,
 * else {@code persona-evolution}; one expected worker), then one iteration numbered like the folder's
 * information.json holding UPSERTs of information, every stock and every person, then each generation (chunks +
 * seal, one transaction each), then RunEnded COMPLETED unless {@code endRun} is false.
 */
public final class SeedImporter {

    private SeedImporter() {
    }

    /** Publishes {@code folder} as run {@code runId} by worker {@code workerId}. */
    public static void publish(Properties config, String runId, String workerId, SeedFolder folder,
                               Map<String, String> runConfig, boolean endRun, ProgressReporter progress) {
        try (SimsnapWorker worker = SimsnapWorker.builder().config(config).run(runId).worker(workerId).build()) {
            if (progress != null) {
                progress.track(worker.stats());
            }
            String kind = folder.hasSaveState() ? "trading-arena" : "persona-evolution";
            worker.startRun(new RunSpec(kind, List.of(workerId), runConfig, 0L));
            if (folder.hasSaveState()) {
                try (Iteration it = worker.beginIteration(folder.iteration(), folder.virtualDate())) {
                    it.upsert(new RunInformation(folder.virtualDate(), folder.iteration()));
                    for (Stock stock : folder.stocks()) {
                        it.upsert(stock);
                    }
                    for (Person person : folder.persons()) {
                        it.upsert(person);
                    }
                    it.commit();
                }
            }
            for (Map.Entry<Integer, List<PersonaGenotype>> generation : folder.generations().entrySet()) {
                worker.publishGeneration(generation.getKey(), generation.getValue(), null);
            }
            if (endRun) {
                worker.endRun(RunStatus.COMPLETED);
            }
        }
    }
}
