package dev.simsnap.service.http;

import static dev.simsnap.service.http.TestCluster.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.snapshot.store.SnapshotStores;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

/** Two instances of one application id share the runs; either answers for every run, byte-identically. */
@RealKafka
class TwoInstancesTest {

    private static final List<String> RUNS = List.of("alpha", "bravo", "charlie", "delta", "echo", "foxtrot");

    @Test
    void everyRunThroughEitherInstance(KafkaBroker broker) throws Exception {
        String appId = "snap-two-" + UUID.randomUUID();
        try (SchemaRegistryServer registry = SchemaRegistryServer.builder(broker.bootstrapServers()).port(0)
                .topic("_schemas-" + UUID.randomUUID()).build().start();
             TestCluster cluster = new TestCluster(broker.bootstrapServers(), registry.url());
             SnapshotServer a = server(broker, registry, cluster, appId);
             SnapshotServer b = server(broker, registry, cluster, appId)) {
            a.awaitRunning(Duration.ofSeconds(60));
            b.awaitRunning(Duration.ofSeconds(60));
            for (int i = 0; i < RUNS.size(); i++) {
                cluster.publishRun(RUNS.get(i), 2 + i % 2, i % 2 == 0);
            }
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() ->
                    bothRunning(a, b) && allConsistent(a.url()) && allConsistent(b.url()));

            Set<HostInfo> owners = new HashSet<>();
            for (String run : RUNS) {
                owners.add(a.service().streams().queryMetadataForKey(SnapshotStores.RUN_META, run,
                        new StringSerializer()).activeHost());
            }
            assertThat(owners).as("both instances own some runs").hasSize(2);

            assertThat(call("GET", a.url() + "/runs").body()).isEqualTo(call("GET", b.url() + "/runs").body());
            for (String run : RUNS) {
                String owner = ClusterRouter.address(a.service().streams().queryMetadataForKey(
                        SnapshotStores.RUN_META, run, new StringSerializer()).activeHost());
                HttpResponse<byte[]> viaA = call("GET", a.url() + "/runs/" + run + "/snapshot");
                HttpResponse<byte[]> viaB = call("GET", b.url() + "/runs/" + run + "/snapshot");
                assertThat(viaA.statusCode()).as(run).isEqualTo(200);
                assertThat(viaB.statusCode()).as(run).isEqualTo(200);
                assertThat(viaA.body()).as(run + " byte-identical through both").isEqualTo(viaB.body());
                assertThat(viaA.headers().firstValue(ClusterRouter.SERVED_BY_HEADER)).hasValue(owner);
                assertThat(viaB.headers().firstValue(ClusterRouter.SERVED_BY_HEADER)).hasValue(owner);
                assertThat(viaA.headers().firstValue("Content-Type")).hasValue("application/zip");
                boolean hasGeneration = RUNS.indexOf(run) % 2 == 0;
                assertThat(TestCluster.unzip(viaA.body()).keySet().contains(run + "/persona_data/gen_0.json"))
                        .as(run + " generations included wherever their store lives").isEqualTo(hasGeneration);
                assertThat(call("GET", b.url() + "/runs/" + run + "/entities/person/100").statusCode())
                        .isEqualTo(200);
            }
            assertThat(call("GET", b.url() + "/runs/unknown-run").statusCode()).isEqualTo(404);
        }
    }

    private static boolean bothRunning(SnapshotServer a, SnapshotServer b) {
        return a.service().streams().state() == KafkaStreams.State.RUNNING
                && b.service().streams().state() == KafkaStreams.State.RUNNING;
    }

    private static boolean allConsistent(String url) throws Exception {
        HttpResponse<byte[]> r = call("GET", url + "/runs");
        if (r.statusCode() != 200) {
            return false;
        }
        JsonNode runs = ApiJson.MAPPER.readTree(r.body()).get("runs");
        if (runs.size() != RUNS.size()) {
            return false;
        }
        for (JsonNode run : runs) {
            int i = RUNS.indexOf(run.get("run").asText());
            if (run.get("consistent_iteration").asLong() != 1 + i % 2) {
                return false;
            }
            if (i % 2 == 0) {
                HttpResponse<byte[]> g = call("GET", url + "/runs/" + RUNS.get(i) + "/generations");
                if (g.statusCode() != 200 || ApiJson.MAPPER.readTree(g.body()).get("generations").size() != 1) {
                    return false;
                }
            }
        }
        return true;
    }

    private static SnapshotServer server(KafkaBroker broker, SchemaRegistryServer registry, TestCluster cluster,
                                         String appId) throws Exception {
        return SnapshotServer.builder().bootstrapServers(broker.bootstrapServers())
                .schemaRegistryUrl(registry.url()).stateDir(TestCluster.tempDir("state-"))
                .outputRoot(TestCluster.tempDir("out-")).http("127.0.0.1", 0).applicationId(appId)
                .topics(cluster.topics).partitions(2).streamsProperty("commit.interval.ms", 50).build().start();
    }
}
