package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead letters on the real broker, with the real registry and service: records written by a plain KafkaProducer
 * (so the test controls every field a library would get right) -- an item body that does not decode, a delta sent
 * twice, a delta on another partition than its run's -- each lands on {@code simsnap.dead-letter} with its reason, the source coordinates and (refused on
 * arrival) its own bytes, and the run goes on: the next good steps are applied and read back over REST.
 */
@RealKafka
class DeadLetterIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @Test
    void refusedRecordsAreDeadLetteredWithTheirReasonAndTheRunGoesOn(KafkaBroker broker) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String run = "dlq-" + id;
        StateModel model = StateModel.load(Path.of("../examples/kinds/epidemic-grid"));
        try (Stack stack = Stack.start(broker, tmp, "dlq-" + id);
             RestSchemaRegistryClient registry = RestSchemaRegistryClient.builder().urls(stack.registry().url())
                     .build();
             KafkaProducer<String, byte[]> raw = KafkaIo.producer(broker.bootstrapServers())) {
            try (SimsnapWorker w = SimsnapWorker.builder().environment(Map.of()).config(stack.workerConfig(broker))
                    .run(run).worker("w").build()) {
                assertThat(w.start(new RunDefinition(model, List.of("w"), Map.of(), 1))).isTrue(); // registers
            }
            AvroSerializer<SpecificRecord> avro = new AvroSerializer<>(registry, Map.of(), false);
            CollectionSpec cells = model.collection("cells").orElseThrow();
            Schema cell = cells.latestSchema().orElseThrow();
            int cellId = registry.lookup(cells.subject(), cell).id();
            Records r = new Records(run, avro, raw);

            // Step 0: a good cell.
            r.send(r.upsert(0, "0/0", WireFormat.frame(cellId, ItemCodec.encodeUpsert(cell, GridCells.cell(cell, 0, 0, 1)))));
            r.send(r.commit(0));
            stack.awaitConsistent(run, 0);

            // Step 1: a cell whose body is not Avro of its schema (refused when the step is applied), and a good one.
            r.send(r.upsert(1, "1/1", WireFormat.frame(cellId, new byte[] {(byte) 0xff, 0x01})));
            r.send(r.upsert(1, "2/2", WireFormat.frame(cellId, ItemCodec.encodeUpsert(cell, GridCells.cell(cell, 2, 2, 7)))));
            r.send(r.commit(1));
            stack.awaitConsistent(run, 1);

            // Step 2: a delta sent twice (the second is stale), then a good change.
            StateDelta twice = r.upsert(2, "3/3", WireFormat.frame(cellId, ItemCodec.encodeUpsert(cell,
                    GridCells.cell(cell, 3, 3, 3))));
            r.send(twice);
            byte[] duplicate = avro.serialize(Contracts.DELTAS_TOPIC, twice);
            RecordMetadata stale = KafkaIo.send(raw, Contracts.DELTAS_TOPIC, run, duplicate);
            r.sentAgain(); // the worker did send it: its step's delta_count counts it
            r.send(r.upsert(2, "0/0", WireFormat.frame(cellId, ItemCodec.encodeUpsert(cell, GridCells.cell(cell, 0, 0, 9)))));
            r.send(r.commit(2));
            stack.awaitConsistent(run, 2);

            // A record of the run on another partition than the run's (its producer used another partitioner).
            int elsewhere = (stale.partition() + 1) % 3;
            byte[] strayBytes = avro.serialize(Contracts.DELTAS_TOPIC, StateDelta.newBuilder(twice).setSequence(1000)
                    .setIteration(3).build());
            RecordMetadata stray = raw.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                    Contracts.DELTAS_TOPIC, elsewhere, run, strayBytes)).get();

            List<ConsumerRecord<String, byte[]>> dead = KafkaIo.readByKey(broker.bootstrapServers(),
                    Contracts.DEAD_LETTER_TOPIC, run, 3, Duration.ofSeconds(30));
            ConsumerRecord<String, byte[]> wrongPartition = dead.stream()
                    .filter(d -> "wrong-partition".equals(KafkaIo.header(d, "simsnap.dlq.reason"))).findFirst()
                    .orElseThrow(() -> new AssertionError("no wrong-partition dead letter in " + dead.size()));
            assertThat(KafkaIo.header(wrongPartition, "simsnap.dlq.source.partition")).isEqualTo("" + elsewhere);
            assertThat(KafkaIo.header(wrongPartition, "simsnap.dlq.source.offset")).isEqualTo("" + stray.offset());
            assertThat(KafkaIo.header(wrongPartition, "simsnap.dlq.detail"))
                    .contains("belongs on partition " + stale.partition() + " of the 3 of " + Contracts.DELTAS_TOPIC);
            assertThat(wrongPartition.value()).isEqualTo(strayBytes);
            dead.remove(wrongPartition);
            ConsumerRecord<String, byte[]> badBody = dead.get(0);
            assertThat(KafkaIo.header(badBody, "simsnap.dlq.reason")).isEqualTo("bad-body");
            assertThat(KafkaIo.header(badBody, "simsnap.dlq.detail")).contains("1/1");
            assertThat(KafkaIo.header(badBody, "simsnap.dlq.source.topic")).isEqualTo(Contracts.DELTAS_TOPIC);
            assertThat(KafkaIo.header(badBody, "simsnap.dlq.value.format")).isEqualTo("avro-single-object");
            ConsumerRecord<String, byte[]> staleDelta = dead.get(1);
            assertThat(KafkaIo.header(staleDelta, "simsnap.dlq.reason")).isEqualTo("stale-sequence");
            assertThat(KafkaIo.header(staleDelta, "simsnap.dlq.source.partition")).isEqualTo("" + stale.partition());
            assertThat(KafkaIo.header(staleDelta, "simsnap.dlq.source.offset")).isEqualTo("" + stale.offset());
            assertThat(staleDelta.value()).as("refused on arrival: the record's own bytes").isEqualTo(duplicate);

            // The run went on: every good change is there, the refused one is not, and nothing was applied twice.
            assertThat(stack.item(run, "cells", "0/0").get("infected").asLong()).isEqualTo(9);
            assertThat(stack.item(run, "cells", "2/2").get("infected").asLong()).isEqualTo(7);
            assertThat(stack.item(run, "cells", "3/3").get("infected").asLong()).isEqualTo(3);
            assertThat(Http.get(stack.service().url() + "/runs/" + run + "/items/cells?id=1/1").statusCode())
                    .isEqualTo(404);
            HttpResponse<String> snapshot = http.send(HttpRequest.newBuilder(URI.create(stack.service().url()
                    + "/runs/" + run + "/snapshots")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(snapshot.statusCode()).as(snapshot.body()).isEqualTo(201);
        }
    }

    /** A run's records as a plain producer writes them: sequences and delta counts kept by hand. */
    private static final class Records {
        private final String run;
        private final AvroSerializer<SpecificRecord> avro;
        private final KafkaProducer<String, byte[]> raw;
        private long sequence;
        private int inStep;

        Records(String run, AvroSerializer<SpecificRecord> avro, KafkaProducer<String, byte[]> raw) {
            this.run = run;
            this.avro = avro;
            this.raw = raw;
        }

        StateDelta upsert(long step, String id, byte[] item) {
            inStep++;
            return StateDelta.newBuilder().setRunId(run).setWorkerId("w").setSequence(sequence++).setIteration(step)
                    .setEntityType(null).setEntityId(id).setCollection("cells").setOp(Operation.UPSERT)
                    .setPatchFields(List.of()).setPayload(null).setItem(ByteBuffer.wrap(item)).build();
        }

        /** A delta of the step was sent once more (its commit's delta_count counts every record sent). */
        void sentAgain() {
            inStep++;
        }

        IterationCommitted commit(long step) {
            IterationCommitted c = IterationCommitted.newBuilder().setRunId(run).setWorkerId("w").setIteration(step)
                    .setDeltaCount(inStep).setLastSequence(sequence - 1).setClock(Map.of("day", step)).build();
            inStep = 0;
            return c;
        }

        RecordMetadata send(SpecificRecord record) {
            return KafkaIo.send(raw, Contracts.DELTAS_TOPIC, run, avro.serialize(Contracts.DELTAS_TOPIC, record));
        }
    }
}
