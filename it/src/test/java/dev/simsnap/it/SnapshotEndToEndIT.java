package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.connection.ClientConfig;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.producer.Iteration;
import dev.simsnap.producer.RunSpec;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.producer.cli.SimulateCommand;
import dev.simsnap.registry.client.RestSchemaRegistryClient;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.serde.AvroSerializer;
import dev.simsnap.service.SnapshotService;
import dev.simsnap.service.SnapshotServiceConfig;
import dev.simsnap.simulate.TradingArenaModel;
import dev.simsnap.snapshot.deadletter.DeadLetterHeaders;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import dev.simsnap.snapshot.read.RunState;
import dev.simsnap.snapshot.run.RunInfo;
import dev.simsnap.snapshot.topology.SnapshotTopics;
import dev.simsnap.snapshot.write.SnapshotWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole pipeline on a real broker: the producer CLI/library publishes, a real registry hands out schema ids, the
 * real {@link SnapshotService} (Kafka Streams, exactly_once_v2) compacts, and {@link SnapshotWriter} writes the seed
 * layout; the written files are compared with state computed independently (the pure {@link TradingArenaModel}), a
 * second fresh service must write the same bytes, and poison records on the deltas topic
 * must end up in the dead-letter topic without stopping the run.
 */
@RealKafka
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SnapshotEndToEndIT {

    private static final Duration WAIT = Duration.ofSeconds(40);

    @TempDir
    static Path tmp;

    private static final String ID = UUID.randomUUID().toString().substring(0, 8);
    private static String bootstrap;
    private static SchemaRegistryServer registry;
    private static SnapshotService service;

    @BeforeAll
    static void startStack(KafkaBroker broker) throws Exception {
        long t0 = System.nanoTime();
        bootstrap = broker.bootstrapServers();
        KafkaIo.createSimsnapTopics(broker);
        registry = SchemaRegistryServer.builder(bootstrap).port(0).topic("_simsnap_schemas_e2e_" + ID).build().start();
        service = startService("simsnap-e2e-a-" + ID, tmp.resolve("state-a"));
        log("stack up (registry + snapshot service RUNNING)", t0);
    }

    @AfterAll
    static void stopStack() {
        if (service != null) {
            service.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    // ---- 1. simulate == independent model; a second fresh service writes the same bytes --------------------------

    @Test
    @Order(1)
    void simulatedRunSnapshotEqualsIndependentModelAndIsDeterministic() throws Exception {
        int agents = 30;
        int stocks = 5;
        long iterations = 12;
        long seed = 42;
        String run = "e2e-sim-" + ID;
        long t0 = System.nanoTime();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new SimulateCommand());
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("trading-arena", "--run", run, "--agents", "" + agents, "--stocks", "" + stocks,
                "--iterations", "" + iterations, "--workers", "3", "--seed", "" + seed,
                "--bootstrap-servers", bootstrap, "--schema-registry-url", registry.url());
        assertEquals(0, exit, "simulate failed: " + err);
        log("simulate trading-arena (3 workers, 13 iterations) published", t0);

        long t1 = System.nanoTime();
        RunState state = awaitRun(service, run, iterations, true);
        log("service consistent at iteration " + iterations, t1);
        RunInfo info = service.reader().runInfo(run).orElseThrow();
        assertEquals(List.of("w0", "w1", "w2"), info.expectedWorkers());
        assertEquals("trading-arena", info.kind());
        assertEquals("COMPLETED", info.endStatus());
        assertEquals(iterations, info.finalIteration());
        assertEquals(Integer.valueOf(TradingArenaModel.virtualDate(iterations)), info.virtualDate());
        assertEquals(0, info.lag());
        assertThat(info.workers()).allSatisfy(w -> assertEquals(iterations, w.lastCommittedIteration()));

        Path folder = new SnapshotWriter(tmp.resolve("snapshots-a")).write(state);
        assertEquals(tmp.resolve("snapshots-a").resolve(run).toAbsolutePath().normalize(), folder);

        TradingArenaModel model = TradingArenaModel.at(agents, stocks, seed, iterations);
        assertEquals(iterations, model.iteration());
        Map<String, JsonNode> expected = Chaos.expectedArena(agents, stocks, seed, iterations);
        // Sanity of the independent side: information is {"virtual_date": 3, "iteration": 12}.
        assertEquals(3, expected.get("save/information.json").get("virtual_date").asInt());
        assertEquals(12, expected.get("save/information.json").get("iteration").asLong());
        assertEquals(agents, expected.get("save/persona.json").size());

        Chaos.assertEqualsModel(expected, folder, run);
        // The snapshot really moved away from the initial state (not a trivially equal iteration 0).
        JsonNode initialPerson = JsonTrees.of(TradingArenaModel.at(agents, stocks, seed, 0).persons().get(0));
        assertThat(JsonTrees.read(folder.resolve("save/classes/PERSON_0.json"))).isNotEqualTo(initialPerson);
        log("snapshot written and compared with TradingArenaModel.at(...)", t0);

        // Determinism: the same history read by a fresh service (own application.id, own state dir) gives the same
        // bytes for every file.
        long t2 = System.nanoTime();
        Map<String, byte[]> first = Chaos.contents(folder);
        try (SnapshotService second = startService("simsnap-e2e-b-" + ID, tmp.resolve("state-b"))) {
            RunState again = awaitRun(second, run, iterations, true);
            Path folder2 = new SnapshotWriter(tmp.resolve("snapshots-b")).write(again);
            Map<String, byte[]> second2 = Chaos.contents(folder2);
            assertEquals(first.keySet(), second2.keySet(), "files of the second service's snapshot");
            for (String file : first.keySet()) {
                assertArrayEquals(first.get(file), second2.get(file), file + " differs between the two services");
            }
            assertEquals(info.version(), second.reader().runInfo(run).orElseThrow().version(),
                    "same number of applied steps");
        }
        log("second service rebuilt the run from history, byte-identical snapshot", t2);
    }

    // ---- 3. poison records on the real broker ---------------------------------------------------------------------

    @Test
    @Order(3)
    void poisonRecordsAreDeadLetteredAndTheRunGoesOn() throws Exception {
        String run = "e2e-poison-" + ID;
        String ghost = "e2e-ghost-" + ID;
        long t0 = System.nanoTime();
        Properties config = new Properties();
        config.setProperty("bootstrap.servers", bootstrap);
        config.setProperty("schema.registry.url", registry.url());
        try (SimsnapWorker worker = SimsnapWorker.builder().environment(Map.of()).config(config).run(run)
                .worker("w0").build();
             RestSchemaRegistryClient client = RestSchemaRegistryClient.builder().urls(registry.url()).build();
             KafkaProducer<String, byte[]> raw = KafkaIo.producer(bootstrap)) {
            assertTrue(worker.startRun(RunSpec.of("trading-arena", "w0")));
            try (Iteration it = worker.beginIteration(0, 0)) {
                it.upsert(Person.newBuilder().setPersonId(0).setName("Probe Person").setOccupation("Tester")
                        .setPrinciple("Trust, but verify.").setInvestmentDuration("short-term")
                        .setDailyIncomeFromJob("100").setCash(1000.0).setMinimumLivingExpense(50.0)
                        .setReflectFrequency(2).build());
                it.commit();
            }
            awaitRun(service, run, 0, false);
            assertEquals(1000.0, personCash(run), 0.0);

            // Four poison records, keyed like real ones.
            AvroSerializer<SpecificRecord> serializer = new AvroSerializer<>(client, Map.of(), false);
            StateDelta valid = new StateDelta(run, "w0", 100L, 1L, 0, EntityType.PERSON, "0", null, Operation.PATCH,
                    List.of("cash"), Person.newBuilder().setPersonId(0).setCash(-1.0).build(), null, null);
            byte[] validBytes = serializer.serialize(Contracts.DELTAS_TOPIC, valid);
            int stateDeltaId = ByteBuffer.wrap(validBytes, 1, 4).getInt();
            assertThat(stateDeltaId).isNotEqualTo(99999);

            Map<String, byte[]> poison = new LinkedHashMap<>();
            poison.put(DeadLetterReasons.BAD_MAGIC_BYTE,
                    ("{\"run_id\": \"" + run + "\", \"op\": \"UPSERT\"}").getBytes(StandardCharsets.UTF_8));
            poison.put(DeadLetterReasons.UNKNOWN_SCHEMA_ID, ByteBuffer.allocate(13).put((byte) 0).putInt(99999)
                    .put("junk!!!!".getBytes(StandardCharsets.US_ASCII)).array());
            poison.put(DeadLetterReasons.CORRUPT_AVRO,
                    Arrays.copyOf(validBytes, 5 + (validBytes.length - 5) / 2)); // valid id, truncated body
            StateDelta ghostDelta = StateDelta.newBuilder(valid).setRunId(ghost).build();
            poison.put(DeadLetterReasons.RUN_NOT_STARTED, serializer.serialize(Contracts.DELTAS_TOPIC, ghostDelta));

            Map<String, RecordMetadata> sent = new LinkedHashMap<>();
            Map<String, String> keys = new LinkedHashMap<>();
            for (Map.Entry<String, byte[]> p : poison.entrySet()) {
                String key = p.getKey().equals(DeadLetterReasons.RUN_NOT_STARTED) ? ghost : run;
                keys.put(p.getKey(), key);
                sent.put(p.getKey(), KafkaIo.send(raw, Contracts.DELTAS_TOPIC, key, p.getValue()));
            }

            // Then a good iteration through the worker.
            try (Iteration it = worker.beginIteration(1, 0)) {
                it.patch(EntityType.PERSON, "0", Person.newBuilder().setPersonId(0).setCash(2500.5).build(), "cash");
                it.commit();
            }
            awaitRun(service, run, 1, false);
            JsonNode person = JsonTrees.read(service.reader().entity(run, EntityType.PERSON, null, "0").orElseThrow()
                    .getBytes(StandardCharsets.UTF_8));
            assertEquals(2500.5, person.get("cash").doubleValue(), 0.0, "the good iteration is applied: " + person);
            assertEquals("Probe Person", person.get("name").asText(), "PATCH leaves other fields: " + person);
            assertEquals(2, service.reader().runInfo(run).orElseThrow().appliedDeltas(),
                    "one upsert and one patch applied, nothing from the poison");
            assertTrue(service.reader().runInfo(ghost).isEmpty(), "the ghost run does not exist");
            log("run went on past the poison (iteration 1 applied)", t0);

            // All four are in the dead-letter topic (read_committed), unchanged, with their reasons.
            long t1 = System.nanoTime();
            Set<String> deadKeys = Set.of(run, ghost);
            List<ConsumerRecord<String, byte[]>> dead = readCommitted(Contracts.DEAD_LETTER_TOPIC,
                    r -> deadKeys.contains(r.key()), 4, Duration.ofSeconds(20));
            Map<String, ConsumerRecord<String, byte[]>> bySource = new TreeMap<>();
            for (ConsumerRecord<String, byte[]> r : dead) {
                assertEquals(Contracts.DELTAS_TOPIC, header(r, DeadLetterHeaders.SOURCE_TOPIC), "source topic");
                bySource.put(header(r, DeadLetterHeaders.SOURCE_PARTITION) + "@"
                        + header(r, DeadLetterHeaders.SOURCE_OFFSET), r);
            }
            Set<String> expectedSources = sent.values().stream().map(m -> m.partition() + "@" + m.offset())
                    .collect(Collectors.toCollection(java.util.TreeSet::new));
            assertEquals(expectedSources, bySource.keySet(),
                    "exactly the four poison records are dead-lettered (by source partition@offset); got "
                            + dead.stream().map(r -> header(r, DeadLetterHeaders.REASON)).toList());
            for (Map.Entry<String, RecordMetadata> e : sent.entrySet()) {
                ConsumerRecord<String, byte[]> r = bySource.get(e.getValue().partition() + "@" + e.getValue().offset());
                String where = "dead letter of the " + e.getKey() + " poison";
                assertEquals(e.getKey(), header(r, DeadLetterHeaders.REASON), where + ": reason; detail: "
                        + header(r, DeadLetterHeaders.DETAIL));
                assertThat(header(r, DeadLetterHeaders.DETAIL)).as(where).isNotBlank();
                assertNotNull(header(r, DeadLetterHeaders.ERROR_CLASS), where);
                assertEquals(keys.get(e.getKey()), r.key(), where + ": key kept");
                assertArrayEquals(poison.get(e.getKey()), r.value(), where + ": value kept unchanged");
                assertThat(service.deadLetterStats().count(e.getKey())).as(where + ": stats").isGreaterThanOrEqualTo(1);
            }
            log("four dead letters found with their reasons", t1);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private static SnapshotService startService(String applicationId, Path stateDir) throws Exception {
        SnapshotServiceConfig config = new SnapshotServiceConfig(ClientConfig.of(bootstrap, registry.url()), stateDir, applicationId,
                null, SnapshotTopics.defaults(), 3, (short) 1, 1,
                Map.of(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100));
        SnapshotService s = new SnapshotService(config);
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2,
                s.streamsProperties().get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        try {
            s.start();
            s.awaitRunning(Duration.ofSeconds(45));
        } catch (Exception | AssertionError e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Waits until the run's consistent iteration is {@code iteration} (and it ended, if asked); its state then. */
    private static RunState awaitRun(SnapshotService s, String run, long iteration, boolean ended) {
        return awaitState(s, run, "consistent iteration " + iteration + (ended ? ", ended" : ""),
                info -> info.consistentIteration() == iteration && (!ended || info.ended()), () -> true);
    }

    private static RunState awaitState(SnapshotService s, String run, String what, Predicate<RunInfo> done,
                                       Supplier<Boolean> andAlso) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Optional<RunInfo> last = Optional.empty();
        RuntimeException lastError = null;
        while (System.nanoTime() < deadline) {
            KafkaStreams.State streamsState = s.streams().state();
            if (streamsState == KafkaStreams.State.ERROR || streamsState == KafkaStreams.State.NOT_RUNNING
                    || streamsState == KafkaStreams.State.PENDING_SHUTDOWN) {
                fail("snapshot service stopped (" + streamsState + ") while waiting for run " + run + ": " + what);
            }
            try {
                last = s.reader().runInfo(run);
                if (last.isPresent() && done.test(last.get()) && andAlso.get()) {
                    return s.reader().runState(run).orElseThrow();
                }
                lastError = null;
            } catch (RuntimeException e) { // stores not queryable while rebalancing
                lastError = e;
            }
            sleep(50);
        }
        throw new AssertionError("run " + run + " not at " + what + " within " + WAIT + "; last info " + last,
                lastError);
    }

    private static double personCash(String run) {
        return JsonTrees.read(service.reader().entity(run, EntityType.PERSON, null, "0").orElseThrow()
                .getBytes(StandardCharsets.UTF_8)).get("cash").doubleValue();
    }

    /** read_committed, all partitions from the beginning, until {@code expected} matching records (plus a short grace). */
    private static List<ConsumerRecord<String, byte[]>> readCommitted(String topic,
                                                                      Predicate<ConsumerRecord<String, byte[]>> filter,
                                                                      int expected, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = KafkaIo.committedFromStart(bootstrap, topic, timeout)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            long graceEnd = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, graceEnd)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (filter.test(r)) {
                        found.add(r);
                    }
                }
                if (found.size() >= expected && graceEnd == Long.MAX_VALUE) {
                    graceEnd = System.nanoTime() + Duration.ofMillis(500).toNanos(); // catch unexpected extras
                }
            }
        }
        if (found.size() < expected) {
            throw new AssertionError("expected " + expected + " records on " + topic + " within " + timeout
                    + ", found " + found.size() + ": " + found.stream()
                    .map(r -> r.key() + " " + header(r, DeadLetterHeaders.REASON)).toList());
        }
        return found;
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static void log(String what, long startNanos) {
        System.out.printf("[SnapshotEndToEndIT] %-70s %6d ms%n", what, (System.nanoTime() - startNanos) / 1_000_000);
    }
}
