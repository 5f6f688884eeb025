package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.producer.Step;
import dev.simsnap.snapshot.store.SnapshotStores;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README: "with {@code num.standby.replicas=1} a standby answers while the owner is away". Two instances of one
 * application on one broker: A in this JVM, B a child process. For a run whose partition B owns and A keeps a standby
 * of, B is killed with SIGKILL; while the group still names the dead B as the owner (its session has not timed out),
 * A answers the run's reads from its standby -- marked stale -- with the same bytes B served before it died.
 */
@RealKafka
class StandbyReadIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FORWARDED = "X-Simsnap-Forwarded";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @TempDir
    Path tmp;

    @Test
    void aStandbyAnswersWhileTheOwnerIsDown(KafkaBroker broker) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String name = "standby-" + id;
        Process b = null;
        try (Stack stack = Stack.start(broker, tmp.resolve("a"), name)) {
            String a = stack.service().url();
            HostInfo hostA = HostInfo.buildFromEndpoint(stack.service().applicationServer());
            int portB = Chaos.freePort();
            HostInfo hostB = new HostInfo("127.0.0.1", portB);
            b = child(broker, stack, "simsnap-" + name, portB);
            String bUrl = "http://127.0.0.1:" + portB;
            awaitHealthy(bUrl, b);

            // A run whose partition B owns, with A keeping its standby replica.
            KafkaStreams streams = stack.service().service().streams();
            AtomicReference<String> chosen = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                for (int k = 0; k < 64; k++) {
                    String candidate = name + "-" + k;
                    KeyQueryMetadata m = metadata(streams, candidate);
                    if (m != null && hostB.equals(m.activeHost()) && m.standbyHosts().contains(hostA)) {
                        chosen.set(candidate);
                        return true;
                    }
                }
                return false;
            });
            String run = chosen.get();

            StateModel model = StateModel.load(Path.of("../examples/kinds/epidemic-grid"));
            Schema cell = model.collection("cells").orElseThrow().latestSchema().orElseThrow();
            try (SimsnapWorker w = SimsnapWorker.builder().environment(Map.of()).config(stack.workerConfig(broker))
                    .run(run).worker("w").build()) {
                assertThat(w.start(new RunDefinition(model, List.of("w"), Map.of(), 3))).isTrue();
                for (int day = 0; day < 5; day++) {
                    Step s = w.beginStep(Map.of("day", (long) day));
                    s.upsert("cells", cell(cell, day, 0, 100 - day));
                    s.upsert("cells", cell(cell, 0, 0, day));
                    s.commit();
                }
            }
            // B (the owner) has applied the run; A's standby has caught up (a forwarded request is answered locally).
            awaitStep(bUrl, run, 4, Map.of());
            awaitStep(a, run, 4, Map.of(FORWARDED, "true"));
            HttpResponse<String> before = post(bUrl + "/runs/" + run + "/snapshots");
            assertThat(before.statusCode()).as(before.body()).isEqualTo(201);
            Map<String, String> served = files(Path.of(JSON.readTree(before.body()).get("path").asText()));
            String item = get(bUrl + "/runs/" + run + "/items/cells?id=0/0", Map.of()).body();

            b.destroyForcibly(); // SIGKILL: B leaves no group, commits nothing, closes nothing
            assertThat(b.waitFor(15, TimeUnit.SECONDS)).isTrue();
            assertThat(metadata(streams, run).activeHost()).as("the group still names the dead B as owner")
                    .isEqualTo(hostB);

            HttpResponse<String> info = get(a + "/runs/" + run, Map.of());
            assertThat(info.statusCode()).as(info.body()).isEqualTo(200);
            assertThat(JSON.readTree(info.body()).get("consistent_iteration").asLong()).isEqualTo(4);
            assertThat(info.headers().firstValue("X-Simsnap-Stale")).contains("true");
            assertThat(info.headers().firstValue("X-Simsnap-Served-By")).contains(stack.service().applicationServer());
            HttpResponse<String> read = get(a + "/runs/" + run + "/items/cells?id=0/0", Map.of());
            assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
            assertThat(read.body()).isEqualTo(item);
            HttpResponse<String> snapshot = post(a + "/runs/" + run + "/snapshots");
            assertThat(snapshot.statusCode()).as(snapshot.body()).isEqualTo(201);
            assertThat(files(Path.of(JSON.readTree(snapshot.body()).get("path").asText())))
                    .as("the standby's snapshot vs the one the owner wrote before it died").isEqualTo(served);
            assertThat(metadata(streams, run).activeHost()).as("still answered while B was the named owner")
                    .isEqualTo(hostB);
        } finally {
            if (b != null) {
                b.destroyForcibly();
            }
        }
    }

    private static KeyQueryMetadata metadata(KafkaStreams streams, String run) {
        try {
            return streams.queryMetadataForKey(SnapshotStores.RUN_META, run, new StringSerializer());
        } catch (RuntimeException e) { // rebalancing
            return null;
        }
    }

    private Process child(KafkaBroker broker, Stack stack, String applicationId, int port) throws Exception {
        return Chaos.serviceProcess(broker.bootstrapServers(), stack.registry().url(), applicationId,
                tmp.resolve("b-state"), tmp.resolve("b-out"), port, tmp.resolve("b.log"));
    }

    private void awaitHealthy(String url, Process p) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(p.isAlive()).as("instance B exited; log in %s", tmp.resolve("b.log")).isTrue();
            HttpResponse<String> r = Chaos.get(url + "/runs");
            return r != null && r.statusCode() == 200;
        });
    }

    private void awaitStep(String url, String run, long step, Map<String, String> headers) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            HttpResponse<String> r = get(url + "/runs/" + run, headers);
            return r.statusCode() == 200 && JSON.readTree(r.body()).path("consistent_iteration").asLong(-1) >= step;
        });
    }

    private HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
        headers.forEach(r::header);
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static GenericRecord cell(Schema schema, int x, int y, long infected) {
        GenericRecord c = new GenericData.Record(schema);
        c.put("x", x);
        c.put("y", y);
        c.put("susceptible", 100L - infected);
        c.put("infected", infected);
        c.put("recovered", 0L);
        c.put("tags", List.of("t" + x));
        return c;
    }

    private static Map<String, String> files(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), Files.readString(p));
            }
        }
        return out;
    }
}
