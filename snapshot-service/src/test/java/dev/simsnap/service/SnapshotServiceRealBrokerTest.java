package dev.simsnap.service;

import static dev.simsnap.schema.delta.EntityType.PERSON;
import static dev.simsnap.schema.delta.EntityType.STOCK;
import static dev.simsnap.schema.delta.Operation.APPEND;
import static dev.simsnap.schema.delta.Operation.UPSERT;
import static dev.simsnap.snapshot.topology.Records.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.serde.AvroSerializer;
import dev.simsnap.snapshot.read.RunState;
import dev.simsnap.snapshot.write.SnapshotWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real Streams app (exactly_once_v2, RocksDB) against the devstack broker and the registry server. */
@RealKafka
class SnapshotServiceRealBrokerTest {

    @TempDir
    Path temp;

    @Test
    void runReachesConsistentIterationAndSnapshotMatches(KafkaBroker broker) throws Exception {
        String run = "real-" + UUID.randomUUID().toString().substring(0, 8);
        try (SchemaRegistryServer registry = SchemaRegistryServer.builder(broker.bootstrapServers()).port(0).build()
                .start()) {
            SnapshotServiceConfig config = SnapshotServiceConfig.of(broker.bootstrapServers(), registry.url(),
                            temp.resolve("state"))
                    .withApplication("snapshot-it-" + run, null)
                    .withStreamsOverrides(Map.of("commit.interval.ms", 100));
            try (SnapshotService service = new SnapshotService(config)) {
                service.start();
                service.awaitRunning(Duration.ofSeconds(60));
                Properties p = new Properties();
                p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
                p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-producer-" + run);
                AvroSerializer<SpecificRecord> values = new AvroSerializer<>();
                values.configure(Map.of("schema.registry.url", registry.url()), false);
                try (KafkaProducer<String, SpecificRecord> producer =
                             new KafkaProducer<>(p, new StringSerializer(), values)) {
                    producer.initTransactions();
                    List<SpecificRecord> records = List.of(
                            started(run, "w1", "w2"),
                            delta(run, "w1", 0, 0, PERSON, "1", UPSERT, person(1, "Ann", 100.0)).build(),
                            commit(run, "w1", 0),
                            delta(run, "w2", 0, 0, STOCK, "0", UPSERT, stock(0, "S", List.of(1.0))).build(),
                            commit(run, "w2", 0),
                            delta(run, "w2", 1, 1, STOCK, "0", APPEND, appendNumbers("past_stock_last_prices", 2.0))
                                    .build(),
                            commit(run, "w2", 1),
                            delta(run, "w1", 1, 1, PERSON, "1", UPSERT, person(1, "Ann", 90.5)).build(),
                            commit(run, "w1", 1),
                            delta(run, "w1", 2, 2, PERSON, "1", UPSERT, person(1, "Ann", 1.0)).build(),
                            commit(run, "w1", 2)); // iteration 2 stays invisible: w2 has not committed it
                    producer.beginTransaction();
                    for (SpecificRecord r : records) {
                        producer.send(new ProducerRecord<>(Contracts.DELTAS_TOPIC, run, r));
                    }
                    producer.commitTransaction();
                }
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                        service.reader().runInfo(run).map(i -> i.consistentIteration() == 1).orElse(false));
                RunState state = service.reader().runState(run).orElseThrow();
                assertThat(state.iteration()).isEqualTo(1);
                Path out = new SnapshotWriter(temp.resolve("snapshots")).write(state);
                assertThat(Files.readString(out.resolve("save/persona.json"))).isEqualTo("""
                        [
                          {
                            "person_id": 1,
                            "name": "Ann",
                            "cash": 90.5
                          }
                        ]
                        """);
                assertThat(Files.readString(out.resolve("save/classes/STOCK_0.json")))
                        .contains("\"past_stock_last_prices\": [\n    1,\n    2\n  ]");
                assertThat(Files.readString(out.resolve("save/information.json")))
                        .isEqualTo("{\n  \"virtual_date\": 101,\n  \"iteration\": 1\n}\n");
                assertThat(service.deadLetterStats().total()).isZero();
            }
        }
    }

    /**
     * Streams state of a version that kept v1 entities as JSON (a written changelog of the store simsnap-entities)
     * cannot be continued: the service refuses to start on it, saying how to rebuild, instead of going on from nothing.
     */
    @Test
    void refusesTheStateOfAVersionThatKeptV1EntitiesAsJson(KafkaBroker broker) throws Exception {
        String app = "entities-" + UUID.randomUUID().toString().substring(0, 8);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(app + "-simsnap-entities-changelog", "r|PERSON|0",
                    "{\"person_id\":0}")).get();
        }
        try (SchemaRegistryServer registry = SchemaRegistryServer.builder(broker.bootstrapServers()).port(0).build()
                .start();
             SnapshotService service = new SnapshotService(SnapshotServiceConfig.of(broker.bootstrapServers(),
                     registry.url(), temp.resolve("state-" + app)).withApplication(app, null))) {
            assertThatThrownBy(service::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(app + "-simsnap-entities-changelog")
                    .hasMessageContaining("new application id");
        }
        // Another application id on the same broker starts: only that application's state is refused.
        try (SchemaRegistryServer registry = SchemaRegistryServer.builder(broker.bootstrapServers()).port(0).build()
                .start();
             SnapshotService service = new SnapshotService(SnapshotServiceConfig.of(broker.bootstrapServers(),
                     registry.url(), temp.resolve("state-new-" + app)).withApplication(app + "-new", null))) {
            service.start();
            service.awaitRunning(Duration.ofSeconds(60));
        }
    }
}
