package dev.simsnap.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.delta.Stock;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStarted;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.Test;

/** Transactions, fencing, resume and validation against the real broker and registry. */
@RealKafka
class WorkerTransactionsTest {

    private final Properties config;

    WorkerTransactionsTest(KafkaBroker broker) {
        this.config = TestStack.config(broker);
    }

    private SimsnapWorker open(String run, String worker) {
        return SimsnapWorker.builder().environment(Map.of()).config(config).run(run).worker(worker).build();
    }

    private static Person person(int id, double cash) {
        return new Person(id, "P" + id, "Teacher", "Buy low.", "long-term", "100", cash, 50.0, 2, null, null, null,
                null, null, null);
    }

    @Test
    void killedChildJvmLeavesNothingVisibleAndTheRestartedWorkerFencesItAndCommits() throws Exception {
        String run = TestStack.uniqueRun("kill");
        try (SimsnapWorker w = open(run, "w0")) {
            assertThat(w.startRun(RunSpec.of("test", "w0"))).isTrue();
            try (Iteration it = w.beginIteration(0, 0)) {
                it.upsert(person(1, 10.0));
                it.commit();
            }
        }
        // A child JVM opens the same worker, sends 50 deltas of iteration 1, flushes, and is killed.
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process child = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                ZombieWorkerMain.class.getName(), config.getProperty("bootstrap.servers"),
                config.getProperty("schema.registry.url"), run, "w0", "1")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String line;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            do {
                line = out.readLine();
            } while (line != null && !line.startsWith("FLUSHED"));
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(line).isEqualTo("FLUSHED 51"); // it resumed at sequence 1 and sent 1..50
        // The deltas did reach the broker (read_uncommitted sees them) ...
        assertThat(deltasOf(run, 1, false)).hasSize(50);

