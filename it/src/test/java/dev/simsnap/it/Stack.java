package dev.simsnap.it;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.gateway.GatewayServer;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.service.http.SnapshotServer;
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
        SnapshotServer service = SnapshotServer.builder().bootstrapServers(broker.bootstrapServers())
                .schemaRegistryUrl(registryUrl).stateDir(dir.resolve("state")).outputRoot(dir.resolve("out"))
                .http("127.0.0.1", 0).applicationId("simsnap-" + name).partitions(3)
                .streamsProperty("commit.interval.ms", 100).build().start();
        service.awaitRunning(Duration.ofSeconds(60));
        return service;
    }

    /** Client properties of a worker library on this stack. */
    Properties workerConfig(KafkaBroker broker) {
        Properties config = new Properties();
        config.setProperty("bootstrap.servers", broker.bootstrapServers());
        config.setProperty("schema.registry.url", registry.url());
        return config;
    }

    @Override
    public void close() {
        service.close();
        gateway.close();
        registry.close();
    }
}
