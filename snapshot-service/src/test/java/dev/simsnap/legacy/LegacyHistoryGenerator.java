package dev.simsnap.legacy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.producer.Iteration;
import dev.simsnap.producer.RunSpec;
import dev.simsnap.producer.SimsnapConfig;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Market;
import dev.simsnap.schema.delta.MarketIndex;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.generation.GenerationChunk;
import dev.simsnap.schema.generation.GenerationSealed;
import dev.simsnap.schema.generation.PersonaGenotype;
import dev.simsnap.schema.run.RunStatus;
import dev.simsnap.service.cli.ForkCommand;
import dev.simsnap.service.http.SnapshotServer;
import dev.simsnap.simulate.EntityChange;
import dev.simsnap.simulate.TradingArenaModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Writes the frozen legacy history fixture with TODAY's code: a fresh embedded broker, the embedded registry, the
 * {@link SimsnapWorker} library, {@link ForkCommand} and the snapshot service ({@link SnapshotServer}, whose as-of
 * snapshots come from today's replayer). Not a test: it runs only when asked,
 *
 * <pre>
 * mvn -B -pl snapshot-service -am -Dtest=LegacyHistoryGenerator -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dlegacy.fixture.regenerate=true test
 * </pre>
 *
 * and replaces {@code src/test/resources/legacy-history/} (or {@code -Dlegacy.fixture.dir=DIR}). The fixture is
 * history: regenerate it only while today's contract is still the one that wrote it, never to make
 * {@link LegacyHistoryReplayTest} pass after a change. The committed fixture was written at commit 0b190eb, with the
 * v1 contracts; since the v2 contracts this class would write v2 records, so it is kept as the record of how the
 * fixture was made, not to be run again over it.
 *
 * <p>Runs (every feature of today's StateDelta v1 contract):
 * <ul>
 * <li>{@code legacy-arena}: trading-arena, workers w0 and w1, iterations 0..6 of {@link TradingArenaModel} (persons,
 * stocks, market, market index, information; UPSERT, PATCH, APPEND) plus scripted changes: unicode and awkward
 * doubles, PATCH of some person fields (maps included), APPEND to past_stock_last_prices, DELETE of persons, a
 * second market index; RunEnded COMPLETED. Snapshots: live (iteration 6) and as of iteration 3.</li>
 * <li>{@code legacy-fork}: {@code simsnap fork} of legacy-arena at iteration 3; both workers continue with
 * iteration 4; RunEnded FAILED. Snapshot: live.</li>
 * <li>{@code legacy-docs}: DOCUMENT entities in two collections: UPSERT, PATCH, APPEND json_items, DELETE, unicode
 * ids and text, control characters, awkward numbers; RunEnded CANCELLED. Snapshot: live.</li>
 * <li>{@code legacy-persona}: persona-evolution, generation 0 from the worker (one chunk), generation 1 in three
 * chunks plus its seal in one transaction; RunEnded COMPLETED. Snapshots: live, as of generation 1.</li>
 * </ul>
 *
 * <p>Generation 1's chunks are sent by a transactional producer with today's serializer, under the worker's own
 * transactional id (like a restarted worker), because the worker library cuts chunks at 256 KiB: a worker-made
 * multi-chunk generation would need more than 256 KiB of members and make the fixture about a megabyte. The records
 * are exactly the shapes the worker sends (chunk_index 0..n-1, first_member_index, then the seal).
 */
@RealKafka(restartable = true)
@EnabledIfSystemProperty(named = "legacy.fixture.regenerate", matches = "true")
class LegacyHistoryGenerator {

    static final String ARENA = "legacy-arena";
    static final String FORK = "legacy-fork";
    static final String DOCS = "legacy-docs";
    static final String PERSONA = "legacy-persona";
    static final int AS_OF = 3;
    private static final int PARTITIONS = 6;
    private static final Duration WAIT = Duration.ofSeconds(90);

    /** Strings no renderer should mangle: accents, CJK, emoji (a surrogate pair), control and separator chars. */
    static final String UNICODE = "Zoë Ångström 中文 🚀 \u0001\u0007\t\n\r\"\\/ \u007f \u2028\u2029 end";
    static final double TINY = 1e-7;
    static final double NEG_ZERO = -0.0;
    static final double HUGE = 1e21;
    static final double POINT_THREE = 0.1 + 0.2;
    static final double INTEGRAL = 10000.0;

    @TempDir
    Path temp;

    @Test
    void generate(KafkaBroker broker) throws Exception {
        Path out = Path.of(System.getProperty("legacy.fixture.dir", "src/test/resources/legacy-history"))
                .toAbsolutePath().normalize();
        String bootstrap = broker.bootstrapServers();
        Path root = temp.resolve("out");
        try (SchemaRegistryServer registry = SchemaRegistryServer.builder(bootstrap).port(0).build().start();
             SnapshotServer server = SnapshotServer.builder().bootstrapServers(bootstrap)
                     .schemaRegistryUrl(registry.url()).stateDir(temp.resolve("state")).outputRoot(root)
                     .http("127.0.0.1", 0).applicationId("legacy-generator").partitions(PARTITIONS)
                     .checkpoints(0, Duration.ofSeconds(30)).streamsProperty("commit.interval.ms", 50)
                     .build().start()) {
            server.awaitRunning(Duration.ofSeconds(60));
            String url = server.url();
            Properties config = new Properties();
            config.setProperty(SimsnapConfig.BOOTSTRAP_SERVERS, bootstrap);
            config.setProperty(SimsnapConfig.SCHEMA_REGISTRY_URL, registry.url());

            writeArena(config, url);
            fork(bootstrap, registry.url());
            writeForkContinuation(config);
            writeDocs(config);
            writePersona(config, bootstrap, registry.url());

            Map<String, ObjectNode> expectations = new LinkedHashMap<>();
            expectations.put(ARENA, awaitRun(url, ARENA, 6, List.of()));
            expectations.put(FORK, awaitRun(url, FORK, AS_OF + 1, List.of()));
            expectations.put(DOCS, awaitRun(url, DOCS, 2, List.of()));
            expectations.put(PERSONA, awaitRun(url, PERSONA, -1, List.of(0, 1)));

            // Snapshots through the service's REST API (as-of ones come from today's replayer).
            List<ObjectNode> snapshots = new ArrayList<>();
            for (String run : expectations.keySet()) {
                snapshots.add(snapshot(url, run, null));
            }
            snapshots.add(snapshot(url, ARENA, String.valueOf(AS_OF)));
            snapshots.add(snapshot(url, PERSONA, "g1"));

            assertThat(deadLetters(bootstrap)).as("records of the fixture that today's service rejected").isEmpty();

            // ---- dump ---------------------------------------------------------------------------------------
            deleteTree(out);
            Files.createDirectories(out);
            List<ObjectNode> records = new ArrayList<>();
            ObjectNode topics = LegacyFixture.JSON.createObjectNode();
            for (String topic : List.of(Contracts.DELTAS_TOPIC, Contracts.GENERATIONS_TOPIC)) {
                topics.put(topic, readCommitted(bootstrap, topic, records));
            }
            TreeSet<Integer> ids = new TreeSet<>();
            StringBuilder lines = new StringBuilder();
            for (ObjectNode r : records) {
                byte[] value = Base64.getDecoder().decode(r.get("value").asText());
                assertThat(value[0]).as("Confluent magic byte").isZero();
                ids.add(ByteBuffer.wrap(value, 1, 4).getInt());
                lines.append(LegacyFixture.COMPACT.writeValueAsString(r)).append('\n');
            }
            Files.writeString(out.resolve(LegacyFixture.RECORDS), lines.toString(), StandardCharsets.UTF_8);

            ArrayNode schemas = schemas(registry.url());
            TreeSet<Integer> held = new TreeSet<>();
            schemas.forEach(s -> held.add(s.get("id").asInt()));
            assertThat(held).as("schema ids the registry holds").containsAll(ids);
            Files.writeString(out.resolve(LegacyFixture.SCHEMAS), pretty(schemas), StandardCharsets.UTF_8);

            ObjectNode manifest = LegacyFixture.JSON.createObjectNode();
            manifest.put("doc", "History written by simsnap's StateDelta v1 code (SimsnapWorker, snapshot service,"
                    + " replayer) before the v2 contract; see LegacyHistoryGenerator / LegacyHistoryReplayTest."
                    + " Never regenerate to make a replay pass.");
            manifest.set("topics", topics);
            ArrayNode runs = manifest.putArray("runs");
            expectations.values().forEach(runs::add);
            ArrayNode snaps = manifest.putArray("snapshots");
            snapshots.forEach(snaps::add);
            Files.writeString(out.resolve(LegacyFixture.MANIFEST), pretty(manifest), StandardCharsets.UTF_8);
            Files.writeString(out.resolve(".gitattributes"), "# byte-exact fixture: never convert line endings\n"
                    + "* -text\n", StandardCharsets.UTF_8);

            for (ObjectNode s : snapshots) {
                String folder = s.get("folder").asText();
                copyTree(root.resolve(folder), out.resolve(LegacyFixture.SNAPSHOTS).resolve(folder));
            }
            System.out.printf("LEGACY-FIXTURE: %d records (%s), %d schemas, %d snapshot folders -> %s%n",
                    records.size(), topics, schemas.size(), snapshots.size(), out);
        }
    }

    // ---- runs ---------------------------------------------------------------------------------------------------

    private static void writeArena(Properties config, String url) {
        TradingArenaModel model = new TradingArenaModel(6, 3, 11L);
        Map<Long, List<BiConsumer<Integer, Iteration>>> extras = new TreeMap<>();
        // 1: two scripted persons with unicode text and awkward doubles everywhere.
        extra(extras, 1, 1, it -> it.upsert(scriptedPerson(100, UNICODE)));
        extra(extras, 1, 1, it -> it.upsert(scriptedPerson(101, "to be deleted é")));
        // 2: PATCH of some fields (a map included) of a scripted and of a model person; APPEND awkward prices.
        extra(extras, 2, 0, it -> it.patch(EntityType.PERSON, "100", Person.newBuilder().setPersonId(100)
                .setCash(HUGE).setName("Renée 中文 😀 \u0007bell")
                .setInventories(new TreeMap<>(Map.of("0", 9007199254740993L, "1", -1L))).build(),
                "cash", "name", "inventories"));
        extra(extras, 2, 1, it -> it.patch(EntityType.PERSON, "0", Person.newBuilder().setPersonId(0)
                .setOccupation("Ingénieur 工程师").setPrinciple("Never \"sell\"\nlow\t🙂").build(),
                "occupation", "principle"));
        extra(extras, 2, 1, it -> it.append(EntityType.STOCK, "0", "past_stock_last_prices",
                TINY, NEG_ZERO, HUGE, POINT_THREE, INTEGRAL, -1e-300, 123456789.125));
        // 3: DELETE of a scripted person (the as-of snapshot is taken here).
        extra(extras, 3, 1, it -> it.delete(EntityType.PERSON, "101"));
        // 4: a second market index (the layout then names each index file), the market's bid step patched.
        extra(extras, 4, 0, it -> it.upsert(EntityType.MARKET_INDEX, "IDX2", MarketIndex.newBuilder()
                .setName("Indice é 指数").setStockId(2).setStockProportion(new TreeMap<>(Map.of("0", POINT_THREE,
                        "1", TINY, "2", INTEGRAL))).setCurrentValue(HUGE).setPastValues(new ArrayList<>(
                        List.of(NEG_ZERO, 1.0))).build()));
        extra(extras, 4, 0, it -> it.patch(EntityType.MARKET, "market", Market.newBuilder().setBidStep(NEG_ZERO)
                .build(), "bid_step"));
        // 5: APPEND to the new index, PATCH of a double map and of a string with control characters.
        extra(extras, 5, 1, it -> it.append(EntityType.MARKET_INDEX, "IDX2", "past_values", POINT_THREE, HUGE));
        extra(extras, 5, 1, it -> it.patch(EntityType.PERSON, "100", Person.newBuilder().setPersonId(100)
                .setDividends(new TreeMap<>(Map.of("0", POINT_THREE, "2", NEG_ZERO))).setIdentity("id\u0000\u001f"
                        + UNICODE).build(), "dividends", "identity"));
        // 6: DELETE of a model person after the model changed it in the same iteration.
        extra(extras, 6, 1, it -> it.delete(EntityType.PERSON, "5"));

        try (SimsnapWorker w0 = worker(config, ARENA, "w0"); SimsnapWorker w1 = worker(config, ARENA, "w1")) {
            w0.startRun(new RunSpec("trading-arena", List.of("w0", "w1"),
                    Map.of("agents", "6", "stocks", "3", "note", "legacy fixture é 中文"), 11L));
            w1.joinRun(Duration.ofSeconds(60));
            SimsnapWorker[] workers = {w0, w1};
            while (model.iteration() < 6) {
                List<EntityChange> changes = model.advance();
                long i = model.iteration();
                for (int k = 0; k < 2; k++) {
                    try (Iteration it = workers[k].beginIteration(i, TradingArenaModel.virtualDate(i))) {
                        for (EntityChange change : changes) {
                            if (TradingArenaModel.ownerOf(change, 2) == k) {
                                change.applyTo(it);
                            }
                        }
                        for (BiConsumer<Integer, Iteration> extra : extras.getOrDefault(i, List.of())) {
                            extra.accept(k, it);
                        }
                        it.commit();
                    }
                }
            }
            awaitRun(url, ARENA, 6, null);
            w0.endRun(RunStatus.COMPLETED);
        }
    }

    private static void fork(String bootstrap, String registryUrl) {
        CommandLine fork = new CommandLine(new ForkCommand());
        StringWriter err = new StringWriter();
        fork.setErr(new PrintWriter(err, true));
        fork.setOut(new PrintWriter(new StringWriter(), true));
        int code = fork.execute("--bootstrap-servers", bootstrap, "--schema-registry-url", registryUrl,
                "--run", ARENA, "--iteration", String.valueOf(AS_OF), "--new-run", FORK);
        assertThat(code).as(err.toString()).isZero();
    }

    private static void writeForkContinuation(Properties config) {
        try (SimsnapWorker w0 = worker(config, FORK, "w0"); SimsnapWorker w1 = worker(config, FORK, "w1")) {
            w0.joinRun(Duration.ofSeconds(60));
            w1.joinRun(Duration.ofSeconds(60));
            long next = AS_OF + 1;
            try (Iteration it = w0.beginIteration(next, TradingArenaModel.virtualDate(next))) {
                it.patch(EntityType.PERSON, "100", Person.newBuilder().setPersonId(100).setCash(42.0).build(), "cash");
                it.commit();
            }
            try (Iteration it = w1.beginIteration(next, TradingArenaModel.virtualDate(next))) {
                it.append(EntityType.STOCK, "1", "past_stock_last_prices", 1.5, TINY);
                it.delete(EntityType.PERSON, "0");
                it.commit();
            }
            w1.endRun(RunStatus.FAILED);
        }
    }

    private static void writeDocs(Properties config) {
        String agent1 = "{\"name\":\"" + jsonEscape(UNICODE) + "\",\"tiny\":1e-7,\"neg_zero\":-0.0,\"huge\":1e21,"
                + "\"point_three\":0.30000000000000004,\"integral\":10000.0,\"int\":10000,\"big_int\":9007199254740993,"
                + "\"exp\":1.5E-5,\"list\":[1,2.5,\"é\",null,true,{\"b\":1,\"a\":2}],\"empty\":{},"
                + "\"zeta\":\"last\",\"alpha\":\"first\",\"nested\":{\"z\":[],\"a\":{\"deep\":[-0.0]}}}";
        try (SimsnapWorker w0 = worker(config, DOCS, "w0")) {
            w0.startRun(new RunSpec("notebook", List.of("w0"), Map.of("purpose", "documents"), 0L));
            try (Iteration it = w0.beginIteration(0, 0)) {
                it.upsertDocument("agents", "a1", agent1);
                it.upsertDocument("agents", "a2", "{\"name\":\"second\",\"score\":0.1}");
                it.upsertDocument("agents", "é-中文-🚀", "{\"name\":\"unicode id\",\"ctl\":\"\\u0001\\u001f\"}");
                it.upsertDocument("world", "state", "{\"day\":0,\"weather\":\"☀\",\"temps\":[]}");
                it.commit();
            }
            try (Iteration it = w0.beginIteration(1, 0)) {
                it.patchDocument("agents", "a1", "{\"tiny\":2e-7,\"new_key\":\"中文\",\"huge\":-1e21}",
                        "tiny", "new_key", "huge");
                it.appendDocument("agents", "a1", "list", "1e21", "-0.0", "\"😀\"", "{\"k\":0.30000000000000004}",
                        "[1,[2]]");
                it.appendDocument("world", "state", "temps", "10000.0", "1e-7");
                it.commit();
            }
            try (Iteration it = w0.beginIteration(2, 1)) {
                it.deleteDocument("agents", "a2");
                it.patchDocument("world", "state", "{\"day\":1,\"weather\":null}", "day", "weather");
                it.appendDocument("agents", "a1", "fresh_list", "\"created by append\"");
                it.commit();
            }
            w0.endRun(RunStatus.CANCELLED);
        }
    }

    private static void writePersona(Properties config, String bootstrap, String registryUrl) {
        try (SimsnapWorker w0 = worker(config, PERSONA, "w0")) {
            w0.startRun(new RunSpec("persona-evolution", List.of("w0"), Map.of("population", "3", "generations", "2"),
                    5L));
            int chunks = w0.publishGeneration(0, List.of(genotype(0, UNICODE), genotype(1, "Bob"),
                    genotype(2, "中文 名字")), List.of(POINT_THREE, NEG_ZERO, HUGE));
            assertThat(chunks).isEqualTo(1);
        }
        // Generation 1: three chunks and the seal in one transaction, as a restarted w0 would send them.
        List<PersonaGenotype> members = List.of(genotype(10, "Émile"), genotype(11, "🚀 rocket"),
                genotype(12, "Ω"), genotype(13, "tab\there"), genotype(14, "last"));
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, SimsnapWorker.transactionalId(PERSONA, "w0"));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "dev.simsnap.serde.AvroSerializer");
        props.put("schema.registry.url", registryUrl);
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            producer.beginTransaction();
            int[][] slices = {{0, 2}, {2, 4}, {4, 5}};
            for (int c = 0; c < slices.length; c++) {
                producer.send(new ProducerRecord<>(Contracts.GENERATIONS_TOPIC, PERSONA, new GenerationChunk(PERSONA,
                        "w0", 1, c, slices[c][0], members.subList(slices[c][0], slices[c][1]), null, List.of())));
            }
            producer.send(new ProducerRecord<>(Contracts.GENERATIONS_TOPIC, PERSONA, new GenerationSealed(PERSONA,
                    "w0", 1, members.size(), slices.length, List.of(TINY, INTEGRAL, -2.5, 0.0, 1e-300), null, null)));
            producer.commitTransaction();
        }
        try (SimsnapWorker w0 = worker(config, PERSONA, "w0")) {
            w0.endRun(RunStatus.COMPLETED);
        }
    }

    private static Person scriptedPerson(int id, String name) {
        return Person.newBuilder().setPersonId(id).setName(name).setOccupation("Händler 商人")
                .setPrinciple("Buy \"low\",\nsell high\t✓").setInvestmentDuration("long-term")
                .setDailyIncomeFromJob("1e21").setCash(NEG_ZERO).setMinimumLivingExpense(TINY)
                .setReflectFrequency(3).setIncome(POINT_THREE).setAsset(HUGE).setWealth(INTEGRAL)
                .setIdentity("ctl:\u0001\u001f;" + name)
                .setInventories(new TreeMap<>(Map.of("0", 5L, "2", 0L)))
                .setDividends(new TreeMap<>(Map.of("0", TINY, "1", INTEGRAL))).build();
    }

    private static PersonaGenotype genotype(int i, String name) {
        return PersonaGenotype.newBuilder().setName(name).setAge(20 + i).setOccupation("occupation é " + i)
                .setBackstory("Backstory " + i + ": line one\nline two \"quoted\" 中文 🚀")
                .setCoreValues(new ArrayList<>(List.of("honesty", "curiosité")))
                .setHobbies(new ArrayList<>(List.of("go 围棋")))
                .setPersonalityTraits(new TreeMap<>(Map.of("openness", POINT_THREE, "neuroticism", NEG_ZERO,
                        "extraversion", TINY, "agreeableness", INTEGRAL / 10000.0, "scale", HUGE)))
                .setCommunicationStyle("terse").setTopicalFocus("markets").setInteractionPolicy("polite")
                .setGoals(new ArrayList<>(List.of("goal " + i))).build();
    }

    private static void extra(Map<Long, List<BiConsumer<Integer, Iteration>>> extras, long iteration, int worker,
                              java.util.function.Consumer<Iteration> change) {
        extras.computeIfAbsent(iteration, i -> new ArrayList<>()).add((k, it) -> {
            if (k == worker) {
                change.accept(it);
            }
        });
    }

    private static SimsnapWorker worker(Properties config, String run, String id) {
        return SimsnapWorker.builder().environment(Map.of()).config(config).run(run).worker(id).build();
    }

    private static String jsonEscape(String s) {
        try {
            String quoted = LegacyFixture.COMPACT.writeValueAsString(s);
            return quoted.substring(1, quoted.length() - 1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- service --------------------------------------------------------------------------------------------------

    /**
     * Waits until the run is consistent at {@code iteration} (and ended with its generations visible, unless
     * {@code generations} is null); returns what the replay must wait for.
     */
    private static ObjectNode awaitRun(String url, String run, long iteration, List<Integer> generations) {
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            HttpResponse<String> r = LegacyFixture.http("GET", url + "/runs/" + run, null);
            if (r.statusCode() != 200) {
                return false;
            }
            JsonNode detail = LegacyFixture.parse(r.body());
            if (detail.get("consistent_iteration").asLong() != iteration) {
                return false;
            }
            if (generations == null) {
                return true;
            }
            JsonNode list = LegacyFixture.parse(LegacyFixture.http("GET", url + "/runs/" + run + "/generations",
                    null).body()).get("generations");
            List<Integer> seen = new ArrayList<>();
            list.forEach(g -> seen.add(g.asInt()));
            return detail.get("ended").asBoolean() && seen.equals(generations);
        });
        ObjectNode e = LegacyFixture.JSON.createObjectNode();
        e.put("run", run);
        e.put("consistent_iteration", iteration);
        e.put("ended", true);
        ArrayNode g = e.putArray("generations");
        if (generations != null) {
            generations.forEach(g::add);
        }
        return e;
    }

    private static ObjectNode snapshot(String url, String run, String asOf) {
        String query = asOf == null ? "" : asOf.startsWith("g") ? "?generation=" + asOf.substring(1)
                : "?iteration=" + asOf;
        HttpResponse<String> r = LegacyFixture.http("POST", url + "/runs/" + run + "/snapshots" + query, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        ObjectNode s = LegacyFixture.JSON.createObjectNode();
        s.put("folder", asOf == null ? run : run + "@" + asOf);
        s.put("run", run);
        if (asOf == null) {
            s.putNull("as_of");
        } else {
            s.put("as_of", asOf);
        }
        return s;
    }

    // ---- dump -----------------------------------------------------------------------------------------------------

    /** Appends the topic's committed records (per partition, in offset order); returns its partition count. */
    private static int readCommitted(String bootstrap, String topic, List<ObjectNode> into) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic);
            List<TopicPartition> parts = infos.stream().map(p -> new TopicPartition(topic, p.partition()))
                    .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts); // the LSO under read_committed
            Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> seen = new TreeMap<>(
                    Comparator.comparingInt(TopicPartition::partition));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + end);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), p -> new ArrayList<>()).add(r);
                }
            }
            for (List<ConsumerRecord<byte[], byte[]>> list : seen.values()) {
                for (ConsumerRecord<byte[], byte[]> r : list) {
                    ObjectNode o = LegacyFixture.COMPACT.createObjectNode();
                    o.put("topic", r.topic());
                    o.put("partition", r.partition());
                    o.put("offset", r.offset());
                    o.put("timestamp", r.timestamp());
                    o.put("key", r.key() == null ? null : Base64.getEncoder().encodeToString(r.key()));
                    o.put("value", r.value() == null ? null : Base64.getEncoder().encodeToString(r.value()));
                    ArrayNode headers = o.putArray("headers");
                    for (Header h : r.headers()) {
                        ObjectNode ho = headers.addObject();
                        ho.put("key", h.key());
                        ho.put("value", h.value() == null ? null : Base64.getEncoder().encodeToString(h.value()));
                    }
                    into.add(o);
                }
            }
            return parts.size();
        }
    }

    private static List<String> deadLetters(String bootstrap) {
        List<ObjectNode> dead = new ArrayList<>();
        readCommitted(bootstrap, Contracts.DEAD_LETTER_TOPIC, dead);
        List<String> reasons = new ArrayList<>();
        for (ObjectNode d : dead) {
            StringBuilder b = new StringBuilder();
            d.get("headers").forEach(h -> b.append(h.get("key").asText()).append('=').append(h.get("value").isNull()
                    ? "" : new String(Base64.getDecoder().decode(h.get("value").asText()), StandardCharsets.UTF_8))
                    .append(' '));
            reasons.add(b.toString());
        }
        return reasons;
    }

    /** Every version of every subject: [{id, subject, version, schema}] sorted by id, then subject. */
    private static ArrayNode schemas(String registryUrl) {
        List<ObjectNode> all = new ArrayList<>();
        for (JsonNode subject : LegacyFixture.parse(LegacyFixture.http("GET", registryUrl + "/subjects", null).body())) {
            String s = subject.asText();
            for (JsonNode v : LegacyFixture.parse(LegacyFixture.http("GET",
                    registryUrl + "/subjects/" + s + "/versions", null).body())) {
                JsonNode version = LegacyFixture.parse(LegacyFixture.http("GET",
                        registryUrl + "/subjects/" + s + "/versions/" + v.asInt(), null).body());
                ObjectNode o = LegacyFixture.JSON.createObjectNode();
                o.put("id", version.get("id").asInt());
                o.put("subject", version.get("subject").asText());
                o.put("version", version.get("version").asInt());
                o.put("schema", version.get("schema").asText());
                all.add(o);
            }
        }
        all.sort(Comparator.<ObjectNode>comparingInt(o -> o.get("id").asInt())
                .thenComparing(o -> o.get("subject").asText()));
        ArrayNode array = LegacyFixture.JSON.createArrayNode();
        all.forEach(array::add);
        return array;
    }

    private static String pretty(JsonNode node) throws Exception {
        return LegacyFixture.JSON.writeValueAsString(node) + "\n";
    }

    private static void copyTree(Path from, Path to) throws Exception {
        assertThat(from).isDirectory();
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
