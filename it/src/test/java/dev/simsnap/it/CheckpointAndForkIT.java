package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.producer.Step;
import dev.simsnap.service.cli.ForkCommand;
import dev.simsnap.service.cli.ReplayCommand;
import dev.simsnap.snapshot.replay.RunReplayer;
import dev.simsnap.snapshot.write.SnapshotWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Two claims of the README's time-travel section, through the real service and its commands: a checkpoint of a
 * state larger than one chunk is written as several records of at most 512 KiB under {@code <run>@<step:20>#<chunk>}
 * and read back whole; and {@code simsnap fork} copies a run's state at step N, its items and each generation as it
 * was then.
 */
@RealKafka
class CheckpointAndForkIT {

    private static final String ID = UUID.randomUUID().toString().substring(0, 8);
    private static final int CHUNK = 512 * 1024;

    @TempDir
    static Path tmp;
    private static Stack stack;
    private static KafkaBroker broker;

    @BeforeAll
    static void start(KafkaBroker b) throws Exception {
        broker = b;
        stack = Stack.start(b, tmp, "cpfork-" + ID);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aCheckpointLargerThanOneChunkIsWrittenInChunksAndReadBackWhole() throws Exception {
        String run = "bigcp-" + ID;
        StateModel model = StateModel.load(Path.of("../examples/kinds/epidemic-grid"));
        Schema cell = model.collection("cells").orElseThrow().latestSchema().orElseThrow();
        Schema params = model.collection("params").orElseThrow().latestSchema().orElseThrow();
        Random random = new Random(42);
        try (SimsnapWorker w = SimsnapWorker.builder().environment(Map.of()).config(stack.workerConfig(broker))
                .run(run).worker("w").build()) {
            assertThat(w.start(new RunDefinition(model, List.of("w"), Map.of(), 5))).isTrue();
            // Step 0: six cells of ~300 KB of random text each -- about 1.3 MB even gzip'd: three chunks.
            Step s = w.beginStep(Map.of("day", 0L));
            for (int x = 0; x < 6; x++) {
                List<String> tags = new ArrayList<>();
                for (int t = 0; t < 12; t++) {
                    tags.add(randomText(random, 25_000));
                }
                GenericRecord c = new GenericData.Record(cell);
                c.put("x", x);
                c.put("y", 0);
                c.put("susceptible", 10L);
                c.put("infected", (long) x);
                c.put("recovered", 0L);
                c.put("tags", tags);
                s.upsert("cells", c);
            }
            s.commit();
            for (long day = 1; day <= 3; day++) {
                GenericRecord p = new GenericData.Record(params);
                p.put("beta", day / 10.0);
                p.put("gamma", 0.1);
                p.put("meta", new java.util.LinkedHashMap<>());
                Step next = w.beginStep(Map.of("day", day));
                next.upsert("params", p);
                next.commit();
            }
        }
        stack.awaitConsistent(run, 3);

        // simsnap replay, writing a checkpoint every 2 steps it passes: one at step 2.
        StringWriter err = new StringWriter();
        CommandLine replay = new CommandLine(new ReplayCommand());
        replay.setErr(new PrintWriter(err, true));
        replay.setOut(new PrintWriter(new StringWriter(), true));
        assertThat(replay.execute("--bootstrap-servers", broker.bootstrapServers(), "--schema-registry-url",
                stack.registry().url(), "--run", run, "--iteration", "3", "--out", tmp.resolve("replayed").toString(),
                "--checkpoint-every", "2")).as(err.toString()).isZero();
        Map<String, byte[]> replayed = files(tmp.resolve("replayed").resolve(run + "@3"));

        List<ConsumerRecord<String, byte[]>> chunks = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : all(RunReplayer.CHECKPOINTS_TOPIC)) {
            if (r.key() != null && r.key().startsWith(run + "@00000000000000000002#")) {
                chunks.add(r);
            }
        }
        assertThat(chunks).as("chunks of the checkpoint at step 2").hasSizeGreaterThanOrEqualTo(2);
        List<String> keys = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : chunks) {
            keys.add(r.key().substring(r.key().indexOf('#') + 1));
            assertThat(r.value().length).as(r.key()).isLessThanOrEqualTo(CHUNK);
            assertThat(ByteBuffer.wrap(r.headers().lastHeader("simsnap.chunks").value()).getInt())
                    .isEqualTo(chunks.size());
        }
        List<String> expectedKeys = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            expectedKeys.add(Integer.toString(i));
        }
        assertThat(keys).containsExactlyInAnyOrderElementsOf(expectedKeys);
        assertThat(chunks.stream().mapToInt(r -> r.value().length).sum()).isGreaterThan(CHUNK);

        // Read back: a replay as of 3 starts from that checkpoint and gives the same bytes as the one from history,
        // as the service's as-of snapshot and as the live snapshot at 3.
        try (RunReplayer replayer = new RunReplayer(RunReplayer.Settings.of(broker.bootstrapServers(),
                stack.registry().url()))) {
            RunReplayer.Result fromCheckpoint = replayer.replay(run, 3, null);
            assertThat(fromCheckpoint.checkpointIteration()).isEqualTo(2L);
            try (SnapshotWriter writer = new SnapshotWriter(tmp.resolve("from-checkpoint"))) {
                assertSameFiles(files(writer.writeAsOf(fromCheckpoint.state())), replayed);
            }
        }
        assertSameFiles(files(stack.snapshot(run, "?iteration=3")), replayed);
        assertSameFiles(files(stack.snapshot(run, "")), replayed);
    }

    @Test
    void aForkCopiesTheItemsAndTheGenerationsAtItsStep() throws Exception {
        String run = "forksrc-" + ID;
        String forked = "forked-" + ID;
        StateModel model = StateModel.parse("""
                {"kind": "fork-check", "clock": ["day"],
                 "collections": [
                   {"name": "agents", "shape": "keyed", "key": ["id"], "schemas": [{"type": "record",
                     "name": "Agent", "fields": [{"name": "id", "type": "long"}, {"name": "mood", "type": "string"}]}]},
                   {"name": "population", "shape": "generations", "schemas": [{"type": "record", "name": "Member",
                     "fields": [{"name": "name", "type": "string"}]}]}],
                 "layout": [{"path": "agents.json", "render": "json", "from": "agents", "indent": 2},
                            {"path": "gen_{generation}.json", "render": "generations", "from": "population",
                             "indent": 2}]}""", f -> null);
        Schema agent = model.collection("agents").orElseThrow().latestSchema().orElseThrow();
        Schema member = model.collection("population").orElseThrow().latestSchema().orElseThrow();
        try (SimsnapWorker w = SimsnapWorker.builder().environment(Map.of()).config(stack.workerConfig(broker))
                .run(run).worker("w").build()) {
            assertThat(w.start(new RunDefinition(model, List.of("w"), Map.of(), 9))).isTrue();
            for (long day = 0; day < 3; day++) {
                Step s = w.beginStep(Map.of("day", day));
                s.upsert("agents", record(agent, "id", day, "mood", "day " + day));
                s.commit();
                w.saveGeneration("population", day, List.of(record(member, "name", "source gen " + day)), day);
            }
        }
        stack.awaitConsistent(run, 2);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> files(stack.snapshot(run, "")).keySet().containsAll(List.of("gen_0.json", "gen_1.json",
                        "gen_2.json")));

        StringWriter err = new StringWriter();
        CommandLine fork = new CommandLine(new ForkCommand());
        fork.setErr(new PrintWriter(err, true));
        fork.setOut(new PrintWriter(new StringWriter(), true));
        assertThat(fork.execute("--bootstrap-servers", broker.bootstrapServers(), "--schema-registry-url",
                stack.registry().url(), "--run", run, "--iteration", "1", "--new-run", forked)).as(err.toString())
                .isZero();
        stack.awaitConsistent(forked, 1);

        // The source as of step 1: its items then, and the generations saved at steps 0 and 1.
        Map<String, byte[]> sourceAtOne = files(stack.snapshot(run, "?iteration=1"));
        assertThat(sourceAtOne).containsOnlyKeys("agents.json", "gen_0.json", "gen_1.json");
        assertThat(new String(sourceAtOne.get("agents.json"), java.nio.charset.StandardCharsets.UTF_8))
                .contains("day 1").doesNotContain("day 2");
        assertThat(new String(sourceAtOne.get("gen_1.json"), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("[\n  {\n    \"name\": \"source gen 1\"\n  }\n]");
        // The live folder of the fork is the source as of step 1: its items and generations 0 and 1 then (the
        // generations travel on their own topic: wait for them), and so is the fork's own as-of folder of step 1.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> files(stack.snapshot(forked, "")).size() == sourceAtOne.size());
        assertSameFiles(files(stack.snapshot(forked, "")), sourceAtOne);
        assertSameFiles(files(stack.snapshot(forked, "?iteration=1")), sourceAtOne);

        // The fork goes on with generations of its own, added to the copied ones.
        try (SimsnapWorker w = SimsnapWorker.builder().environment(Map.of()).config(stack.workerConfig(broker))
                .run(forked).worker("w").build()) {
            w.saveGeneration("population", 5, List.of(record(member, "name", "fork gen 5")), null);
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> files(stack.snapshot(forked, "")).containsKey("gen_5.json"));
        Map<String, byte[]> later = files(stack.snapshot(forked, ""));
        assertThat(later).containsOnlyKeys("agents.json", "gen_0.json", "gen_1.json", "gen_5.json");
        assertThat(new String(later.get("gen_5.json"), java.nio.charset.StandardCharsets.UTF_8))
                .contains("fork gen 5").doesNotContain("source");
        assertThat(later.get("gen_1.json")).isEqualTo(sourceAtOne.get("gen_1.json"));
    }

    // ---- helpers ----

    private static String randomText(Random random, int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static GenericRecord record(Schema schema, Object... fieldsAndValues) {
        GenericRecord r = new GenericData.Record(schema);
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            r.put((String) fieldsAndValues[i], fieldsAndValues[i + 1]);
        }
        return r;
    }

    /** Every record of {@code topic}, from the beginning to its current end. */
    private static List<ConsumerRecord<String, byte[]>> all(String topic) {
        java.util.Properties props = new java.util.Properties();
        props.put("bootstrap.servers", broker.bootstrapServers());
        props.put("key.deserializer", StringDeserializer.class);
        props.put("value.deserializer", ByteArrayDeserializer.class);
        props.put("isolation.level", "read_committed");
        props.put("max.partition.fetch.bytes", 4 * 1024 * 1024);
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
                    && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static Map<String, byte[]> files(Path dir) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return out;
    }

    private static void assertSameFiles(Map<String, byte[]> actual, Map<String, byte[]> expected) {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        expected.forEach((f, bytes) -> assertThat(actual.get(f)).as(f).isEqualTo(bytes));
    }
}
