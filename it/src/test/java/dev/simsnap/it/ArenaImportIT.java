package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.devstack.junit.RequiredTool;
import dev.simsnap.producer.cli.ImportCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * {@code simsnap import} of real-shaped trading-arena save folders against the real stack (broker, registry,
 * snapshot service in this JVM). Python's own {@code pickle} and {@code sqlite3} write the folders
 * ({@code src/test/resources/arena-import/arena_seed.py}: {@code save/init} with optional keys absent, three backups
 * and the run folder, each with {@code classes/*.pkl} and {@code data.db}); the same script, sharing no code with
 * simsnap, is the oracle: it compares each snapshot the service writes (latest, as of each step, as of a clock) and
 * the items REST reads with the folder they came from, object by object, and the restored {@code data.db} with the
 * original by the answers to the same queries; and the Python adapter's {@code load_all} on the imported run's
 * snapshot must give back the pickled objects, so the seed can go on with an imported run. A snackPersona
 * {@code persona_data} folder ({@code persona_seed.py}: the genotype changing shape between generations) imports as a
 * persona-evolution run whose snapshot files have the bytes of the seed's own {@code json.dump}.
 */
@RealKafka
class ArenaImportIT {

    private static final Logger LOG = LoggerFactory.getLogger(ArenaImportIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCRIPT = Path.of("src/test/resources/arena-import/arena_seed.py").toAbsolutePath();
    private static final Path CLIENT = Path.of(System.getProperty("simsnap.python.dir", "../clients/python"))
            .toAbsolutePath().normalize();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    private Path python;

    @Test
    void saveFoldersImportAsStepsOfOneRunAndReadBackAsTheSeedWroteThem(KafkaBroker broker) throws Exception {
        python = NodeSupport.onPath("python3").orElse(null);
        RequiredTool.require("python3", python != null, "put Python 3 on the PATH (Debian: apt-get install python3)");
        Path source = tmp.resolve("src");
        python("make", source.toString());
        JsonNode expected = JSON.readTree(source.resolve("expected.json").toFile());
        List<Path> folders = new ArrayList<>();
        expected.get("folders").forEach(f -> folders.add(source.resolve("save").resolve(f.asText())));
        assertThat(folders).hasSize(5);

        String id = UUID.randomUUID().toString().substring(0, 8);
        String run = "arena-" + id;
        try (Stack stack = Stack.start(broker, tmp, "import-" + id)) {
            String service = stack.service().url();
            List<String> connection = List.of("--bootstrap-servers", broker.bootstrapServers(),
                    "--schema-registry-url", stack.registry().url());

            Cli first = cli(connection, "--run", run, folders);
            assertThat(first.exit).as(first.err).isZero();
            LOG.info("import:\n{}", first.out);
            assertThat(first.out).contains("imported run " + run + ": 5 steps");
            awaitConsistent(service, run, 4);

            // The latest snapshot and the items REST reads are the run folder's objects.
            Path items = tmp.resolve("items");
            for (String person : List.of("0", "1", "2", "-1")) {
                item(service, run, "persons", person, items);
            }
            for (String stock : List.of("0", "1")) {
                item(service, run, "stocks", stock, items);
            }
            item(service, run, "market_index", "", items);
            item(service, run, "market", "", items);
            Path latest = snapshot(service, run, "");
            check(folders.get(4), latest, items);
            // The seed goes on from the imported run: simsnap.arena's load_all gives back its objects.
            python("load", folders.get(4).toString(), latest.toString(), CLIENT.toString(),
                    tmp.resolve("work").toString());

            // As of each step: the folder that step imported (save/init, backups, run folder).
            for (int step = 0; step < folders.size(); step++) {
                check(folders.get(step), snapshot(service, run, "?iteration=" + step), null);
            }
            // The oracle tells folders apart: the last step is not backup_3.
            assertThat(checkOutcome(folders.get(3), snapshot(service, run, "?iteration=4")).ok()).isFalse();
            // As of the simulation's own clock: backup_2's (virtual_date, iteration) is its step.
            JsonNode clock = expected.get("clocks").get("backup_2");
            JsonNode byClock = snapshotResponse(service, run, "?clock=virtual_date:" + clock.get(0).asLong()
                    + ",iteration:" + clock.get(1).asLong());
            assertThat(byClock.get("iteration").asLong()).isEqualTo(2);
            check(folders.get(2), Path.of(byClock.get("path").asText()), null);

            // A second import into the run is refused in one line, and publishes nothing.
            Cli again = cli(connection, "--run", run, folders.subList(4, 5));
            assertThat(again.exit).isEqualTo(1);
            assertThat(again.err.strip()).doesNotContain("\n").contains("run " + run + " already exists")
                    .contains("--replace");
            assertThat(consistentStep(service, run)).isEqualTo(4);

            // --replace: new steps make the run backup_1 again; the replaced history stays readable as of its steps.
            Cli replace = cli(connection, "--run", run, "--replace", folders.subList(1, 2));
            assertThat(replace.exit).as(replace.err).isZero();
            assertThat(replace.out).contains("replaced run " + run + ": 1 steps");
            awaitConsistent(service, run, 5);
            check(folders.get(1), snapshot(service, run, ""), null);
            check(folders.get(4), snapshot(service, run, "?iteration=4"), null);

            // A folder the kind cannot hold (an attribute the persons schema lacks) is refused naming file and
            // attribute, before anything is published.
            String odd = "arena-odd-" + id;
            Cli refused = cli(connection, "--run", odd, List.of(source.resolve("odd")));
            assertThat(refused.exit).isEqualTo(1);
            assertThat(refused.err.strip()).doesNotContain("\n").contains("PERSON_0.pkl").contains("mood");
            HttpResponse<String> none = get(service + "/runs/" + odd);
            assertThat(none.statusCode()).as(none.body()).isEqualTo(404);
        }
    }

    @Test
    void personaDataImportsAsGenerationsWithTheSeedsBytes(KafkaBroker broker) throws Exception {
        python = NodeSupport.onPath("python3").orElse(null);
        RequiredTool.require("python3", python != null, "put Python 3 on the PATH (Debian: apt-get install python3)");
        Path source = tmp.resolve("src");
        NodeSupport.Outcome made = NodeSupport.run(tmp, Duration.ofMinutes(2), Map.of("PYTHONDONTWRITEBYTECODE", "1"),
                python.toString(), SCRIPT.resolveSibling("persona_seed.py").toString(), source.toString());
        assertThat(made.ok()).as(made.describe()).isTrue();
        Path personaData = source.resolve("persona_data");
        String id = UUID.randomUUID().toString().substring(0, 8);
        String run = "persona-" + id;
        try (Stack stack = Stack.start(broker, tmp, "persona-import-" + id)) {
            String service = stack.service().url();
            List<String> connection = List.of("--bootstrap-servers", broker.bootstrapServers(),
                    "--schema-registry-url", stack.registry().url());
            Cli imported = cli(connection, "--run", run, List.of(personaData));
            assertThat(imported.exit).as(imported.err).isZero();
            assertThat(imported.out).contains("imported run " + run + " (persona-evolution): generations [0, 1, 2],"
                    + " transcripts [0]");
            List<String> files = List.of("gen_0.json", "gen_1.json", "gen_2.json", "transcripts_gen_0.json");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(service + "/runs/" + run
                        + "/snapshots")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 201) {
                    return false;
                }
                Path folder = Path.of(JSON.readTree(r.body()).get("path").asText()).resolve("persona_data");
                return files.stream().allMatch(f -> Files.isRegularFile(folder.resolve(f)));
            });
            Path folder = snapshot(service, run, "").resolve("persona_data");
            for (String f : files) {
                assertThat(Files.readAllBytes(folder.resolve(f))).as(f)
                        .isEqualTo(Files.readAllBytes(personaData.resolve(f)));
            }
            try (var listed = Files.list(folder)) {
                assertThat(listed.map(p -> p.getFileName().toString()).sorted().toList()).isEqualTo(files);
            }
            Cli again = cli(connection, "--run", run, List.of(personaData));
            assertThat(again.exit).isEqualTo(1);
            assertThat(again.err.strip()).doesNotContain("\n").contains("run " + run + " already exists");
        }
    }

    private record Cli(int exit, String out, String err) {
    }

    private static Cli cli(List<String> connection, String runOption, String run, List<Path> folders) {
        return cli(connection, runOption, run, null, folders);
    }

    private static Cli cli(List<String> connection, String runOption, String run, String flag, List<Path> folders) {
        List<String> args = new ArrayList<>(connection);
        args.add(runOption);
        args.add(run);
        if (flag != null) {
            args.add(flag);
        }
        folders.forEach(f -> args.add(f.toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ImportCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args.toArray(String[]::new));
        return new Cli(exit, out.toString(), err.toString());
    }

    private void check(Path folder, Path snapshot, Path items) throws Exception {
        List<String> args = new ArrayList<>(List.of("check", folder.toString(), snapshot.toString()));
        if (items != null) {
            args.add(items.toString());
        }
        python(args.toArray(String[]::new));
    }

    private NodeSupport.Outcome checkOutcome(Path folder, Path snapshot) {
        return NodeSupport.run(tmp, Duration.ofMinutes(2), Map.of("PYTHONDONTWRITEBYTECODE", "1"), python.toString(),
                SCRIPT.toString(), "check", folder.toString(), snapshot.toString());
    }

    private void python(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(python.toString(), SCRIPT.toString()));
        command.addAll(List.of(args));
        NodeSupport.Outcome outcome = NodeSupport.run(tmp, Duration.ofMinutes(2),
                Map.of("PYTHONDONTWRITEBYTECODE", "1"), command.toArray(String[]::new));
        assertThat(outcome.ok()).as(outcome.describe()).isTrue();
    }

    private void item(String service, String run, String collection, String id, Path into) throws Exception {
        HttpResponse<String> r = get(service + "/runs/" + run + "/items/" + collection + "?id=" + id);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Path file = into.resolve(collection).resolve(id + ".json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, r.body(), StandardCharsets.UTF_8);
    }

    private Path snapshot(String service, String run, String query) throws Exception {
        return Path.of(snapshotResponse(service, run, query).get("path").asText());
    }

    private JsonNode snapshotResponse(String service, String run, String query) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(service + "/runs/" + run + "/snapshots"
                + query)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private long consistentStep(String service, String run) throws Exception {
        HttpResponse<String> r = get(service + "/runs/" + run);
        return r.statusCode() == 200 ? JSON.readTree(r.body()).path("consistent_iteration").asLong(-1) : -1;
    }

    private void awaitConsistent(String service, String run, long step) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> consistentStep(service, run) >= step);
    }
}
