package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.registry.client.RestSchemaRegistryClient;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.serde.AvroSerializer;
import dev.simsnap.serde.WireFormat;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A step whose {@code IterationCommitted.delta_count} is not the number of StateDeltas its worker sent, written by a
 * plain transactional KafkaProducer (each step one transaction, as the protocol says) on the real broker, with the
 * real registry and service: the commit and the step's deltas land on {@code simsnap.dead-letter} with reason
 * {@code delta-count-mismatch}, nothing of the step is visible over REST, and the worker's next step (the same step
 * number, sent again with a true count) is applied; "as of a clock" ignores the refused commit's clock.
 */
@RealKafka
class DeltaCountIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @Test
    void aCommitDeclaringTheWrongCountIsDeadLetteredWithItsStepAndTheRunGoesOn(KafkaBroker broker) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String run = "dcount-" + id;
        StateModel model = StateModel.load(Path.of("../examples/kinds/epidemic-grid"));
        try (Stack stack = Stack.start(broker, tmp, "dcount-" + id);
             RestSchemaRegistryClient registry = RestSchemaRegistryClient.builder().urls(stack.registry().url())
                     .build();
             KafkaProducer<String, byte[]> producer = transactional(broker.bootstrapServers(), "dcount-tx-" + id)) {
            try (SimsnapWorker w = SimsnapWorker.builder().environment(Map.of()).config(stack.workerConfig(broker))
                    .run(run).worker("w").build()) {
                assertThat(w.start(new RunDefinition(model, List.of("w"), Map.of(), 1))).isTrue(); // registers
            }
            producer.initTransactions();
            AvroSerializer<SpecificRecord> avro = new AvroSerializer<>(registry, Map.of(), false);
            CollectionSpec cells = model.collection("cells").orElseThrow();
            Schema cell = cells.latestSchema().orElseThrow();
            int cellId = registry.lookup(cells.subject(), cell).id();
            long[] sequence = {0};
            java.util.function.BiFunction<String, Long, StateDelta> upsert = (cellKey, infected) -> {
                String[] xy = cellKey.split("/");
                return StateDelta.newBuilder().setRunId(run).setWorkerId("w").setSequence(sequence[0]++)
                        .setIteration(0).setEntityType(null).setEntityId(cellKey).setCollection("cells")
                        .setOp(Operation.UPSERT).setPatchFields(List.of()).setPayload(null)
                        .setItem(ByteBuffer.wrap(WireFormat.frame(cellId, ItemCodec.encodeUpsert(cell,
                                GridCells.cell(cell, Integer.parseInt(xy[0]), Integer.parseInt(xy[1]), infected)))))
                        .build();
            };

            // Step 0: one cell, declared 1.
            StateDelta first = StateDelta.newBuilder(upsert.apply("0/0", 1L)).setIteration(0).build();
            transaction(producer, avro, run, List.of(first, commit(run, 0, 1, sequence[0] - 1)));
            stack.awaitConsistent(run, 0);

            // Step 1: two cells sent, three declared (and a clock no step of the run reaches: the refused commit must
            // not count for "as of a clock" either).
            StateDelta a = StateDelta.newBuilder(upsert.apply("0/0", 50L)).setIteration(1).build();
            StateDelta b = StateDelta.newBuilder(upsert.apply("1/1", 5L)).setIteration(1).build();
            IterationCommitted wrong = IterationCommitted.newBuilder(commit(run, 1, 3, sequence[0] - 1))
                    .setClock(Map.of("day", 50L)).build();
            transaction(producer, avro, run, List.of(a, b, wrong));
            List<ConsumerRecord<String, byte[]>> dead = KafkaIo.readByKey(broker.bootstrapServers(),
                    Contracts.DEAD_LETTER_TOPIC, run, 3, Duration.ofSeconds(60));
            assertThat(dead).extracting(r -> KafkaIo.header(r, "simsnap.dlq.reason"))
                    .containsExactly("delta-count-mismatch", "delta-count-mismatch", "delta-count-mismatch");
            assertThat(dead.subList(0, 2)).extracting(r -> KafkaIo.header(r, "simsnap.dlq.value.format"))
                    .containsExactly("avro-single-object", "avro-single-object");
            assertThat(StateDelta.fromByteBuffer(ByteBuffer.wrap(dead.get(0).value()))).isEqualTo(a);
            assertThat(StateDelta.fromByteBuffer(ByteBuffer.wrap(dead.get(1).value()))).isEqualTo(b);
            assertThat(dead.get(2).value()).as("the commit, refused on arrival: its own bytes")
                    .isEqualTo(avro.serialize(Contracts.DELTAS_TOPIC, wrong));
            assertThat(KafkaIo.header(dead.get(2), "simsnap.dlq.detail")).contains("delta_count 3").contains("sent 2");

            // Nothing of step 1 is visible.
            JsonNode detail = JSON.readTree(Http.get(stack.service().url() + "/runs/" + run).body());
            assertThat(detail.get("consistent_iteration").asLong()).isZero();
            // The run's info tells the worker its commit was refused.
            JsonNode worker = detail.get("workers").get(0);
            assertThat(worker.get("last_committed_iteration").asLong()).isZero();
            assertThat(worker.get("refused_steps").asLong()).isEqualTo(1);
            assertThat(worker.get("last_refusal").toString())
                    .isEqualTo("{\"step\":1,\"reason\":\"delta-count-mismatch\"}");
            assertThat(stack.item(run, "cells", "0/0").get("infected").asLong()).isEqualTo(1);
            assertThat(Http.get(stack.service().url() + "/runs/" + run + "/items/cells?id=1/1").statusCode())
                    .isEqualTo(404);

            // The worker sends step 1 again with a true count (new sequences): it is applied.
            StateDelta again = StateDelta.newBuilder(upsert.apply("0/0", 2L)).setIteration(1).build();
            transaction(producer, avro, run, List.of(again, commit(run, 1, 1, sequence[0] - 1)));
            stack.awaitConsistent(run, 1);
            assertThat(stack.item(run, "cells", "0/0").get("infected").asLong()).isEqualTo(2);
            assertThat(Http.get(stack.service().url() + "/runs/" + run + "/items/cells?id=1/1").statusCode())
                    .as("a refused step's delta is never applied later").isEqualTo(404);

            // And the next step too; no further dead letter was written.
            StateDelta later = StateDelta.newBuilder(upsert.apply("1/1", 7L)).setIteration(2).build();
            transaction(producer, avro, run, List.of(later, commit(run, 2, 1, sequence[0] - 1)));
            stack.awaitConsistent(run, 2);
            assertThat(stack.item(run, "cells", "1/1").get("infected").asLong()).isEqualTo(7);
            assertThat(KafkaIo.readByKey(broker.bootstrapServers(), Contracts.DEAD_LETTER_TOPIC, run, 3,
                    Duration.ofSeconds(5))).hasSize(3);

            // As of the clock day 1: the step committed with day 1 (the refused commit's day 50 is not the run's).
            HttpResponse<String> byClock = http.send(HttpRequest.newBuilder(URI.create(stack.service().url()
                    + "/runs/" + run + "/snapshots?clock=day:1")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(byClock.statusCode()).as(byClock.body()).isEqualTo(201);
            assertThat(JSON.readTree(byClock.body()).get("iteration").asLong()).isEqualTo(1);
        }
    }

    private static KafkaProducer<String, byte[]> transactional(String bootstrap, String transactionalId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** Sends {@code records} of {@code run} in one committed transaction. */
    private static void transaction(KafkaProducer<String, byte[]> producer, AvroSerializer<SpecificRecord> avro,
                                    String run, List<SpecificRecord> records) throws Exception {
        producer.beginTransaction();
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        for (SpecificRecord r : records) {
            sent.add(producer.send(new ProducerRecord<>(Contracts.DELTAS_TOPIC, run,
                    avro.serialize(Contracts.DELTAS_TOPIC, r))));
        }
        producer.commitTransaction();
        for (java.util.concurrent.Future<?> f : sent) {
            f.get();
        }
    }

    private static IterationCommitted commit(String run, long step, int declared, long lastSequence) {
        return IterationCommitted.newBuilder().setRunId(run).setWorkerId("w").setIteration(step)
                .setDeltaCount(declared).setLastSequence(lastSequence).setClock(Map.of("day", step)).build();
    }
}
