package dev.simsnap.importer;

import dev.simsnap.model.BuiltInKinds;
import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.Shape;
import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.producer.CollectionSchemas;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.producer.Step;
import dev.simsnap.registry.client.SchemaRegistries;
import dev.simsnap.registry.client.SchemaRegistry;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.schema.run.RunStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Publishes trading-arena save folders as one v2 run of the built-in {@code trading-arena} kind, one step per
 * folder in the order given (e.g. {@code save/init}, {@code save/backup_1} ... {@code save/backup_N},
 * {@code save/sim01}), so as-of reads by step or by clock travel through them.
 *
 * <p>Order of work: the run is looked up (an existing run is refused unless {@link Options#replace}); every folder
 * is mapped onto the kind's collections ({@link ArenaItems}) and the clocks are checked to never go back; only then
 * are schema versions registered (the adapter fields, a {@code PersonaInput} branch, a table whose DDL differs
 * from the registered one, see {@link ArenaSchemas}), the run started ({@link SimsnapWorker#start}) and the steps
 * committed. So a folder that cannot be imported publishes nothing.
 *
 * <p>Step k holds exactly what changes the run from folder k-1's state to folder k's: UPSERT of every item or row
 * that is new or different, DELETE of every item or row folder k lacks. After step k the run's state is folder k's.
 *
 * <p><b>Replace.</b> The log is append-only and a run id is started once: the engine keeps a run's first
 * RunStarted and refuses every record after its RunEnded. So {@code replace} does not erase: it continues the run
 * (same definition, same worker, not ended) with steps whose first one deletes every item and row the run holds
 * (as its committed history says, {@link RunItemIds}) and inserts the first folder's. The snapshot, items reads and
 * as-of reads at or after that step show the new import; as-of reads of earlier steps still show the replaced
 * one. A run that has ended, was forked, or is not a trading-arena state-model run cannot be replaced.
 */
public final class ArenaImporter {

    /** The kind every import is a run of. */
    public static final String KIND = "trading-arena";

    private ArenaImporter() {
    }

    /**
     * What to do besides publishing the folders.
     *
     * @param replace replace an existing run's content (see the class comment) instead of refusing
     * @param end     end the run (RunEnded COMPLETED) after the last step; an ended run can be neither continued nor
     *                replaced
     */
    public record Options(boolean replace, boolean end) {
    }

    /**
     * One committed step.
     *
     * @param step    the step number
     * @param folder  the folder it holds
     * @param clock   its clock
     * @param changes changes sent (upserts and deletes)
     * @param items   items the run holds after it
     * @param rows    rows the run holds after it
     */
    public record StepSummary(long step, String folder, Map<String, Long> clock, int changes, int items, int rows) {
    }

    /**
     * What an import did.
     *
     * @param run      the run id
     * @param replaced true when it replaced an existing run's content
     * @param steps    the steps committed, in order
     * @param skipped  what the folders held that was not imported (one description each)
     */
    public record Result(String run, boolean replaced, List<StepSummary> steps, List<String> skipped) {
    }

    /**
     * Imports {@code folders} (read with {@link SaveFolderReader}) into run {@code runId} as worker
     * {@code workerId}.
     *
     * @throws ImportRefusedException when the run exists and {@code replace} is false, or cannot be replaced
     * @throws SeedFormatException    naming the file and field of a value the kind cannot hold (nothing published)
     */
    public static Result publish(Properties config, String runId, String workerId, List<SaveFolder> folders,
                                 Options options) {
        if (folders.isEmpty()) {
            throw new IllegalArgumentException("nothing to import: give at least one save folder");
        }
        StateModel model = BuiltInKinds.get(KIND);
        Map<String, Object> registryConfig = new HashMap<>();
        config.stringPropertyNames().forEach(k -> registryConfig.put(k, config.getProperty(k)));
        // Looked up without a producer: opening a worker would fence a live one of the same run and worker.
        RunStarted existing = SimsnapWorker.readRunStarted(config, runId).orElse(null);
        if (existing != null) {
            checkReplaceable(runId, workerId, existing, options);
        }
        try (SimsnapWorker worker = SimsnapWorker.builder().environment(Map.of()).config(config).run(runId)
                .worker(workerId).build();
             SchemaRegistry registry = SchemaRegistries.fromConfig(registryConfig)) {
            if (existing != null && worker.state().ended()) {
                throw new ImportRefusedException("run " + runId + " has ended, and nothing follows a RunEnded on the"
                        + " log: it cannot be replaced; import into another run id");
            }

            CollectionSchemas schemas = new CollectionSchemas(registry, model);
            schemas.declare();
            Map<String, Schema> registered = new LinkedHashMap<>();
            Map<String, Schema> writers = new LinkedHashMap<>();
            for (CollectionSpec c : model.collections()) {
                if (c.shape() == Shape.KEYED || c.shape() == Shape.SINGLETON) {
                    Schema latest = schemas.latest(c.name()).schema();
                    registered.put(c.name(), latest);
                    writers.put(c.name(), switch (c.name()) {
                        case "persons", "stocks", "market_index", "market" -> ArenaSchemas.withAdapterFields(latest);
                        default -> latest;
                    });
                }
            }
            if (folders.stream().anyMatch(f -> f.persons().isEmpty() && f.persona().isPresent())) {
                writers.put("persons", ArenaSchemas.withPersonaInput(writers.get("persons")));
            }

            List<FolderState> states = ArenaItems.all(model, folders, writers);
            List<String> skipped = new ArrayList<>();
            folders.forEach(f -> skipped.addAll(f.skipped()));

            writers.forEach((collection, schema) -> {
                if (schema != registered.get(collection)) {
                    schemas.register(collection, schema);
                }
            });
            Set<String> tables = new LinkedHashSet<>();
            for (FolderState state : states) {
                state.rows().forEach((collection, rows) -> rows.values().stream().map(GenericRecord::getSchema)
                        .distinct().forEach(s -> {
                            if (tables.add(collection + "\u0000" + s)) {
                                schemas.register(collection, s);
                            }
                        }));
            }

            Map<String, String> runConfig = new LinkedHashMap<>();
            runConfig.put("source", "simsnap import");
            for (int i = 0; i < folders.size(); i++) {
                runConfig.put("folder." + i, folders.get(i).path().toString());
            }
            worker.start(new RunDefinition(model, List.of(workerId), runConfig, 0L));

            Map<String, Set<String>> live = existing == null ? Map.of() : RunItemIds.read(config, runId);
            List<StepSummary> steps = new ArrayList<>();
            FolderState previous = null;
            for (FolderState state : states) {
                Step step = worker.beginStep(state.clock());
                if (previous == null) {
                    live.forEach((collection, ids) -> ids.forEach(id -> {
                        if (model.collection(collection).map(c -> c.shape() == Shape.ROWS).orElse(false)) {
                            step.deleteRow(collection, Long.parseLong(id));
                        } else {
                            step.delete(collection, id);
                        }
                    }));
                }
                changes(model, previous, state, step);
                int sent = step.size();
                long number = step.commit().step();
                steps.add(new StepSummary(number, state.folder().path().toString(), state.clock(), sent,
                        state.itemCount(), state.rowCount()));
                previous = state;
            }
            if (options.end()) {
                worker.endRun(RunStatus.COMPLETED);
            }
            return new Result(runId, existing != null, List.copyOf(steps), List.copyOf(skipped));
        }
    }

    private static void checkReplaceable(String runId, String workerId, RunStarted existing, Options options) {
        String what = "run " + runId + " already exists (kind " + existing.getKind() + ", started "
                + Instant.ofEpochMilli(existing.getStartedAtMs()) + ", workers " + existing.getExpectedWorkers() + ")";
        if (!options.replace()) {
            throw new ImportRefusedException(what + ": an import never mixes into a run; pass --replace to replace"
                    + " its content, or import into another run id");
        }
        if (existing.getModel() == null || !KIND.equals(existing.getKind())) {
            throw new ImportRefusedException(what + ": only a trading-arena state-model run can be replaced");
        }
        if (existing.getForkedFrom() != null) {
            throw new ImportRefusedException(what + ": it is a fork of " + existing.getForkedFrom().getRunId()
                    + ", whose items its own history does not list; it cannot be replaced");
        }
        if (!existing.getExpectedWorkers().equals(List.of(workerId))) {
            throw new ImportRefusedException(what + ": replacing writes as its only worker, and --worker is "
                    + workerId);
        }
    }

    /** Adds to {@code step} the changes from {@code before} (null: an empty run) to {@code after}. */
    private static void changes(StateModel model, FolderState before, FolderState after, Step step) {
        for (Map.Entry<String, Map<String, GenericRecord>> e : after.items().entrySet()) {
            String collection = e.getKey();
            Map<String, GenericRecord> old = before == null ? Map.of() : before.items().get(collection);
            for (GenericRecord item : e.getValue().values()) {
                Optional<GenericRecord> was = Optional.ofNullable(old.get(idOf(model, collection, item)));
                if (was.isEmpty() || !same(was.get(), item)) {
                    step.upsert(collection, item);
                }
            }
            for (String id : old.keySet()) {
                if (!e.getValue().containsKey(id)) {
                    step.delete(collection, id);
                }
            }
        }
        for (Map.Entry<String, Map<Long, GenericRecord>> e : after.rows().entrySet()) {
            String collection = e.getKey();
            Map<Long, GenericRecord> old = before == null ? Map.of() : before.rows().get(collection);
            for (Map.Entry<Long, GenericRecord> row : e.getValue().entrySet()) {
                GenericRecord was = old.get(row.getKey());
                if (was == null || !same(was, row.getValue())) {
                    step.insertRow(collection, row.getKey(), row.getValue());
                }
            }
            for (long rowid : old.keySet()) {
                if (!e.getValue().containsKey(rowid)) {
                    step.deleteRow(collection, rowid);
                }
            }
        }
    }

    private static String idOf(StateModel model, String collection, GenericRecord item) {
        CollectionSpec c = model.collection(collection).orElseThrow();
        if (c.shape() == Shape.SINGLETON) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (String k : c.key()) {
            parts.add(String.valueOf(item.get(k)));
        }
        return String.join("/", parts);
    }

    /** Same schema and same Avro bytes (GenericRecord.equals ignores map key order, which renders). */
    private static boolean same(GenericRecord a, GenericRecord b) {
        return a.getSchema().equals(b.getSchema())
                && Arrays.equals(ItemCodec.encodeUpsert(a.getSchema(), a), ItemCodec.encodeUpsert(b.getSchema(), b));
    }


}
