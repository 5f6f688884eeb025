package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.devstack.junit.RequiredTool;
import dev.simsnap.producer.Iteration;
import dev.simsnap.producer.RunSpec;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.service.http.SnapshotServer;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Node worker written from PROTOCOL.md only (it/node/worker.js: kafkajs + Confluent's schema registry client)
 * publishes iterations next to a Java {@link SimsnapWorker} in the same run; the snapshot holds both workers'
 * state at the consistent iteration.
 */
@RealKafka
class NodeWorkerIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static Person person(int id, double cash) {
        return new Person(id, "J" + id, "Teacher", "Buy low.", "long", "100", cash, 20.0, 3, null, null, null,
                null, null, null);
    }

    @Test
    void snapshotHoldsTheStateOfTheJavaAndTheNodeWorker(KafkaBroker broker) throws Exception {
        Optional<Path> node = NodeSupport.onPath("node");
        Optional<Path> npm = NodeSupport.onPath("npm");
        RequiredTool.require("node and npm", node.isPresent() && npm.isPresent(), NodeSupport.INSTALL_HINT);
        Path nodeDir = Path.of(System.getProperty("simsnap.node.dir", "node")).toAbsolutePath();
        Path avroDir = Path.of(System.getProperty("simsnap.avro.dir", "../contract/src/main/avro")).toAbsolutePath();
        NodeSupport.ensureInstalled(npm.get(), nodeDir, Duration.ofMinutes(5));

        String id = UUID.randomUUID().toString().substring(0, 8);
        String run = "mixed-" + id;
        String bootstrap = broker.bootstrapServers();
        KafkaIo.createSimsnapTopics(broker);
        try (SchemaRegistryServer registry = SchemaRegistryServer.builder(bootstrap).port(0)
                     .topic("_simsnap_schemas_nodeworker_" + id).build().start();
             SnapshotServer service = SnapshotServer.builder().bootstrapServers(bootstrap)
                     .schemaRegistryUrl(registry.url()).stateDir(tmp.resolve("state")).outputRoot(tmp.resolve("out"))
                     .http("127.0.0.1", 0).applicationId("simsnap-nodeworker-" + id).partitions(3)
                     .streamsProperty("commit.interval.ms", 100).build().start()) {
            service.awaitRunning(Duration.ofSeconds(60));
            Map<String, Object> config = new HashMap<>();
            config.put("bootstrap.servers", bootstrap);
            config.put("schema.registry.url", registry.url());
            try (SimsnapWorker java = SimsnapWorker.builder().environment(Map.of()).config(config).run(run)
                    .worker("java0").build()) {
                java.startRun(RunSpec.of("mixed", "java0", "node0"));
                for (int it = 1; it <= 3; it++) {
                    try (Iteration i = java.beginIteration(it, it)) {
                        i.upsert(person(1, 100.0 * it));
                        i.upsert(person(2, 200.0 * it));
                        i.commit();
                    }
                }
            }

            ObjectNode request = JSON.createObjectNode();
            request.put("registryUrl", registry.url());
            request.put("bootstrap", bootstrap);
            request.put("avroDir", avroDir.toString());
            request.put("run", run);
            request.put("worker", "node0");
            ArrayNode iterations = request.putArray("iterations");
            for (int it = 1; it <= 3; it++) {
                ObjectNode iteration = iterations.addObject().put("iteration", it).put("virtual_date", it);
                ArrayNode deltas = iteration.putArray("deltas");
                if (it == 1) {
                    ObjectNode upsert = deltas.addObject().put("entity_type", "PERSON").put("entity_id", "100")
                            .put("op", "UPSERT");
                    upsert.putObject("payload").putObject("dev.simsnap.schema.delta.Person").put("person_id", 100)
                            .put("name", "N100").put("occupation", "Coder").put("principle", "Hold.")
                            .put("investment_duration", "short").put("daily_income_from_job", "50")
                            .put("cash", 5.0).put("minimum_living_expense", 1.0).put("reflect_frequency", 2);
                    ObjectNode stock = deltas.addObject().put("entity_type", "STOCK").put("entity_id", "7")
                            .put("op", "UPSERT");
                    ObjectNode s = stock.putObject("payload").putObject("dev.simsnap.schema.delta.Stock")
                            .put("stock_id", 7).put("stock_name", "NODE").put("DPS", 0.5).put("quantity", 1000);
                    s.putArray("past_stock_last_prices").add(10.0);
                } else {
                    ObjectNode patch = deltas.addObject().put("entity_type", "PERSON").put("entity_id", "100")
                            .put("op", "PATCH");
                    patch.putArray("patch_fields").add("cash");
                    patch.putObject("payload").putObject("dev.simsnap.schema.delta.Person").put("person_id", 100)
                            .put("cash", 5.0 * it);
                    ObjectNode append = deltas.addObject().put("entity_type", "STOCK").put("entity_id", "7")
                            .put("op", "APPEND");
                    ObjectNode a = append.putObject("payload").putObject("dev.simsnap.schema.delta.ListAppend")
                            .put("field", "past_stock_last_prices");
                    a.putArray("numbers").add(10.0 + it);
                }
            }
            Path file = tmp.resolve("worker-request.json");
            Files.writeString(file, JSON.writeValueAsString(request), StandardCharsets.UTF_8);
            NodeSupport.Outcome outcome = NodeSupport.run(nodeDir, Duration.ofMinutes(2), Map.of(),
                    node.get().toString(), "worker.js", file.toString());
            assertThat(outcome.ok()).as(outcome.describe()).isTrue();
            assertThat(outcome.result().path("committed")).as(outcome.describe()).hasSize(3);

            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.currentTimeMillis() + 60_000;
            JsonNode detail = null;
            while (System.currentTimeMillis() < deadline) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(service.url() + "/runs/" + run))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    detail = JSON.readTree(r.body());
                    if (detail.path("consistent_iteration").asLong() >= 3) {
                        break;
                    }
                }
                Thread.sleep(200);
            }
            assertThat(detail).isNotNull();
            assertThat(detail.path("consistent_iteration").asLong()).as(detail.toString()).isEqualTo(3);

            byte[] zip = http.send(HttpRequest.newBuilder(URI.create(service.url() + "/runs/" + run + "/snapshot"))
                    .build(), HttpResponse.BodyHandlers.ofByteArray()).body();
            Map<String, JsonNode> files = new HashMap<>();
            try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
                for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                    if (e.getName().endsWith(".json")) {
                        files.put(e.getName().substring(run.length() + 1), JSON.readTree(in.readAllBytes()));
                    }
                }
            }
            JsonNode persona = files.get("save/persona.json");
            assertThat(persona).as(files.keySet().toString()).hasSize(3);
            Map<Integer, Double> cash = new HashMap<>();
            persona.forEach(p -> cash.put(p.get("person_id").asInt(), p.get("cash").asDouble()));
            assertThat(cash).containsEntry(1, 300.0).containsEntry(2, 600.0).containsEntry(100, 15.0);
            JsonNode stocks = files.get("save/stocks.json");
            assertThat(stocks).hasSize(1);
            assertThat(stocks.get(0).path("stock_name").asText()).isEqualTo("NODE");
            java.util.List<Double> prices = new java.util.ArrayList<>();
            stocks.get(0).path("past_stock_last_prices").forEach(p -> prices.add(p.asDouble()));
            assertThat(prices).containsExactly(10.0, 12.0, 13.0);
            assertThat(files.get("save/information.json").path("iteration").asLong()).isEqualTo(3);
        }
    }
}