        // ... and the restarted worker aborts them (fencing the dead producer), resumes and commits iteration 1.
        try (SimsnapWorker restarted = open(run, "w0")) {
            assertThat(restarted.state().lastIteration()).isZero();
            assertThat(restarted.nextSequence()).isEqualTo(1);
            assertThat(restarted.startRun(RunSpec.of("test", "w0"))).isFalse(); // already started: idempotent
            try (Iteration it = restarted.beginIteration(1, 7)) {
                it.patch(EntityType.PERSON, "1", Person.newBuilder().setPersonId(1).setCash(99.0).build(), "cash");
                it.append(EntityType.STOCK, "0", "past_stock_last_prices", 10.5, 11.0);
                it.commit();
            }
        }
        List<StateDelta> committed = deltasOf(run, 1, true);
        assertThat(committed).extracting(StateDelta::getSequence).containsExactly(1L, 2L);
        assertThat(((Person) committed.get(0).getPayload()).getCash()).isEqualTo(99.0);
        List<IterationCommitted> commits = TestStack.values(config, Contracts.DELTAS_TOPIC, run,
                IterationCommitted.class);
        assertThat(commits).extracting(IterationCommitted::getIteration, IterationCommitted::getDeltaCount,
                        IterationCommitted::getLastSequence)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0L, 1, 0L),
                        org.assertj.core.groups.Tuple.tuple(1L, 2, 2L));
        assertThat(TestStack.values(config, Contracts.DELTAS_TOPIC, run, RunStarted.class)).hasSize(1);
    }

    @Test
    void inJvmZombieIsFencedAndItsIterationNeverBecomesVisible() {
        String run = TestStack.uniqueRun("zombie");
        SimsnapWorker zombie = open(run, "w1");
        zombie.startRun(RunSpec.of("test", "w1"));
        Iteration zombieIteration = zombie.beginIteration(0, 0);
        zombieIteration.upsert(person(5, 1.0));
        zombieIteration.flush();
        try (SimsnapWorker successor = open(run, "w1")) {
            assertThatThrownBy(zombieIteration::commit).isInstanceOf(ProducerFencedException.class);
            assertThatThrownBy(() -> zombie.beginIteration(1, 0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("fenced");
            zombie.close();
            try (Iteration it = successor.beginIteration(0, 0)) {
                it.upsert(person(5, 2.0));
                it.commit();
            }
        }
        List<StateDelta> visible = deltasOf(run, 0, true);
        assertThat(visible).hasSize(1);
        assertThat(visible.get(0).getSequence()).isZero();
        assertThat(((Person) visible.get(0).getPayload()).getCash()).isEqualTo(2.0);
    }

    @Test
    void invalidDeltasAreRejectedNamingTheFieldAndAnAbortedIterationPublishesNothing() throws Exception {
        String run = TestStack.uniqueRun("invalid");
        ObjectMapper json = new ObjectMapper();
        try (SimsnapWorker w = open(run, "w0")) {
            w.startRun(RunSpec.of("test", "w0"));
            try (Iteration it = w.beginIteration(0, 0)) {
                it.upsert(person(1, 5.0)); // valid, sent inside the transaction
                assertThatThrownBy(() -> it.apply(json.readTree(
                        "{\"entity_type\":\"PLANET\",\"entity_id\":\"1\",\"op\":\"UPSERT\",\"payload\":{}}")))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'entity_type'");
                assertThatThrownBy(() -> it.upsert(EntityType.STOCK, "1", person(1, 5.0)))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'payload'");
                assertThatThrownBy(() -> it.patch(EntityType.PERSON, "1", person(1, 5.0), "shoe_size"))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'shoe_size'");
                assertThatThrownBy(() -> it.append(EntityType.STOCK, "0", "DPS", 1.0))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'DPS'");
                assertThatThrownBy(() -> it.upsert(Stock.newBuilder().setStockId(0).setStockName("A")
                        .setPastStockLastPrices(List.of()).setQuantity(1L).build()))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'DPS'");
                assertThatThrownBy(() -> it.apply(json.readTree("{\"entity_type\":\"PERSON\",\"entity_id\":\"2\","
                        + "\"op\":\"UPSERT\",\"payload\":{\"person_id\":2,\"name\":\"X\"}}")))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'occupation'");
                assertThat(it.deltaCount()).isEqualTo(1);
                // no commit: closing aborts the iteration, including the valid delta
            }
            assertThat(w.nextSequence()).isZero();
            try (Iteration it = w.beginIteration(0, 0)) {
                it.apply(json.readTree("{\"entity_type\":\"STOCK\",\"entity_id\":\"0\",\"op\":\"APPEND\","
                        + "\"payload\":{\"field\":\"past_stock_last_prices\",\"numbers\":[1.5]}}"));
                it.commit();
            }
        }
        List<StateDelta> visible = TestStack.values(config, Contracts.DELTAS_TOPIC, run, StateDelta.class);
        assertThat(visible).hasSize(1);
        assertThat(visible.get(0).getEntityType()).isEqualTo(EntityType.STOCK);
        assertThat(visible.get(0).getSequence()).isZero();
    }

    @Test
    void aPoisonRecordOnTheRunsPartitionDoesNotKeepTheWorkerFromResuming() throws Exception {
        String run = TestStack.uniqueRun("poison");
        try (SimsnapWorker w = open(run, "w0")) {
            w.startRun(RunSpec.of("test", "w0"));
        }
        Properties props = new Properties();
        props.putAll(config);
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            int partitions = raw.partitionsFor(Contracts.DELTAS_TOPIC).size();
            raw.send(new ProducerRecord<>(Contracts.DELTAS_TOPIC, RunHistory.partitionOf(run, partitions), run,
                    "not avro".getBytes(StandardCharsets.UTF_8))).get();
        }
        try (SimsnapWorker w = open(run, "w0")) {
            assertThat(w.state().started()).isTrue();
            try (Iteration it = w.beginIteration(0, 0)) {
                it.upsert(person(1, 1.0));
                it.commit();
            }
        }
    }

    private List<StateDelta> deltasOf(String run, long iteration, boolean readCommitted) {
        return TestStack.records(config, Contracts.DELTAS_TOPIC, run, readCommitted).stream()
                .map(ConsumerRecord::value).filter(StateDelta.class::isInstance).map(StateDelta.class::cast)
                .filter(d -> d.getIteration() == iteration).collect(Collectors.toList());
    }
}
