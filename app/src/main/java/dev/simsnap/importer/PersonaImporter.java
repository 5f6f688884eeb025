package dev.simsnap.importer;

import dev.simsnap.model.BuiltInKinds;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.CollectionSchemas;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.registry.client.SchemaRegistries;
import dev.simsnap.registry.client.SchemaRegistry;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.schema.run.RunStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Publishes a {@code persona_data} folder as a run of the built-in {@code persona-evolution} kind: every
 * {@code gen_<N>.json} as generation N of {@code population}, every {@code transcripts_gen_<N>.json} as generation N
 * of {@code transcripts} ({@code {"turns": conversation}} per conversation), one transaction each.
 *
 * <p>A member is written with the newest of the kind's declared genotype versions (v1, v2, v2b, v3, v4) and the
 * population subject's latest registered version whose fields are exactly the member's keys (so the snapshot's
 * {@code gen_<N>.json} has exactly the file's keys); a member no version fits is refused naming file, index and
 * keys. Every generation is mapped before anything is published.
 *
 * <p>An existing run is always refused: a generation cannot be deleted, so replacing a persona run's content is not
 * possible on the log (re-saving a generation makes a new version of it; the snapshot shows the latest).
 */
public final class PersonaImporter {

    /** The kind every persona_data import is a run of. */
    public static final String KIND = "persona-evolution";

    private PersonaImporter() {
    }

    /**
     * What an import did.
     *
     * @param generations generation numbers of {@code population} saved
     * @param transcripts generation numbers of {@code transcripts} saved
     */
    public record Result(List<Integer> generations, List<Integer> transcripts) {
    }

    /**
     * Imports {@code data} into a new run {@code runId} as worker {@code workerId}.
     *
     * @throws ImportRefusedException when the run exists
     * @throws SeedFormatException    naming the file of a member no genotype version fits (nothing published)
     */
    public static Result publish(Properties config, String runId, String workerId, PersonaData data, boolean end) {
        StateModel model = BuiltInKinds.get(KIND);
        RunStarted existing = SimsnapWorker.readRunStarted(config, runId).orElse(null);
        if (existing != null) {
            throw new ImportRefusedException("run " + runId + " already exists (kind " + existing.getKind()
                    + ", started " + Instant.ofEpochMilli(existing.getStartedAtMs()) + "): a persona_data import goes"
                    + " into a new run (generations cannot be deleted, so --replace is not possible for it)");
        }
        Map<String, Object> registryConfig = new HashMap<>();
        config.stringPropertyNames().forEach(k -> registryConfig.put(k, config.getProperty(k)));
        Map<Integer, List<GenericRecord>> population = new LinkedHashMap<>();
        Map<Integer, List<GenericRecord>> conversations = new LinkedHashMap<>();
        try (SchemaRegistry registry = SchemaRegistries.fromConfig(registryConfig)) {
            CollectionSchemas schemas = new CollectionSchemas(registry, model);
            schemas.declare();
            List<Schema> genotypes = new ArrayList<>(model.collection("population").orElseThrow().schemas());
            genotypes.add(schemas.latest("population").schema());
            Schema transcript = schemas.latest("transcripts").schema();
            data.generations().forEach((g, members) -> population.put(g,
                    members(data.path().resolve("gen_" + g + ".json"), members, genotypes)));
            data.transcripts().forEach((g, turns) -> {
                Path file = data.path().resolve("transcripts_gen_" + g + ".json");
                List<GenericRecord> out = new ArrayList<>();
                for (int i = 0; i < turns.size(); i++) {
                    Map<String, Object> item = new LinkedHashMap<>();
                    item.put("turns", turns.get(i));
                    String where = "[" + i + "]";
                    out.add(mapped(file, () -> AvroValues.record(transcript, item, where)));
                }
                conversations.put(g, out);
            });
        }
        try (SimsnapWorker worker = SimsnapWorker.builder().environment(Map.of()).config(config).run(runId)
                .worker(workerId).build()) {
            Map<String, String> runConfig = new LinkedHashMap<>();
            runConfig.put("source", "simsnap import");
            runConfig.put("folder.0", data.path().toString());
            worker.start(new RunDefinition(model, List.of(workerId), runConfig, 0L));
            population.forEach((g, members) -> worker.saveGeneration("population", g, members, null));
            conversations.forEach((g, turns) -> worker.saveGeneration("transcripts", g, turns, null));
            if (end) {
                worker.endRun(RunStatus.COMPLETED);
            }
            return new Result(List.copyOf(population.keySet()), List.copyOf(conversations.keySet()));
        }
    }

    private static List<GenericRecord> members(Path file, List<Object> members, List<Schema> genotypes) {
        List<GenericRecord> out = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            if (!(members.get(i) instanceof Map<?, ?> member)) {
                throw new SeedFormatException(file + ": [" + i + "]: expected a JSON object");
            }
            Set<String> keys = new TreeSet<>();
            member.keySet().forEach(k -> keys.add(String.valueOf(k)));
            GenericRecord record = null;
            List<String> tried = new ArrayList<>();
            for (int v = genotypes.size() - 1; v >= 0 && record == null; v--) {
                Schema s = genotypes.get(v);
                Set<String> fields = new TreeSet<>();
                s.getFields().forEach(f -> fields.add(f.name()));
                if (!fields.equals(keys)) {
                    tried.add(fields.toString());
                    continue;
                }
                String where = "[" + i + "]";
                record = mapped(file, () -> AvroValues.record(s, member, where));
            }
            if (record == null) {
                throw new SeedFormatException(file + ": [" + i + "]: keys " + keys + " are the fields of no genotype"
                        + " version (" + String.join(", ", new TreeSet<>(tried)) + ")");
            }
            out.add(record);
        }
        return out;
    }

    private static GenericRecord mapped(Path file, java.util.function.Supplier<GenericRecord> mapping) {
        try {
            return mapping.get();
        } catch (IllegalArgumentException e) {
            throw new SeedFormatException(file + ": " + e.getMessage(), e);
        }
    }
}
