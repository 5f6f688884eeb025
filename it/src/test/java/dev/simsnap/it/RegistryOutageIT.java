package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.gateway.GatewayServer;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.service.http.SnapshotServer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schema registry goes away while a snapshot service that has not seen a run's schemas yet has the run's steps
 * to apply: nothing is dead-lettered, the service stays up (its stream thread is replaced each time the registry
 * client gives up; with static membership a replacement waits for the group to let the dead thread's member go), reads that need a schema answer 503 and an SSE catch-up ends with {@code dropped}
 * ({@code catch-up-failed}) rather than a stream with holes. When a registry answers again on the same address (the
 * same schema store topic, so the same ids), the service applies the steps by itself, each once.
 */
// Its own broker: the dead-letter topic must hold nothing at all.
@RealKafka(restartable = true)
class RegistryOutageIT {

    private static final String MODEL = """
            {"kind": "counter", "clock": ["day"],
             "collections": [
               {"name": "counter", "shape": "singleton", "schemas": [{"type": "record", "name": "Counter",
                 "fields": [{"name": "value", "type": "long"}]}]}],
             "layout": [{"path": "counter.json", "render": "json", "from": "counter"}]}""";

    @TempDir
    Path tmp;

    @Test
    void stepsWaitForTheRegistryInsteadOfBeingDeadLettered(KafkaBroker broker) throws Exception {
        String run = "outage";
        String bootstrap = broker.bootstrapServers();
        KafkaIo.createSimsnapTopics(broker);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String storeTopic = "_simsnap_schemas_outage";
        SchemaRegistryServer registry = registry(bootstrap, port, storeTopic);
        String registryUrl = registry.url();
        GatewayServer gateway = GatewayServer.builder().bootstrapServers(bootstrap).schemaRegistryUrl(registryUrl)
                .port(0).build().start();
        SnapshotServer service = Stack.service(broker, registryUrl, tmp, "outage");
        try {
            String gw = gateway.url();
            HttpResponse<String> started = Http.post(gw + "/runs/" + run + "/start", "{\"model\": " + MODEL
                    + ", \"expected_workers\": [\"w0\"]}");
            assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
            step(gw, run, 0);
            step(gw, run, 1);
            Http.awaitConsistent(service.url(), run, 1, Duration.ofSeconds(60));

            // The service stops; steps 2 and 3 are written meanwhile; then the registry goes away too.
            service.close();
            step(gw, run, 2);
            step(gw, run, 3);
            gateway.close();
            registry.close();

            // A new service process on the same state: it knows no schema yet, and cannot ask for one. (Its Streams
            // may never stay RUNNING long enough to be seen so: its thread dies on the first record it decodes.)
            service = Stack.starting(broker, registryUrl, tmp, "outage");
            SnapshotServer outageService = service;
            Set<String> threadsSeen = new TreeSet<>();
            // The stream thread dies on the record it cannot decode and is replaced (the dying thread's exception is
            // the service's to handle, not this test's).
            await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        threadsSeen.addAll(streamThreads(outageService));
                        return threadsSeen.size() >= 2;
                    });
            assertThat(outageService.service().streams().state()).as("still up")
                    .isIn(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
            assertThat(outageService.service().deadLetterStats().snapshot()).isEmpty();

            // A read that needs the run's item schema: 503 naming the registry (or 503 while the thread is replaced).
            HttpResponse<String> item = Http.get(service.url() + "/runs/" + run + "/items/counter?id=");
            assertThat(item.statusCode()).as(item.body()).isEqualTo(503);
            // An SSE catch-up from history cannot decode it: it says so and ends.
            HttpResponse<String> events = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    service.url() + "/runs/" + run + "/events?from=0")).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(events.body()).contains("event: dropped").contains("catch-up-failed")
                    .doesNotContain("event: iteration");

            // The registry is back on the same address, over the same store: the steps are applied by themselves.
            registry = registry(bootstrap, port, storeTopic);
            String url = service.url();
            await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        HttpResponse<String> r = Http.get(url + "/runs/" + run);
                        return r.statusCode() == 200 && Http.json(r).path("consistent_iteration").asLong(-1) >= 3;
                    });
            HttpResponse<String> counter = Http.get(service.url() + "/runs/" + run + "/items/counter?id=");
            assertThat(counter.statusCode()).as(counter.body()).isEqualTo(200);
            assertThat(Http.json(counter).toString()).contains("\"value\":3");
            assertThat(service.service().deadLetterStats().snapshot()).isEmpty();
            assertThat(deadLetters(bootstrap)).as("records on the dead-letter topic").isZero();
            System.out.printf("[RegistryOutageIT] stream threads during the outage: %s%n", threadsSeen);
        } finally {
            service.close();
            gateway.close();
            registry.close();
        }
    }

    private static SchemaRegistryServer registry(String bootstrap, int port, String storeTopic) {
        return SchemaRegistryServer.builder(bootstrap).port(port).topic(storeTopic).build().start();
    }

    private static Set<String> streamThreads(SnapshotServer service) {
        try {
            return service.service().streams().metadataForLocalThreads().stream().map(t -> t.threadName())
                    .collect(Collectors.toSet());
        } catch (RuntimeException e) {
            return Set.of();
        }
    }

    private static void step(String gateway, String run, int day) {
        HttpResponse<String> r = Http.post(gateway + "/runs/" + run + "/workers/w0/steps", "{\"clock\": {\"day\": "
                + day + "}, \"changes\": [{\"collection\": \"counter\", \"op\": \"upsert\", \"item\": {\"value\": "
                + day + "}}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static long deadLetters(String bootstrap) {
        try (KafkaConsumer<String, byte[]> c = KafkaIo.committedFromStart(bootstrap, Contracts.DEAD_LETTER_TOPIC,
                Duration.ofSeconds(30))) {
            return c.endOffsets(c.assignment()).values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
