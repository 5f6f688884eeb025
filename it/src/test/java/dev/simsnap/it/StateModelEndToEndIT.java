package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.gateway.GatewayServer;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.producer.Step;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.service.http.SnapshotServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
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
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kind simsnap has no code for ({@code examples/kinds/epidemic-grid}, descriptor + .avsc only), driven by two
 * workers, one through the Java library and one through the HTTP gateway, into the real snapshot service: the
 * consistent cut, the snapshot folder, an as-of snapshot and the observer events. The expected files are written
 * out by hand from what the workers sent.
 */
@RealKafka
class StateModelEndToEndIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @Test
    void aDeclaredKindRunsEndToEnd(KafkaBroker broker) throws Exception {
        StateModel model = StateModel.load(Path.of("../examples/kinds/epidemic-grid"));
        String id = UUID.randomUUID().toString().substring(0, 8);
        String run = "grid-" + id;
        String bootstrap = broker.bootstrapServers();
        try (Stack stack = Stack.start(broker, tmp, "grid-" + id)) {
            SchemaRegistryServer registry = stack.registry();
            GatewayServer gateway = stack.gateway();
            SnapshotServer service = stack.service();
            Properties config = stack.workerConfig(broker);
            Schema cell = model.collection("cells").orElseThrow().latestSchema().orElseThrow();
            Schema params = model.collection("params").orElseThrow().latestSchema().orElseThrow();

            try (SimsnapWorker lib = SimsnapWorker.builder().environment(Map.of()).config(config).run(run)
                    .worker("lib").build()) {
                assertThat(lib.start(new RunDefinition(model, List.of("gw", "lib"), Map.of(), 7))).isTrue();
                for (int day = 0; day < 3; day++) {
                    Step s = lib.beginStep(Map.of("day", (long) day));
                    s.upsert("cells", cell(cell, 0, 0, 100 - 10 * day, 10 * day, 0));
                    if (day == 0) {
                        GenericRecord p = new GenericData.Record(params);
                        p.put("beta", 0.3);
                        p.put("gamma", 0.1);
                        p.put("meta", new java.util.LinkedHashMap<>());
                        s.upsert("params", p);
                    }
                    s.commit();
                    String changes = day == 0
                            ? "[{\"collection\": \"cells\", \"op\": \"upsert\", \"item\": {\"x\": 1, \"y\": 0,"
                            + " \"susceptible\": 50, \"infected\": 0, \"recovered\": 0, \"tags\": [\"edge\"]}}]"
                            : "[{\"collection\": \"cells\", \"op\": \"patch\", \"id\": \"1/0\", \"set\": {\"infected\": "
                            + day + "}}, {\"collection\": \"events\", \"op\": \"insert\", \"row_id\": " + day
                            + ", \"row\": {\"day\": " + day + ", \"x\": 1, \"y\": 0, \"kind\": \"spread\","
                            + " \"count\": " + day + "}}]";
                    HttpResponse<String> r = Http.post(gateway.url() + "/runs/" + run + "/workers/gw/steps",
                            "{\"clock\": {\"day\": " + day + "}, \"changes\": " + changes + "}");
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    assertThat(JSON.readTree(r.body()).get("status").asText()).isEqualTo("committed");
                }
            }
            stack.awaitConsistent(run, 2);

            HttpResponse<String> live = Http.post(service.url() + "/runs/" + run + "/snapshots", "");
            assertThat(live.statusCode()).as(live.body()).isEqualTo(201);
            Map<String, String> files = files(Path.of(JSON.readTree(live.body()).get("path").asText()));
            Map<String, String> expected = new TreeMap<>();
            expected.put("params.json", "{\n  \"beta\": 0.3,\n  \"gamma\": 0.1,\n  \"meta\": {}\n}");
            String c00 = "{\n  \"x\": 0,\n  \"y\": 0,\n  \"susceptible\": 80,\n  \"infected\": 20,\n"
                    + "  \"recovered\": 0,\n  \"tags\": []\n}";
            String c10 = "{\n  \"x\": 1,\n  \"y\": 0,\n  \"susceptible\": 50,\n  \"infected\": 2,\n"
                    + "  \"recovered\": 0,\n  \"tags\": [\n    \"edge\"\n  ]\n}";
            expected.put("cells/0_0.json", c00);
            expected.put("cells/1_0.json", c10);
            expected.put("cells.json", "{\n  \"0/0\": " + c00.replace("\n", "\n  ") + ",\n  \"1/0\": "
                    + c10.replace("\n", "\n  ") + "\n}");
            expected.put("events.json", "[\n  {\n    \"day\": 1,\n    \"x\": 1,\n    \"y\": 0,\n    \"kind\": \"spread\",\n"
                    + "    \"count\": 1\n  },\n  {\n    \"day\": 2,\n    \"x\": 1,\n    \"y\": 0,\n"
                    + "    \"kind\": \"spread\",\n    \"count\": 2\n  }\n]");
            assertThat(files).isEqualTo(expected);

            // As of step 1: the state both workers had committed then, rebuilt from history.
            HttpResponse<String> asOf = Http.post(service.url() + "/runs/" + run + "/snapshots?iteration=1", "");
            assertThat(asOf.statusCode()).as(asOf.body()).isEqualTo(201);
            Map<String, String> then = files(Path.of(JSON.readTree(asOf.body()).get("path").asText()));
            assertThat(then.get("cells/0_0.json")).contains("\"susceptible\": 90", "\"infected\": 10");
            assertThat(then.get("cells/1_0.json")).contains("\"infected\": 1");
            assertThat(then.get("events.json")).contains("\"count\": 1").doesNotContain("\"count\": 2");
            assertThat(then.get("params.json")).isEqualTo(expected.get("params.json"));

            // One item through REST, at the consistent step.
            HttpResponse<String> item = http.send(HttpRequest.newBuilder(URI.create(service.url() + "/runs/" + run
                    + "/items/cells?id=1/0")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(item.statusCode()).as(item.body()).isEqualTo(200);
            assertThat(JSON.readTree(item.body())).isEqualTo(JSON.readTree(c10));
            HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(service.url() + "/runs/" + run
                    + "/items/cells?id=9/9")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(missing.statusCode()).isEqualTo(404);

            // As of the simulation's own clock: day 1 is step 1; a clock the kind does not keep is a 400.
            HttpResponse<String> byClock = Http.post(service.url() + "/runs/" + run + "/snapshots?clock=day:1", "");
            assertThat(byClock.statusCode()).as(byClock.body()).isEqualTo(201);
            assertThat(JSON.readTree(byClock.body()).get("iteration").asLong()).isEqualTo(1);
            assertThat(files(Path.of(JSON.readTree(byClock.body()).get("path").asText()))).isEqualTo(then);
            HttpResponse<String> wrongClock = Http.post(service.url() + "/runs/" + run + "/snapshots?clock=week:1", "");
            assertThat(wrongClock.statusCode()).as(wrongClock.body()).isEqualTo(400);
            assertThat(wrongClock.body()).contains("keeps the clock [day]");

            // Fork at step 1: the new run starts from the source's items then, under the same model, and goes on.
            String forked = run + "-fork";
            picocli.CommandLine fork = new picocli.CommandLine(new dev.simsnap.service.cli.ForkCommand());
            java.io.StringWriter forkErr = new java.io.StringWriter();
            fork.setErr(new java.io.PrintWriter(forkErr, true));
            fork.setOut(new java.io.PrintWriter(new java.io.StringWriter(), true));
            assertThat(fork.execute("--bootstrap-servers", bootstrap, "--schema-registry-url", registry.url(),
                    "--run", run, "--iteration", "1", "--new-run", forked)).as(forkErr.toString()).isZero();
            stack.awaitConsistent(forked, 1);
            HttpResponse<String> forkSnap = Http.post(service.url() + "/runs/" + forked + "/snapshots", "");
            assertThat(forkSnap.statusCode()).as(forkSnap.body()).isEqualTo(201);
            assertThat(files(Path.of(JSON.readTree(forkSnap.body()).get("path").asText()))).isEqualTo(then);
            try (SimsnapWorker lib = SimsnapWorker.builder().environment(Map.of()).config(config).run(forked)
                    .worker("lib").build()) {
                Step s = lib.beginStep(Map.of("day", 2L));
                assertThat(s.step()).isEqualTo(2);
                s.delete("cells", "0/0");
                s.commit();
            }
            HttpResponse<String> gwStep = Http.post(gateway.url() + "/runs/" + forked + "/workers/gw/steps",
                    "{\"clock\": {\"day\": 2}, \"changes\": []}");
            assertThat(gwStep.statusCode()).as(gwStep.body()).isEqualTo(200);
            stack.awaitConsistent(forked, 2);
            HttpResponse<String> forkLater = Http.post(service.url() + "/runs/" + forked + "/snapshots", "");
            assertThat(files(Path.of(JSON.readTree(forkLater.body()).get("path").asText())))
                    .doesNotContainKey("cells/0_0.json").containsKey("cells/1_0.json");

            // Observer events from step 0: one per consistent step, each with the items it changed.
            List<JsonNode> events = events(service.url() + "/runs/" + run + "/events?from=0", 3);
            assertThat(events).extracting(e -> e.get("iteration").asLong()).containsExactly(0L, 1L, 2L);
            JsonNode step2 = events.get(2).get("changes");
            List<String> changed = new ArrayList<>();
            step2.forEach(c -> changed.add(c.get("collection").asText() + "/" + c.get("id").asText()));
            assertThat(changed).containsExactlyInAnyOrder("cells/0/0", "cells/1/0", "events/2");
            step2.forEach(c -> {
                if (c.get("id").asText().equals("1/0")) {
                    assertThat(c.get("value").get("infected").asLong()).isEqualTo(2);
                }
            });
        }
    }

    private static GenericRecord cell(Schema schema, int x, int y, long s, long i, long r) {
        GenericRecord c = new GenericData.Record(schema);
        c.put("x", x);
        c.put("y", y);
        c.put("susceptible", s);
        c.put("infected", i);
        c.put("recovered", r);
        c.put("tags", List.of());
        return c;
    }

    private static Map<String, String> files(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString().replace('\\', '/'), Files.readString(p, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** The first {@code count} {@code iteration} events of an SSE stream. */
    private List<JsonNode> events(String url, int count) throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        List<JsonNode> out = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String event = null;
            String line;
            while (out.size() < count && (line = in.readLine()) != null) {
                if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:") && "iteration".equals(event)) {
                    out.add(JSON.readTree(line.substring(5).trim()));
                }
            }
        }
        return out;
    }
}
