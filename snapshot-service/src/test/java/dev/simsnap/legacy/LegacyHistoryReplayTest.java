package dev.simsnap.legacy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.service.http.SnapshotServer;
import dev.simsnap.topic.SimsnapTopics;
import java.io.BufferedReader;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * History is the product: the records written by simsnap's StateDelta v1 code (frozen in
 * {@code src/test/resources/legacy-history/}, see {@link LegacyHistoryGenerator}) must replay, on a fresh broker and
 * a fresh registry, to the very snapshot bytes that code wrote for them, live and as of an iteration or a
 * generation, with no file missing and none extra.
 *
 * <p>Only stable surfaces are used: the topic names and the Confluent wire format of the records, the Confluent
 * Schema Registry REST API (IMPORT mode, so every record's schema id resolves to the schema it was written with),
 * and "write the snapshot of run R [as of N] and tell me its folder", which is {@link #startEngine} alone. To test a
 * new engine against today's history, re-point that one method; the fixture never changes.
 */
@RealKafka(restartable = true)
class LegacyHistoryReplayTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path temp;

    @Test
    void legacyHistoryReplaysToTheSameSnapshotBytes(KafkaBroker broker) throws Exception {
        Path fixture = LegacyFixture.onClasspath();
        JsonNode manifest = LegacyFixture.readJson(fixture.resolve(LegacyFixture.MANIFEST));
        String bootstrap = broker.bootstrapServers();

        createTopics(broker, manifest.get("topics"));
        try (SchemaRegistryServer registry = SchemaRegistryServer.builder(bootstrap).port(0).build().start()) {
            importSchemas(registry.url(), LegacyFixture.readJson(fixture.resolve(LegacyFixture.SCHEMAS)));
            int produced = produce(bootstrap, fixture.resolve(LegacyFixture.RECORDS));
            assertThat(produced).isPositive();

            try (SnapshotEngine engine = startEngine(bootstrap, registry.url(), temp.resolve("engine"))) {
                for (JsonNode run : manifest.get("runs")) {
                    engine.awaitApplied(run.get("run").asText(), run.get("consistent_iteration").asLong(),
                            ints(run.get("generations")), WAIT);
                }
                Path expectedRoot = fixture.resolve(LegacyFixture.SNAPSHOTS);
                Set<String> listed = new TreeSet<>();
                List<String> failures = new ArrayList<>();
                for (JsonNode s : manifest.get("snapshots")) {
                    String folder = s.get("folder").asText();
                    listed.add(folder);
                    String asOf = s.get("as_of").isNull() ? null : s.get("as_of").asText();
                    Path written = engine.writeSnapshot(s.get("run").asText(), asOf);
                    SortedMap<String, byte[]> expected = LegacyFixture.files(expectedRoot.resolve(folder));
                    assertThat(expected).as("fixture folder " + folder).isNotEmpty();
                    LegacyFixture.differences(expected, LegacyFixture.files(written))
                            .forEach(d -> failures.add(folder + ": " + d));
                }
                try (Stream<Path> folders = Files.list(expectedRoot)) {
                    assertThat(folders.map(p -> p.getFileName().toString()).sorted().toList())
                            .as("snapshot folders of the fixture = those of the manifest")
                            .containsExactlyElementsOf(listed);
                }
                assertThat(failures).as("snapshot bytes differing from what today's code wrote for this history")
                        .isEmpty();
            }
        }
    }

    // ---- the one seam to re-point at a future engine -----------------------------------------------------------

    /** What the replay needs from an engine: apply the topics, then write snapshot folders. */
    interface SnapshotEngine extends AutoCloseable {

        /** Waits until run {@code run} is applied: consistent at {@code iteration}, ended, these generations visible. */
        void awaitApplied(String run, long iteration, List<Integer> generations, Duration timeout);

        /**
         * Writes the snapshot of {@code run}: live when {@code asOf} is null, as of iteration N for "N", as of
         * generation G for "gG"; returns the folder written.
         */
        Path writeSnapshot(String run, String asOf);

        @Override
        void close();
    }

    /** Today's engine: the snapshot service (Kafka Streams + replayer) through its REST API. */
    private static SnapshotEngine startEngine(String bootstrap, String registryUrl, Path work) throws Exception {
        Path root = work.resolve("out");
        SnapshotServer server = SnapshotServer.builder().bootstrapServers(bootstrap).schemaRegistryUrl(registryUrl)
                .stateDir(work.resolve("state")).outputRoot(root).http("127.0.0.1", 0)
                .applicationId("legacy-replay").checkpoints(0, Duration.ofSeconds(30))
                .streamsProperty("commit.interval.ms", 50).build().start();
        try {
            server.awaitRunning(Duration.ofSeconds(60));
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
        String url = server.url();
        return new SnapshotEngine() {
            @Override
            public void awaitApplied(String run, long iteration, List<Integer> generations, Duration timeout) {
                Awaitility.await("run " + run + " consistent at " + iteration + ", ended, generations " + generations)
                        .atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
                            HttpResponse<String> r = LegacyFixture.http("GET", url + "/runs/" + run, null);
                            if (r.statusCode() != 200) {
                                return false;
                            }
                            JsonNode detail = LegacyFixture.parse(r.body());
                            if (detail.get("consistent_iteration").asLong() != iteration
                                    || !detail.get("ended").asBoolean()) {
                                return false;
                            }
                            HttpResponse<String> g = LegacyFixture.http("GET", url + "/runs/" + run + "/generations",
                                    null);
                            return g.statusCode() == 200
                                    && ints(LegacyFixture.parse(g.body()).get("generations")).equals(generations);
                        });
            }

            @Override
            public Path writeSnapshot(String run, String asOf) {
                String query = asOf == null ? "" : asOf.startsWith("g") ? "?generation=" + asOf.substring(1)
                        : "?iteration=" + asOf;
                HttpResponse<String> r = LegacyFixture.http("POST", url + "/runs/" + run + "/snapshots" + query,
                        null);
                assertThat(r.statusCode()).as("snapshot of " + run + " as of " + asOf + ": " + r.body())
                        .isEqualTo(201);
                return Path.of(LegacyFixture.parse(r.body()).get("path").asText());
            }

            @Override
            public void close() {
                server.close();
            }
        };
    }

    // ---- history in -------------------------------------------------------------------------------------------

    /** The fixture's topics (names and partition counts from the manifest), created by their specs. */
    private static void createTopics(KafkaBroker broker, JsonNode topics) {
        topics.fields().forEachRemaining(t -> broker.ensureTopics(t.getValue().asInt(),
                List.of(SimsnapTopics.all().stream().filter(s -> s.name().equals(t.getKey())).findFirst()
                        .orElseThrow(() -> new AssertionError("no topic spec named " + t.getKey())))));
    }

    /**
     * Registers every fixture schema under its subject with its original id and version (Confluent IMPORT mode),
     * then checks that each id resolves to exactly that schema text.
     */
    private static void importSchemas(String registryUrl, JsonNode schemas) {
        ok(LegacyFixture.http("PUT", registryUrl + "/mode", "{\"mode\":\"IMPORT\"}"), "set IMPORT mode");
        for (JsonNode s : schemas) {
            ObjectNode body = LegacyFixture.COMPACT.createObjectNode();
            body.put("schema", s.get("schema").asText());
            body.put("id", s.get("id").asInt());
            body.put("version", s.get("version").asInt());
            HttpResponse<String> r = LegacyFixture.http("POST", registryUrl + "/subjects/" + s.get("subject").asText()
                    + "/versions", body.toString());
            ok(r, "import " + s.get("subject").asText() + " v" + s.get("version") + " id " + s.get("id"));
            assertThat(LegacyFixture.parse(r.body()).get("id").asInt()).isEqualTo(s.get("id").asInt());
        }
        ok(LegacyFixture.http("PUT", registryUrl + "/mode", "{\"mode\":\"READWRITE\"}"), "set READWRITE mode");
        for (JsonNode s : schemas) {
            HttpResponse<String> r = LegacyFixture.http("GET", registryUrl + "/schemas/ids/" + s.get("id").asInt(),
                    null);
            ok(r, "schema id " + s.get("id"));
            assertThat(LegacyFixture.parse(r.body()).get("schema").asText()).isEqualTo(s.get("schema").asText());
        }
    }

    /**
     * Produces the fixture's records unchanged (key, value with its Confluent framing, headers, timestamp) to the
     * same topic and partition, in order; returns how many. Every schema id of a value must be in the fixture.
     */
    private static int produce(String bootstrap, Path records) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        Base64.Decoder b64 = Base64.getDecoder();
        Map<String, Integer> count = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer());
             BufferedReader in = Files.newBufferedReader(records, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode r = LegacyFixture.parse(line);
                byte[] key = r.get("key").isNull() ? null : b64.decode(r.get("key").asText());
                byte[] value = r.get("value").isNull() ? null : b64.decode(r.get("value").asText());
                if (value != null) {
                    assertThat(value[0]).as("Confluent magic byte").isZero();
                    assertThat(ByteBuffer.wrap(value, 1, 4).getInt()).isPositive();
                }
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(r.get("topic").asText(),
                        r.get("partition").asInt(), r.get("timestamp").asLong(), key, value);
                for (JsonNode h : r.get("headers")) {
                    record.headers().add(new RecordHeader(h.get("key").asText(),
                            h.get("value").isNull() ? null : b64.decode(h.get("value").asText())));
                }
                producer.send(record).get(); // one at a time: order per partition is the fixture's order
                count.merge(record.topic(), 1, Integer::sum);
            }
        }
        return count.values().stream().mapToInt(Integer::intValue).sum();
    }

    private static void ok(HttpResponse<String> r, String what) {
        assertThat(r.statusCode()).as(what + ": " + r.body()).isEqualTo(200);
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        if (array != null) {
            array.forEach(n -> out.add(n.asInt()));
        }
        return out;
    }
}
