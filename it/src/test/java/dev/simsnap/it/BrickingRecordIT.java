package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.model.StateModel;
import dev.simsnap.registry.client.RestSchemaRegistryClient;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.serde.AvroSerializer;
import dev.simsnap.service.http.SnapshotServer;
import dev.simsnap.snapshot.deadletter.DeadLetterHeaders;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records the topic accepts but whose consequences are too large for Kafka (a dead letter of a record close to the
 * broker's 1 MB limit, run metadata holding a huge model) used to kill the stream thread on every start. Here they
 * are dead-lettered with a reason, the stream thread stays up, /health is 200, later steps are applied, and a
 * restart on the same state dir comes back.
 */
// Its own broker: the records sent here would be read by every other test's service on the shared topics.
@RealKafka(restartable = true)
class BrickingRecordIT {

    /** A value this close to the broker's limit (1,048,588 bytes a batch) still fits on the topic. */
    private static final int NEAR_LIMIT = 1_048_400;

    @TempDir
    Path tmp;

    @Test
    void aRecordWhoseResultIsTooLargeIsDeadLetteredAndTheStreamGoesOn(KafkaBroker broker) throws Exception {
        StateModel model = StateModel.load(Path.of("../examples/kinds/epidemic-grid"));
        String run = "brick";
        String bootstrap = broker.bootstrapServers();
        long t0 = System.nanoTime();
        try (Stack stack = Stack.start(broker, tmp, "brick")) {
            String gw = stack.gateway().url();
            ObjectNode start = Http.JSON.createObjectNode();
            start.set("model", Http.JSON.readTree(model.toJson()));
            start.putArray("expected_workers").add("w0");
            HttpResponse<String> started = Http.post(gw + "/runs/" + run + "/start", start.toString());
            assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
            step(gw, run, 0);

            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2_000_000);
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(props);
                 RestSchemaRegistryClient registry = RestSchemaRegistryClient.builder()
                         .urls(stack.registry().url()).build()) {
                // 1. Not Avro, just under the limit: its dead letter (value + the dlq headers) is over it.
                byte[] garbage = new byte[NEAR_LIMIT];
                java.util.Arrays.fill(garbage, (byte) 'x');
                raw.send(new ProducerRecord<>(Contracts.DELTAS_TOPIC, run, garbage)).get();
                // 2. A valid RunStarted whose model, escaped into the run's metadata, was over the limit. The model is
                // now stored once, as sent, outside the metadata (and a record the broker takes cannot exceed a store
                // record), so the run simply starts.
                String huge = model.toJson().replaceFirst("\"doc\":\"", "\"doc\":\"" + "\\\\\\\"".repeat(300_000));
                assertThat(StateModel.parse(huge, f -> null).kind()).isEqualTo("epidemic-grid");
                RunStarted big = RunStarted.newBuilder().setRunId("brick-model").setKind("epidemic-grid")
                        .setExpectedWorkers(List.of("w0")).setConfig(Map.of()).setRandomSeed(0)
                        .setStartedAtMs(System.currentTimeMillis()).setForkedFrom(null).setModel(huge).build();
                byte[] bytes = new AvroSerializer<RunStarted>(registry, Map.of(), false)
                        .serialize(Contracts.DELTAS_TOPIC, big);
                raw.send(new ProducerRecord<>(Contracts.DELTAS_TOPIC, "brick-model", bytes)).get();
            }
            step(gw, run, 1);
            SnapshotServer service = stack.service();
            Http.awaitConsistent(service.url(), run, 1, Duration.ofSeconds(60));
            assertThat(service.service().streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
            assertThat(Http.get(service.url() + "/health").statusCode()).isEqualTo(200);

            ConsumerRecord<String, byte[]> garbageLetter = KafkaIo.readByKey(bootstrap, Contracts.DEAD_LETTER_TOPIC,
                    run, 1, Duration.ofSeconds(30)).get(0);
            assertThat(header(garbageLetter, DeadLetterHeaders.REASON)).isEqualTo(DeadLetterReasons.BAD_MAGIC_BYTE);
            assertThat(header(garbageLetter, DeadLetterHeaders.VALUE_OMITTED)).isEqualTo("" + NEAR_LIMIT);
            assertThat(garbageLetter.value()).isNull();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> Http.get(service.url() + "/runs/brick-model").statusCode() == 200);
            assertThat(service.service().streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
            System.out.printf("[BrickingRecordIT] bricking record dead-lettered, big model stored (%s), stream %s, %d ms%n",
                    service.service().deadLetterStats().snapshot(), service.service().streams().state(),
                    (System.nanoTime() - t0) / 1_000_000);

            // The dead letters are counted on /metrics (also after a garbage collection).
            System.gc();
            String metrics = Http.get(service.url() + "/metrics").body();
            assertThat(metrics).contains("simsnap_dead_letters_total 1.0");

            // The same data dir starts again and goes on; what a kill during a snapshot left is swept at start.
            service.close();
            Path leftover = java.nio.file.Files.createDirectories(tmp.resolve("out").resolve(
                    "." + run + ".tmp-" + java.util.UUID.randomUUID()).resolve("save"));
            java.nio.file.Files.writeString(leftover.resolve("half.json"), "{");
            SnapshotServer again = Stack.service(broker, stack.registry().url(), tmp, "brick");
            try {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> !java.nio.file.Files.exists(leftover.getParent()));
                step(gw, run, 2);
                Http.awaitConsistent(again.url(), run, 2, Duration.ofSeconds(60));
                assertThat(Http.get(again.url() + "/health").statusCode()).isEqualTo(200);
            } finally {
                again.close();
            }
        }
    }

    private static void step(String gateway, String run, int day) {
        HttpResponse<String> r = Http.post(gateway + "/runs/" + run + "/workers/w0/steps", "{\"clock\": {\"day\": "
                + day + "}, \"changes\": [{\"collection\": \"cells\", \"op\": \"upsert\", \"item\": {\"x\": 0, "
                + "\"y\": 0, \"susceptible\": " + (100 - day) + ", \"infected\": " + day + ", \"recovered\": 0}}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
