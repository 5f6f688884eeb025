package dev.simsnap.producer.cli;

import dev.simsnap.importer.ArenaImporter;
import dev.simsnap.importer.PersonaData;
import dev.simsnap.importer.PersonaImporter;
import dev.simsnap.importer.SaveFolder;
import dev.simsnap.importer.SaveFolderReader;
import dev.simsnap.schema.contract.RunIds;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code import}: publishes trading-arena save folders as one run of the built-in trading-arena kind
 * ({@link ArenaImporter}), or a snackPersona {@code persona_data} folder as a persona-evolution run
 * ({@link PersonaImporter}).
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Publish trading-arena save folders (information.json, persona.json, stocks.json,"
                + " classes/*.pkl, data.db) as one run of the built-in trading-arena kind: one step per folder, in the"
                + " order given, so as-of reads travel through them. For example:",
            "  simsnap import --run sim01 save/init save/backup_{1..3} save/sim01",
            "Every folder is read and checked first; any error publishes nothing. No Python is needed.",
            "A snackPersona persona_data folder (gen_<N>.json, transcripts_gen_<N>.json) is imported alone as a run"
                + " of the built-in persona-evolution kind.",
            "An existing run is refused unless --replace: its history stays (as-of reads of earlier steps), and new"
                + " steps delete everything it holds and insert the folders."})
public final class ImportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--run", required = true, paramLabel = "RUN", description = "Run id (the seed's SAVE_NAME).")
    String runId;

    @Parameters(arity = "1..*", paramLabel = "FOLDER", description = "Save folders, oldest first.")
    List<Path> folders = new ArrayList<>();

    @Option(names = "--worker", defaultValue = "w0", paramLabel = "ID",
            description = "Worker id (default: ${DEFAULT-VALUE}, the worker simsnap.arena's save_all writes as, so"
                    + " the seed can go on with the run after load_all).")
    String workerId;

    @Option(names = "--replace", description = "Replace the content of an existing (not ended) run of this worker"
            + " instead of refusing.")
    boolean replace;

    @Option(names = "--end", description = "End the run after importing (it can then be neither continued nor"
            + " replaced).")
    boolean end;

    @Override
    public Integer call() {
        return Failures.run("import", spec.commandLine().getErr(), () -> {
            RunIds.require("run id", runId);
            RunIds.require("worker id", workerId);
            if (folders.stream().anyMatch(PersonaData::isPersonaData)) {
                return importPersonaData();
            }
            Set<Path> seen = new HashSet<>();
            List<SaveFolder> read = new ArrayList<>();
            for (Path folder : folders) {
                if (!seen.add(folder.toAbsolutePath().normalize())) {
                    throw new IllegalArgumentException(folder + ": given twice");
                }
                read.add(SaveFolderReader.read(folder));
            }
            ArenaImporter.Result result = ArenaImporter.publish(connection.resolve(), runId, workerId, read,
                    new ArenaImporter.Options(replace, end));
            PrintWriter out = spec.commandLine().getOut();
            for (ArenaImporter.StepSummary s : result.steps()) {
                out.printf("step %d: %s clock %s: %d changes, %d items, %d rows%n", s.step(), s.folder(), s.clock(),
                        s.changes(), s.items(), s.rows());
            }
            for (String s : result.skipped()) {
                out.printf("not imported: %s%n", s);
            }
            out.printf("%s run %s: %d steps%s%n", result.replaced() ? "replaced" : "imported", runId,
                    result.steps().size(), end ? ", ended" : "");
            out.flush();
            return 0;
        });
    }

    private int importPersonaData() {
        if (folders.size() != 1) {
            throw new IllegalArgumentException("a persona_data folder (gen_<N>.json) is imported alone, into a run of"
                    + " its own (kind persona-evolution); got " + folders.size() + " folders");
        }
        if (replace) {
            throw new IllegalArgumentException("--replace is not possible for a persona_data import: generations"
                    + " cannot be deleted; import into another run id");
        }
        PersonaData data = PersonaData.read(folders.get(0));
        PersonaImporter.Result result = PersonaImporter.publish(connection.resolve(), runId, workerId, data, end);
        PrintWriter out = spec.commandLine().getOut();
        for (String s : data.skipped()) {
            out.printf("not imported: %s%n", s);
        }
        out.printf("imported run %s (persona-evolution): generations %s, transcripts %s%s%n", runId,
                result.generations(), result.transcripts(), end ? ", ended" : "");
        out.flush();
        return 0;
    }
}
