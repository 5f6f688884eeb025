package dev.simsnap.service.http;

import static dev.simsnap.service.http.TestCluster.call;
import static dev.simsnap.service.http.TestCluster.folder;
import static dev.simsnap.service.http.TestCluster.text;
import static dev.simsnap.service.http.TestCluster.unzip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.registry.server.SchemaRegistryServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The REST API of one instance on a real broker and a real registry. */
@RealKafka
class SnapshotServerTest {

    private static SchemaRegistryServer registry;
    private static TestCluster cluster;
    private static SnapshotServer server;
    private static Path outputRoot;
    private static String url;

    @BeforeAll
    static void start(KafkaBroker broker) throws Exception {
        registry = SchemaRegistryServer.builder(broker.bootstrapServers()).port(0)
                .topic("_schemas-" + UUID.randomUUID()).build().start();
        cluster = new TestCluster(broker.bootstrapServers(), registry.url());
        outputRoot = TestCluster.tempDir("snapshots-");
        server = SnapshotServer.builder().bootstrapServers(broker.bootstrapServers())
                .schemaRegistryUrl(registry.url()).stateDir(TestCluster.tempDir("state-"))
                .outputRoot(outputRoot).http("127.0.0.1", 0)
                .applicationId("snap-it-" + UUID.randomUUID()).topics(cluster.topics)
                .streamsProperty("commit.interval.ms", 50).build().start();
        server.awaitRunning(Duration.ofSeconds(60));
        url = server.url();
        cluster.publishRun("r1", 3, true);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            HttpResponse<byte[]> r = call("GET", url + "/runs/r1/generations");
            return r.statusCode() == 200 && json(r).get("generations").size() == 1
                    && json(call("GET", url + "/runs/r1")).get("consistent_iteration").asLong() == 2;
        });
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    static JsonNode json(HttpResponse<byte[]> r) throws Exception {
        return ApiJson.MAPPER.readTree(r.body());
    }

    @Test
    void runsListAndDetail() throws Exception {
        JsonNode list = json(call("GET", url + "/runs"));
        assertThat(list.get("runs")).hasSize(1);
        assertThat(list.get("runs").get(0).get("run").asText()).isEqualTo("r1");
        assertThat(list.get("runs").get(0).get("kind").asText()).isEqualTo("trading-arena");
        assertThat(list.get("runs").get(0).get("consistent_iteration").asLong()).isEqualTo(2);

        JsonNode run = json(call("GET", url + "/runs/r1"));
        assertThat(run.get("expected_workers").toString()).isEqualTo("[\"w1\",\"w2\"]");
        assertThat(run.get("workers")).hasSize(2);
        assertThat(run.get("workers").get(0).get("worker").asText()).isEqualTo("w1");
        assertThat(run.get("workers").get(0).get("last_committed_iteration").asLong()).isEqualTo(2);
        assertThat(run.get("lag").asLong()).isZero();
        assertThat(run.get("ended").asBoolean()).isFalse();
    }

    @Test
    void snapshotFolderZipEntitiesAndGenerations() throws Exception {
        HttpResponse<byte[]> posted = call("POST", url + "/runs/r1/snapshots");
        assertThat(posted.statusCode()).as(text(posted)).isEqualTo(201);
        JsonNode answer = json(posted);
        assertThat(answer.get("run").asText()).isEqualTo("r1");
        assertThat(answer.get("iteration").asLong()).isEqualTo(2);
        Path folder = Path.of(answer.get("path").asText());
        assertThat(folder).isEqualTo(outputRoot.resolve("r1"));

        SortedMap<String, byte[]> files = folder(folder);
        assertThat(files.keySet()).containsExactly("persona_data/gen_0.json", "save/classes/PERSON_1.json",
                "save/classes/PERSON_100.json", "save/classes/STOCK_0.json", "save/information.json",
                "save/persona.json", "save/stocks.json");
        assertThat(new String(files.get("save/information.json"))).contains("\"iteration\": 2");

        HttpResponse<byte[]> zip = call("GET", url + "/runs/r1/snapshot");
        assertThat(zip.statusCode()).isEqualTo(200);
        assertThat(zip.headers().firstValue("Content-Type")).hasValue("application/zip");
        assertThat(zip.headers().firstValue("Content-Disposition").orElse("")).contains("r1.zip");
        Map<String, byte[]> entries = unzip(zip.body());
        List<String> expectedNames = new ArrayList<>();
        files.keySet().forEach(k -> expectedNames.add("r1/" + k));
        assertThat(entries.keySet()).containsExactlyElementsOf(expectedNames);
        files.forEach((k, v) -> assertThat(entries.get("r1/" + k)).as(k).isEqualTo(v));
        assertThat(call("GET", url + "/runs/r1/snapshot").body()).as("deterministic zip").isEqualTo(zip.body());

        HttpResponse<byte[]> person = call("GET", url + "/runs/r1/entities/person/1");
        assertThat(person.statusCode()).isEqualTo(200);
        assertThat(person.body()).isEqualTo(files.get("save/classes/PERSON_1.json"));
        assertThat(json(call("GET", url + "/runs/r1/entities/stock/0")).get("stock_name").asText())
                .isEqualTo("ACME");

        assertThat(json(call("GET", url + "/runs/r1/generations")).get("generations").toString()).isEqualTo("[0]");
        HttpResponse<byte[]> gen = call("GET", url + "/runs/r1/generations/0");
        assertThat(gen.statusCode()).isEqualTo(200);
        assertThat(gen.body()).isEqualTo(files.get("persona_data/gen_0.json"));

        String metrics = text(call("GET", url + "/metrics"));
        assertThat(metrics).contains("simsnap_snapshots_written_total").contains("simsnap_dead_letters_total")
                .contains("simsnap_http_requests_seconds");
        assertThat(call("GET", url + "/health").statusCode()).isEqualTo(200);
    }

    @Test
    void clientErrors() throws Exception {
        expectError("GET", "/runs/..%2F..%2Fetc/snapshot", 400, "invalid");
        expectError("POST", "/runs/..%2F..%2Fetc/snapshots", 400, "invalid");
        expectError("POST", "/runs/../../etc/snapshots", 400, "invalid run id '..': it is a '..' segment");
        expectError("POST", "/runs/.hidden/snapshots", 400, "invalid run id");
        expectError("GET", "/runs/a%20b", 400, "invalid run id");
        expectError("GET", "/runs/nope", 404, "unknown run 'nope'");
        expectError("POST", "/runs/nope/snapshots", 404, "unknown run 'nope'");
        expectError("GET", "/runs/nope/snapshot", 404, "unknown run 'nope'");
        expectError("GET", "/runs/r1/entities/planet/1", 400, "unknown entity type 'planet'");
        expectError("GET", "/runs/r1/entities/person/x1", 400, "person id must be");
        expectError("GET", "/runs/r1/entities/person/7", 404, "has no person '7'");
        expectError("GET", "/runs/r1/entities/document/x", 400, "?collection=");
        expectError("GET", "/runs/r1/generations/abc", 400, "generation must be");
        expectError("GET", "/runs/r1/generations/9", 404, "no visible generation 9");
        expectError("POST", "/runs/r1/snapshots?iteration=x", 400, "iteration must be");
        expectError("POST", "/runs/r1/snapshots?iteration=3", 409, "consistent only up to iteration 2");
        expectError("GET", "/runs/r1/snapshot?iteration=99", 409, "iteration 99 is not available");
        expectError("POST", "/runs/nope/snapshots?iteration=1", 404, "unknown run 'nope'");
        expectError("POST", "/runs/r1/snapshots?generation=1", 409, "no visible generation 1");
        expectError("POST", "/runs/r1/snapshots?generation=0&iteration=1", 400, "either");
        expectError("GET", "/nothing-here", 404, "no endpoint");
        try (Stream<Path> names = Files.list(outputRoot)) {
            assertThat(names.map(p -> p.getFileName().toString()).filter(n -> !n.equals("r1"))).isEmpty();
        }
        assertThat(outputRoot.getParent().resolve("etc")).doesNotExist();

        // A generation snapshot as of generation 0: persona_data only, same bytes as the live gen_0.json.
        HttpResponse<byte[]> gen = call("POST", url + "/runs/r1/snapshots?generation=0");
        assertThat(gen.statusCode()).as(text(gen)).isEqualTo(201);
        SortedMap<String, byte[]> files = folder(outputRoot.resolve("r1@g0"));
        assertThat(files.keySet()).containsExactly("persona_data/gen_0.json");
        assertThat(files.get("persona_data/gen_0.json")).isEqualTo(call("GET", url + "/runs/r1/generations/0").body());
    }

    private static void expectError(String method, String path, int status, String message) throws Exception {
        HttpResponse<byte[]> r = call(method, url + path);
        assertThat(r.statusCode()).as(method + " " + path + ": " + text(r)).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).as(text(r)).startsWith("application/json");
        JsonNode body = json(r);
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("error").asText()).as(path).contains(message).doesNotContain("\n");
    }
}
