package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.producer.Step;
import dev.simsnap.service.http.SnapshotServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generations of a state-model run through REST and as-of snapshots, on the real service: a kind declared here (a
 * clock {@code epoch}, a generations collection) saves generation 0 at step 0, generation 1 at step 1 and generation
 * 0 again at step 2 (a new version). The listing shows both versions; the latest read shows the re-save; as of step 1,
 * and as of the clock then, the first save; as-of snapshots hold each generation as it was at their step. The step
 * markers on {@code simsnap.current-state} carry the clock. Every expected value is written out by hand.
 */
@RealKafka
class GenerationVersionsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KIND = """
            {"kind": "breeding-lab", "clock": ["epoch"],
             "collections": [
               {"name": "lab", "shape": "singleton", "schemas": [{"type": "record", "name": "Lab",
                 "fields": [{"name": "epoch", "type": "long"}]}]},
               {"name": "population", "shape": "generations", "schemas": [{"type": "record", "name": "Genome",
                 "fields": [{"name": "name", "type": "string"}, {"name": "fitness", "type": "double"}]}]}],
             "layout": [{"path": "lab.json", "render": "json", "from": "lab", "format": "python", "indent": null},
                        {"path": "gen/gen_{generation}.json", "render": "generations", "from": "population",
                         "format": "python", "indent": 2}]}""";

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @Test
    void reSavingAGenerationMakesAVersionThatAsOfReadsTellApart(KafkaBroker broker) throws Exception {
        StateModel model = StateModel.parse(KIND, f -> null);
        Schema genome = model.collection("population").orElseThrow().latestSchema().orElseThrow();
        Schema lab = model.collection("lab").orElseThrow().latestSchema().orElseThrow();
        String id = UUID.randomUUID().toString().substring(0, 8);
        String run = "lab-" + id;
        try (Stack stack = Stack.start(broker, tmp, "gens-" + id)) {
            SnapshotServer service = stack.service();
            String base = service.url() + "/runs/" + run;
            try (SimsnapWorker w = SimsnapWorker.builder().environment(Map.of()).config(stack.workerConfig(broker))
                    .run(run).worker("w0").build()) {
                assertThat(w.start(new RunDefinition(model, List.of("w0"), Map.of(), 1))).isTrue();
                for (int step = 0; step < 3; step++) {
                    long epoch = 100L * (step + 1);
                    Step s = w.beginStep(Map.of("epoch", epoch));
                    GenericRecord l = new GenericData.Record(lab);
                    l.put("epoch", epoch);
                    s.upsert("lab", l);
                    s.commit();
                    switch (step) {
                        case 0 -> w.saveGeneration("population", 0, List.of(genome(genome, "a0", 0.5)), 0L);
                        case 1 -> w.saveGeneration("population", 1,
                                List.of(genome(genome, "b0", 0.25), genome(genome, "b1", 0.75)), 1L);
                        default -> w.saveGeneration("population", 0, List.of(genome(genome, "a0-again", 1.5)), 2L);
                    }
                }
            }

            // The listing: every generation id once, and each generation's versions with their steps and sizes.
            String listing = """
                    {"run": "%s", "consistent_step": 2, "generations": [0, 1], "collections": [
                      {"collection": "population", "generations": [
                        {"generation": 0, "versions": [{"version": 0, "step": 0, "member_count": 1},
                                                       {"version": 1, "step": 2, "member_count": 1}]},
                        {"generation": 1, "versions": [{"version": 0, "step": 1, "member_count": 2}]}]}]}"""
                    .formatted(run);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                HttpResponse<String> r = get(base + "/generations");
                return r.statusCode() == 200 && JSON.readTree(r.body()).equals(JSON.readTree(listing));
            });

            // The latest version; as of step 1 and as of the clock then (epoch 250: step 1), the first save.
            String first = """
                    {"run": "%s", "collection": "population", "generation": 0, "version": 0, "step": 0,
                     "member_count": 1, "members": [{"name": "a0", "fitness": 0.5}]}""".formatted(run);
            String again = """
                    {"run": "%s", "collection": "population", "generation": 0, "version": 1, "step": 2,
                     "member_count": 1, "members": [{"name": "a0-again", "fitness": 1.5}]}""".formatted(run);
            assertJson(get(base + "/generations/0"), again);
            assertJson(get(base + "/generations/0?collection=population"), again);
            assertJson(get(base + "/generations/0?step=2"), again);
            assertJson(get(base + "/generations/0?step=1"), first);
            assertJson(get(base + "/generations/0?step=0"), first);
            assertJson(get(base + "/generations/0?clock=epoch:250"), first);
            assertJson(get(base + "/generations/0?clock=epoch:300"), again);
            assertJson(get(base + "/generations/1?step=1"), """
                    {"run": "%s", "collection": "population", "generation": 1, "version": 0, "step": 1,
                     "member_count": 2, "members": [{"name": "b0", "fitness": 0.25}, {"name": "b1", "fitness": 0.75}]}"""
                    .formatted(run));

            // Errors: 404 / 400 / 409 JSON bodies saying what is wrong.
            assertError(get(base + "/generations/1?step=0"), 404, "run '" + run + "' has no version of generation 1"
                    + " in collection 'population' saved at or before step 0 (its first version was saved at step 1)");
            assertError(get(base + "/generations/7"), 404, "run '" + run + "' has no generation 7 in collection"
                    + " 'population'");
            assertError(get(base + "/generations/0?collection=lab"), 404, "run '" + run + "' has no generations"
                    + " collection 'lab' (its generations collections: population)");
            assertError(get(base + "/generations/0?step=9"), 409, "run '" + run + "' is consistent only up to step 2;"
                    + " step 9 is not available");
            assertError(get(base + "/generations/0?step=x"), 400, "step must be a non-negative whole number, got 'x'");
            assertError(get(base + "/generations/0?step=1&clock=epoch:200"), 400, "use either ?step= or ?clock=");
            assertError(get(base + "/generations/0?clock=epoch:50"), 409, "run '" + run + "' has no consistent step"
                    + " at or before the clock {epoch=50}");
            assertError(get(service.url() + "/runs/nobody-" + id + "/generations"), 404, "unknown run 'nobody-" + id
                    + "'");

            // Snapshots: the live one shows the latest version; as-of ones each generation as it was at their step.
            String a0 = "[\n  {\n    \"name\": \"a0\",\n    \"fitness\": 0.5\n  }\n]";
            String a0Again = "[\n  {\n    \"name\": \"a0-again\",\n    \"fitness\": 1.5\n  }\n]";
            String b = "[\n  {\n    \"name\": \"b0\",\n    \"fitness\": 0.25\n  },\n  {\n    \"name\": \"b1\",\n"
                    + "    \"fitness\": 0.75\n  }\n]";
            assertThat(snapshot(base + "/snapshots")).isEqualTo(Map.of("lab.json", "{\"epoch\": 300}",
                    "gen/gen_0.json", a0Again, "gen/gen_1.json", b));
            Map<String, String> atStep1 = snapshot(base + "/snapshots?iteration=1");
            assertThat(atStep1).isEqualTo(Map.of("lab.json", "{\"epoch\": 200}", "gen/gen_0.json", a0,
                    "gen/gen_1.json", b));
            assertThat(snapshot(base + "/snapshots?clock=epoch:250")).isEqualTo(atStep1);
            assertThat(snapshot(base + "/snapshots?iteration=0")).isEqualTo(Map.of("lab.json", "{\"epoch\": 100}",
                    "gen/gen_0.json", a0));
            assertThat(snapshot(base + "/snapshots?iteration=2")).isEqualTo(Map.of("lab.json", "{\"epoch\": 300}",
                    "gen/gen_0.json", a0Again, "gen/gen_1.json", b));

            // The step markers on simsnap.current-state carry the clock committed for their step.
            List<ConsumerRecord<String, byte[]>> markers = KafkaIo.readByKey(broker.bootstrapServers(),
                    "simsnap.current-state", run + "|ITERATION", 3, Duration.ofSeconds(60));
            assertThat(markers).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly(
                    "{\"run\":\"" + run + "\",\"iteration\":0,\"virtual_date\":0,\"clock\":{\"epoch\":100}}",
                    "{\"run\":\"" + run + "\",\"iteration\":1,\"virtual_date\":0,\"clock\":{\"epoch\":200}}",
                    "{\"run\":\"" + run + "\",\"iteration\":2,\"virtual_date\":0,\"clock\":{\"epoch\":300}}");
        }
    }

    private static GenericRecord genome(Schema schema, String name, double fitness) {
        GenericRecord g = new GenericData.Record(schema);
        g.put("name", name);
        g.put("fitness", fitness);
        return g;
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertJson(HttpResponse<String> r, String expected) throws Exception {
        assertThat(r.statusCode()).as(r.uri() + ": " + r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body())).as(r.uri().toString()).isEqualTo(JSON.readTree(expected));
    }

    private static void assertError(HttpResponse<String> r, int status, String message) throws Exception {
        assertThat(r.statusCode()).as(r.uri() + ": " + r.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("error").asText()).isEqualTo(message);
    }

    /** POSTs a snapshot request and answers the folder's files (relative path to text). */
    private Map<String, String> snapshot(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(201);
        Path dir = Path.of(JSON.readTree(r.body()).get("path").asText());
        Map<String, String> out = new TreeMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString().replace('\\', '/'), Files.readString(p, StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
