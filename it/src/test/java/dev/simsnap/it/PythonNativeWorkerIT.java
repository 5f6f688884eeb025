package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.devstack.junit.RequiredTool;
import java.io.IOException;
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
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second third-party conformance peer beside the Node one: {@code it/python-native/worker.py}, written from
 * PROTOCOL.md sections 1-5.1 with Confluent's Python producer and registry client (Debian python3-confluent-kafka)
 * and Apache Avro's Python library (python3-avro), publishes a run of the epidemic-grid kind as two workers with
 * patches, appends, deletes, row inserts and an aborted-then-retried step. The service must show exactly the state
 * the Python worker computed for itself, and the files must be the bytes Python's {@code json} module writes for it
 * ({@code it/python-native/expected.py}); nothing may be dead-lettered.
 */
@RealKafka
class PythonNativeWorkerIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @Test
    void aNativePythonWorkerPublishesARunTheServiceShows(KafkaBroker broker) throws Exception {
        requireDebianPython();
        String id = UUID.randomUUID().toString().substring(0, 8);
        String run = "pynative-" + id;
        try (Stack stack = Stack.start(broker, tmp, "pynative-" + id)) {
            ObjectNode request = JSON.createObjectNode();
            request.put("bootstrap", broker.bootstrapServers());
            request.put("registry", stack.registry().url());
            request.put("avro_dir", Path.of("../contract/src/main/avro").toAbsolutePath().toString());
            request.put("kind_dir", Path.of("../examples/kinds/epidemic-grid").toAbsolutePath().toString());
            request.put("run", run);
            request.putArray("workers").add("py0").add("py1");
            ArrayNode steps = request.putArray("steps");
            // day 0: py0 sets the parameters (awkward doubles) and two cells, py1 a cell with a unicode tag and a row
            ObjectNode s = step(steps, "py0", 0);
            upsert(s, "params", JSON.createObjectNode().put("beta", 0.1 + 0.2).put("gamma", 1e-7)
                    .set("meta", JSON.createObjectNode()));
            upsert(s, "cells", cell(0, 0, 100, 0));
            upsert(s, "cells", cell(0, 10, 80, 3));
            s = step(steps, "py1", 0);
            ObjectNode c = cell(2, 1, 50, 1);
            ((ArrayNode) c.get("tags")).add("r\u00e9gion \u2603");
            upsert(s, "cells", c);
            row(s, 1, 0, 2, 1, "spread", 1);
            // day 1: py0 patches and appends, py1 inserts rows (its first attempt is aborted, then sent again)
            s = step(steps, "py0", 1);
            patch(s, "cells", "0/0", Map.of("infected", 5, "susceptible", 95));
            append(s, "cells", "0/10", "tags", "edge", "north");
            s = step(steps, "py1", 1);
            s.put("abort_first", true);
            row(s, 2, 1, 2, 1, "spread", 4);
            row(s, 3, 1, 0, 0, "seed", 5);
            // day 2: py0 deletes a cell and sets gamma to -0.0 and beta to 1e21; py1 deletes a row
            s = step(steps, "py0", 2);
            delete(s, "cells", "0/10");
            patch(s, "params", "", Map.of("beta", 1e21, "gamma", -0.0));
            s = step(steps, "py1", 2);
            delete(s, "events", "1");

            Path requestFile = tmp.resolve("request.json");
            Files.writeString(requestFile, JSON.writeValueAsString(request));
            JsonNode result = JSON.readTree(python(Path.of("python-native/worker.py").toAbsolutePath().toString(),
                    requestFile.toString()));
            assertThat(result.path("committed")).hasSize(6);
            assertThat(result.path("aborted").asInt()).isEqualTo(1);

            awaitConsistent(stack.service().url(), run, 2);
            HttpResponse<String> live = post(stack.service().url() + "/runs/" + run + "/snapshots");
            assertThat(live.statusCode()).as(live.body()).isEqualTo(201);
            Map<String, String> files = files(Path.of(JSON.readTree(live.body()).get("path").asText()));
            assertThat(files).isEqualTo(expectedFiles(result.get("state"), "final"));
            assertThat(files.get("params.json")).contains("1e+21", "-0.0");

            // One item through REST equals the Python worker's own state.
            HttpResponse<String> item = get(stack.service().url() + "/runs/" + run + "/items/cells?id=2/1");
            assertThat(item.statusCode()).as(item.body()).isEqualTo(200);
            assertThat(JSON.readTree(item.body())).isEqualTo(result.at("/state/cells/2~11"));

            // As of step 1, rebuilt from history: the deleted cell and row are back, day 2's patch is not there.
            HttpResponse<String> asOf = post(stack.service().url() + "/runs/" + run + "/snapshots?clock=day:1");
            assertThat(asOf.statusCode()).as(asOf.body()).isEqualTo(201);
            Map<String, String> then = files(Path.of(JSON.readTree(asOf.body()).get("path").asText()));
            assertThat(then).containsKey("cells/0_10.json");
            assertThat(then.get("cells/0_10.json")).contains("\"north\"");
            assertThat(then.get("events.json")).contains("\"seed\"", "\"count\": 1");
            assertThat(then.get("params.json")).contains("0.30000000000000004", "1e-07");

            assertThat(deadLetters(broker, run)).as("dead letters of run " + run).isZero();
        }
    }

    private Map<String, String> expectedFiles(JsonNode state, String name) throws Exception {
        Path stateFile = tmp.resolve(name + "-state.json");
        Files.writeString(stateFile, JSON.writeValueAsString(state));
        Path out = tmp.resolve(name + "-expected");
        python(Path.of("python-native/expected.py").toAbsolutePath().toString(), stateFile.toString(), out.toString());
        return files(out);
    }

    private static ObjectNode step(ArrayNode steps, String worker, long day) {
        ObjectNode s = steps.addObject().put("worker", worker);
        s.putObject("clock").put("day", day);
        s.putArray("changes");
        return s;
    }

    private static ObjectNode cell(int x, int y, long susceptible, long infected) {
        ObjectNode c = JSON.createObjectNode().put("x", x).put("y", y).put("susceptible", susceptible)
                .put("infected", infected).put("recovered", 0);
        c.putArray("tags");
        return c;
    }

    private static void upsert(ObjectNode step, String collection, ObjectNode item) {
        ((ArrayNode) step.get("changes")).addObject().put("collection", collection).put("op", "upsert")
                .set("item", item);
    }

    private static void row(ObjectNode step, long rowId, long day, int x, int y, String kind, long count) {
        ((ArrayNode) step.get("changes")).addObject().put("collection", "events").put("op", "upsert")
                .put("id", Long.toString(rowId)).set("item", JSON.createObjectNode().put("day", day).put("x", x)
                        .put("y", y).put("kind", kind).put("count", count));
    }

    private static void patch(ObjectNode step, String collection, String entity, Map<String, Object> set) {
        ObjectNode p = ((ArrayNode) step.get("changes")).addObject().put("collection", collection).put("op", "patch")
                .put("id", entity);
        p.set("set", JSON.valueToTree(new TreeMap<>(set)));
    }

    private static void append(ObjectNode step, String collection, String entity, String path, String... items) {
        ObjectNode a = ((ArrayNode) step.get("changes")).addObject().put("collection", collection).put("op", "append")
                .put("id", entity).put("path", path);
        a.set("items", JSON.valueToTree(List.of(items)));
    }

    private static void delete(ObjectNode step, String collection, String entity) {
        ((ArrayNode) step.get("changes")).addObject().put("collection", collection).put("op", "delete")
                .put("id", entity);
    }

    private static void requireDebianPython() throws Exception {
        boolean ok = Files.isExecutable(PYTHON);
        if (ok) {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import confluent_kafka, avro")
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            ok = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        }
        RequiredTool.require("Debian python3 with confluent_kafka and avro", ok,
                "apt-get install python3-confluent-kafka python3-requests python3-avro");
    }

    private String python(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(PYTHON.toString()));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile(tmp, "python", ".err");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("python finished").isTrue();
        assertThat(p.exitValue()).as("%s failed: %s", cmd, Files.readString(err)).isZero();
        return out;
    }

    private long deadLetters(KafkaBroker broker, String run) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "dlq-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long count = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("simsnap.dead-letter"));
            long deadline = System.currentTimeMillis() + 5_000;
            while (System.currentTimeMillis() < deadline) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                for (var r : records) {
                    if (r.key() != null && run.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        count++;
                    }
                }
            }
        }
        return count;
    }

    private void awaitConsistent(String serviceUrl, String run, long step) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            HttpResponse<String> r = get(serviceUrl + "/runs/" + run);
            return r.statusCode() == 200 && JSON.readTree(r.body()).path("consistent_iteration").asLong(-1) >= step;
        });
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, String> files(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString().replace('\\', '/'), Files.readString(p, StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
