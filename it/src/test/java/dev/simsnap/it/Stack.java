package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.gateway.GatewayServer;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.service.http.SnapshotServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

/** A registry, an ingest gateway and a snapshot service on one broker, each with names of its own. */
record Stack(SchemaRegistryServer registry, GatewayServer gateway, SnapshotServer service) implements AutoCloseable {

    /** Starts the three and waits until the service is running; {@code name} keeps their topics and ids apart. */
    static Stack start(KafkaBroker broker, Path dir, String name) throws Exception {
        String bootstrap = broker.bootstrapServers();
        KafkaIo.createSimsnapTopics(broker);
        SchemaRegistryServer registry = SchemaRegistryServer.builder(bootstrap).port(0)
                .topic("_simsnap_schemas_" + name).build().start();
        GatewayServer gateway = GatewayServer.builder().bootstrapServers(bootstrap).schemaRegistryUrl(registry.url())
                .port(0).build().start();
        return new Stack(registry, gateway, service(broker, registry.url(), dir, name));
    }

    /** Starts a snapshot service of the stack {@code name} on {@code dir} (again, after a close: same state). */
    static SnapshotServer service(KafkaBroker broker, String registryUrl, Path dir, String name) throws Exception {
        SnapshotServer service = starting(broker, registryUrl, dir, name);
        service.awaitRunning(Duration.ofSeconds(60));
        return service;
    }

    /** {@link #service} without waiting until its Streams is running. */
    static SnapshotServer starting(KafkaBroker broker, String registryUrl, Path dir, String name) {
        return SnapshotServer.builder().bootstrapServers(broker.bootstrapServers())
                .schemaRegistryUrl(registryUrl).stateDir(dir.resolve("state")).outputRoot(dir.resolve("out"))
                .http("127.0.0.1", 0).applicationId("simsnap-" + name).partitions(3)
                .streamsProperty("commit.interval.ms", 100).build().start();
    }

    /** Client properties of a worker library on this stack. */
    Properties workerConfig(KafkaBroker broker) {
        Properties config = new Properties();
        config.setProperty("bootstrap.servers", broker.bootstrapServers());
        config.setProperty("schema.registry.url", registry.url());
        return config;
    }

    /** Waits up to 60 s until the service reports a consistent step of at least {@code step} of {@code run}. */
    void awaitConsistent(String run, long step) {
        Http.awaitConsistent(service.url(), run, step, Duration.ofSeconds(60));
    }

    /**
     * Writes a snapshot of {@code run} through the service's REST API ({@code POST /runs/{run}/snapshots} with
     * {@code query}, "" or "?iteration=..." and the like), asserts it was created (201) and returns its folder.
     */
    /** {@code GET /runs/{run}/items/{collection}?id=} of the service, which must answer 200. */
    com.fasterxml.jackson.databind.JsonNode item(String run, String collection, String id) {
        java.net.http.HttpResponse<String> r = Http.get(service.url() + "/runs/" + run + "/items/" + collection
                + "?id=" + id);
        if (r.statusCode() != 200) {
            throw new AssertionError("item " + collection + "/" + id + " of " + run + ": " + r.statusCode() + " "
                    + r.body());
        }
        return Http.json(r);
    }

    Path snapshot(String run, String query) {
        HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(service.url() + "/runs/" + run
                + "/snapshots" + query)).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Path.of(Http.json(r).get("path").asText());
    }

    @Override
    public void close() {
        service.close();
        gateway.close();
        registry.close();
    }
}
