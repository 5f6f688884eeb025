package dev.simsnap.producer.cli;

import dev.simsnap.importer.SeedFolder;
import dev.simsnap.importer.SeedFolderReader;
import dev.simsnap.importer.SeedImporter;
import dev.simsnap.producer.ProgressReporter;
import dev.simsnap.schema.contract.RunIds;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code import}: publishes a seed-format save folder and/or persona_data folder as a run. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Publish a seed-format folder as a run: upserts in one iteration (the folder's iteration), "
                + "then generations.", "Everything is parsed first; any error publishes nothing."})
public final class ImportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--run", required = true, paramLabel = "RUN", description = "Run id.")
    String runId;

    @Option(names = "--save-dir", paramLabel = "DIR",
            description = "Save folder: information.json, persona.json, stocks.json.")
    Path saveDir;

    @Option(names = "--persona-dir", paramLabel = "DIR", description = "persona_data folder: gen_<N>.json files.")
    Path personaDir;

    @Option(names = "--worker", defaultValue = "import", paramLabel = "ID",
            description = "Worker id (default: ${DEFAULT-VALUE}).")
    String workerId;

    @Option(names = "--keep-open", description = "Do not end the run after importing.")
    boolean keepOpen;

    @Override
    public Integer call() {
        return Failures.run("import", spec.commandLine().getErr(), () -> {
            RunIds.require("run id", runId);
            RunIds.require("worker id", workerId);
            SeedFolder folder = SeedFolderReader.read(saveDir, personaDir);
            Map<String, String> runConfig = new TreeMap<>();
            if (saveDir != null) {
                runConfig.put("save_dir", saveDir.toString());
            }
            if (personaDir != null) {
                runConfig.put("persona_dir", personaDir.toString());
            }
            try (ProgressReporter progress = new ProgressReporter("import " + runId, System.err)) {
                SeedImporter.publish(connection.resolve(), runId, workerId, folder, runConfig, !keepOpen, progress);
            }
            spec.commandLine().getOut().printf("imported run %s: %d persons, %d stocks, %d generations%n", runId,
                    folder.persons().size(), folder.stocks().size(), folder.generations().size());
            return 0;
        });
    }
}
