package dev.simsnap.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SchemaEvolutionException;
import dev.simsnap.producer.SimsnapConfig;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.producer.Step;
import dev.simsnap.producer.StepConflictException;
import dev.simsnap.producer.StepResult;
import dev.simsnap.producer.TestStack;
import dev.simsnap.registry.client.SchemaRegistries;
import dev.simsnap.registry.client.SchemaRegistry;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.generation.GenerationChunk;
import dev.simsnap.schema.generation.GenerationSealed;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.serde.WireFormat;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * v2 runs end to end on the real devstack broker and a real registry: a kind declared only by a test descriptor,
 * written by the Java library and the gateway; the built-in trading arena with items shaped like the seed's real
 * objects; step re-sends; schema evolution; concurrent starts.
 */
@RealKafka
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StateModelRunTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Properties config;
    private GatewayServer gateway;
    private final HttpClient http = HttpClient.newHttpClient();
    private final SchemaRegistry registry;

    StateModelRunTest(KafkaBroker broker) {
        this.config = TestStack.config(broker);
        this.gateway = newGateway();
        Map<String, Object> map = new HashMap<>();
        config.stringPropertyNames().forEach(k -> map.put(k, config.getProperty(k)));
        this.registry = SchemaRegistries.fromConfig(map);
    }

    private GatewayServer newGateway() {
        return GatewayServer.builder().bootstrapServers(config.getProperty(SimsnapConfig.BOOTSTRAP_SERVERS))
                .schemaRegistryUrl(config.getProperty(SimsnapConfig.SCHEMA_REGISTRY_URL)).port(0).build().start();
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private record Reply(int status, JsonNode json) {
    }

    private Reply post(String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + path))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), MAPPER.readTree(r.body()));
    }

    private Reply get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), MAPPER.readTree(r.body()));
    }

    /** The example kind, from its descriptor and schema files (examples/kinds/epidemic-grid). */
    private static StateModel epidemic() {
        return StateModel.load(java.nio.file.Path.of("../examples/kinds/epidemic-grid"));
    }

    private SimsnapWorker worker(String run, String id) {
        return SimsnapWorker.builder().environment(Map.of()).config(config).run(run).worker(id).build();
    }

    private List<Object> deltasTopic(String run) {
        return TestStack.records(config, Contracts.DELTAS_TOPIC, run, true).stream().map(r -> r.value()).toList();
    }

    private static <T> List<T> only(List<Object> values, Class<T> type) {
        return values.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    /** Decodes a delta's item with the registry's schema for its id (what a reader does). */
    private String decoded(StateDelta d) {
        if (d.getItem() == null) {
            return "-";
        }
        byte[] framed = bytes(d.getItem());
        WireFormat.Framed f = WireFormat.unframe(framed);
        Schema writer = registry.getById(f.schemaId());
        byte[] body = Arrays.copyOfRange(framed, f.bodyOffset(), f.bodyOffset() + f.bodyLength());
        return switch (d.getOp()) {
            case UPSERT -> ItemCodec.decodeUpsert(writer, body).toString();
            case PATCH -> ItemCodec.decodePatch(writer, d.getPatchFields(), body).toString();
            case APPEND -> ItemCodec.decodeAppend(writer, d.getPatchFields().get(0), body).toString();
            default -> "?";
        };
    }

    private String line(StateDelta d) {
        return d.getWorkerId() + "|" + d.getIteration() + "|" + d.getCollection() + "|" + d.getEntityId() + "|"
                + d.getOp() + "|" + d.getPatchFields() + "|" + decoded(d);
    }

    private static GenericRecord cell(Schema schema, int x, int y, long s, long i, long r, List<String> tags) {
        GenericRecord c = new GenericData.Record(schema);
        c.put("x", x);
        c.put("y", y);
        c.put("susceptible", s);
        c.put("infected", i);
        c.put("recovered", r);
        c.put("tags", new ArrayList<>(tags));
        return c;
    }

    private static GenericRecord event(Schema schema, long day, int x, int y, String kind, long count) {
        GenericRecord e = new GenericData.Record(schema);
        e.put("day", day);
        e.put("x", x);
        e.put("y", y);
        e.put("kind", kind);
        e.put("count", count);
        return e;
    }

    private static Schema schemaOf(StateModel model, String collection) {
        return model.collection(collection).orElseThrow().latestSchema().orElseThrow();
    }

    private String startBody(StateModel model, String worker, String... workers) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("kind", model.kind());
        body.put("model", MAPPER.readTree(model.toJson()));
        body.put("expected_workers", List.of(workers));
        body.put("config", Map.of("grid", "4x4"));
        body.put("seed", 42);
        body.put("worker", worker);
        return MAPPER.writeValueAsString(body);
    }

    private static String gwStep(int s) {
        return """
                {"clock": {"day": %d}, "changes": [
                  {"collection": "cells", "op": "upsert",
                   "item": {"x": %d, "y": 0, "susceptible": %d, "infected": %d, "recovered": 0, "tags": ["gw"]}},
                  {"collection": "events", "op": "insert", "row_id": %d,
                   "row": {"day": %d, "x": %d, "y": 0, "kind": "seeded", "count": 1}}%s
                ]}""".formatted(s, 10 + s, 500 - s, s, 100 + s, s, 10 + s, s == 0
                ? ",\n  {\"collection\": \"params\", \"op\": \"upsert\", \"item\": {\"beta\": 0.25, \"gamma\": 1,"
                + " \"meta\": {\"r0\": 2, \"ratio\": 2.0, \"mixed\": [1, 1.5, \"a\", null, true, {\"k\": 3}]}}}"
                : "");
    }

    // ---- a kind declared only by a descriptor, two workers (library + gateway), three steps ------------------

    @Test
    void descriptorKindWrittenByLibraryAndGatewayReadsBackAsExpected() throws Exception {
        String run = TestStack.uniqueRun("epi");
        StateModel model = epidemic();
        Schema cellSchema = schemaOf(model, "cells");
        Schema eventSchema = schemaOf(model, "events");
        List<StepResult> libResults = new ArrayList<>();
        List<String> gwDigests = new ArrayList<>();
        try (SimsnapWorker lib = worker(run, "lib")) {
            assertThat(lib.start(new RunDefinition(model, List.of("lib", "gw"), Map.of("grid", "4x4"), 42))).isTrue();
            Reply again = post("/runs/" + run + "/start", startBody(model, "gw", "gw", "lib"));
            assertThat(again.status()).as(again.json().toString()).isEqualTo(200);
            assertThat(again.json().get("status").asText()).isEqualTo("already_started");

            for (int s = 0; s < 3; s++) {
                Step step = lib.beginStep(Map.of("day", (long) s));
                assertThat(step.step()).isEqualTo(s);
                step.upsert("cells", cell(cellSchema, s, 0, 1000 - 10 * s, 5L * s, 0, List.of()));
                step.upsert("cells", cell(cellSchema, s, 1, 900, s, 1, List.of("edge")));
                if (s == 0) {
                    step.insertRow("events", 1, event(eventSchema, 0, 0, 0, "outbreak", 3));
                } else if (s == 1) {
                    step.patch("params", "", Map.of("beta", 0.5));
                    step.insertRow("events", 2, event(eventSchema, 1, 1, 1, "spread", 4));
                } else {
                    step.updateRow("events", 1, Map.of("count", 7L));
                    step.append("cells", "0/0", "tags", List.of("quarantined"));
                    step.delete("cells", "1/1");
                    step.deleteRow("events", 2);
                }
                StepResult result = step.commit();
                assertThat(result.status()).isEqualTo(StepResult.Status.COMMITTED);
                assertThat(result.step()).isEqualTo(s);
                libResults.add(result);

                Reply gw = post("/runs/" + run + "/workers/gw/steps", gwStep(s));
                assertThat(gw.status()).as(gw.json().toString()).isEqualTo(200);
                assertThat(gw.json().get("status").asText()).isEqualTo("committed");
                assertThat(gw.json().get("step").asLong()).isEqualTo(s);
                gwDigests.add(gw.json().get("digest").asText());
            }
        }

        List<Object> values = deltasTopic(run);
        List<RunStarted> starts = only(values, RunStarted.class);
        assertThat(starts).hasSize(1);
        assertThat(starts.get(0).getKind()).isEqualTo("epidemic-grid");
        assertThat(StateModel.parse(starts.get(0).getModel(), f -> null)).isEqualTo(model);
        assertThat(starts.get(0).getExpectedWorkers()).containsExactly("gw", "lib");

        // independent expectation: written out by hand, compared with what a reader decodes with the registry
        List<String> lib = new ArrayList<>();
        List<String> gw = new ArrayList<>();
        for (StateDelta d : only(values, StateDelta.class)) {
            assertThat(d.getEntityType()).isNull();
            assertThat(d.getPayload()).isNull();
            (d.getWorkerId().equals("lib") ? lib : gw).add(line(d));
        }
        String cell = "{\"x\": %d, \"y\": %d, \"susceptible\": %d, \"infected\": %d, \"recovered\": %d, \"tags\": %s}";
        String ev = "{\"day\": %d, \"x\": %d, \"y\": %d, \"kind\": \"%s\", \"count\": %d}";
        assertThat(lib).containsExactly(
                "lib|0|cells|0/0|UPSERT|[]|" + cell.formatted(0, 0, 1000, 0, 0, "[]"),
                "lib|0|cells|0/1|UPSERT|[]|" + cell.formatted(0, 1, 900, 0, 1, "[\"edge\"]"),
                "lib|0|events|1|UPSERT|[]|" + ev.formatted(0, 0, 0, "outbreak", 3),
                "lib|1|cells|1/0|UPSERT|[]|" + cell.formatted(1, 0, 990, 5, 0, "[]"),
                "lib|1|cells|1/1|UPSERT|[]|" + cell.formatted(1, 1, 900, 1, 1, "[\"edge\"]"),
                "lib|1|params||PATCH|[beta]|[0.5]",
                "lib|1|events|2|UPSERT|[]|" + ev.formatted(1, 1, 1, "spread", 4),
                "lib|2|cells|2/0|UPSERT|[]|" + cell.formatted(2, 0, 980, 10, 0, "[]"),
                "lib|2|cells|2/1|UPSERT|[]|" + cell.formatted(2, 1, 900, 2, 1, "[\"edge\"]"),
                "lib|2|events|1|PATCH|[count]|[7]",
                "lib|2|cells|0/0|APPEND|[tags]|[quarantined]",
                "lib|2|cells|1/1|DELETE|[]|-",
                "lib|2|events|2|DELETE|[]|-");
        String gwCell = "gw|%d|cells|%d/0|UPSERT|[]|" + cell;
        String gwEvent = "gw|%d|events|%d|UPSERT|[]|" + ev;
        String params = "gw|0|params||UPSERT|[]|{\"beta\": 0.25, \"gamma\": 1.0, \"meta\": {\"r0\": {\"v\": 2},"
                + " \"ratio\": {\"v\": 2.0}, \"mixed\": {\"v\": [{\"v\": 1}, {\"v\": 1.5}, {\"v\": \"a\"}, {\"v\": null},"
                + " {\"v\": true}, {\"v\": {\"k\": {\"v\": 3}}}]}}}";
        // Avro decodes maps into hash maps: the params line is checked entry by entry
        String paramsLine = gw.remove(2);
        assertThat(paramsLine).startsWith("gw|0|params||UPSERT|[]|{\"beta\": 0.25, \"gamma\": 1.0, \"meta\": {")
                .contains("\"r0\": {\"v\": 2}", "\"ratio\": {\"v\": 2.0}", "\"mixed\": {\"v\": [{\"v\": 1}, "
                        + "{\"v\": 1.5}, {\"v\": \"a\"}, {\"v\": null}, {\"v\": true}, {\"v\": {\"k\": {\"v\": 3}}}]}")
                .hasSize(params.length());
        assertThat(gw).containsExactly(
                gwCell.formatted(0, 10, 10, 0, 500, 0, 0, "[\"gw\"]"), gwEvent.formatted(0, 100, 0, 10, 0, "seeded", 1),
                gwCell.formatted(1, 11, 11, 0, 499, 1, 0, "[\"gw\"]"), gwEvent.formatted(1, 101, 1, 11, 0, "seeded", 1),
                gwCell.formatted(2, 12, 12, 0, 498, 2, 0, "[\"gw\"]"), gwEvent.formatted(2, 102, 2, 12, 0, "seeded", 1));

        // ints stay longs and floats doubles through the JSON value record
        StateDelta paramsDelta = only(values, StateDelta.class).stream()
                .filter(d -> d.getCollection().equals("params") && d.getWorkerId().equals("gw")).findFirst().orElseThrow();
        byte[] framed = bytes(paramsDelta.getItem());
        WireFormat.Framed f = WireFormat.unframe(framed);
        GenericRecord p = ItemCodec.decodeUpsert(registry.getById(f.schemaId()),
                Arrays.copyOfRange(framed, f.bodyOffset(), framed.length));
        @SuppressWarnings("unchecked")
        Map<Utf8, GenericRecord> meta = (Map<Utf8, GenericRecord>) p.get("meta");
        assertThat(meta.get(new Utf8("r0")).get("v")).isInstanceOf(Long.class).isEqualTo(2L);
        assertThat(meta.get(new Utf8("ratio")).get("v")).isInstanceOf(Double.class).isEqualTo(2.0);

        List<IterationCommitted> commits = only(values, IterationCommitted.class);
        assertThat(commits).hasSize(6);
        for (IterationCommitted c : commits) {
            assertThat(c.getClock()).isEqualTo(Map.of("day", c.getIteration()));
            String hex = hex(bytes(c.getContentDigest()));
            int s = (int) c.getIteration();
            assertThat(hex).isEqualTo(c.getWorkerId().equals("lib") ? libResults.get(s).digest() : gwDigests.get(s));
        }
        assertThat(commits.stream().filter(c -> c.getWorkerId().equals("lib")).map(IterationCommitted::getDeltaCount))
                .containsExactly(3, 4, 6);
        assertThat(commits.stream().filter(c -> c.getWorkerId().equals("lib")).map(IterationCommitted::getLastSequence))
                .containsExactly(2L, 6L, 12L);
    }

    // ---- the built-in trading arena with the seed's real object shapes: 3 days x 3 intra-day iterations -------

    private static String arenaStep(int day, int iter) {
        boolean first = day == 0 && iter == 0;
        // ints at start (as persona.json has them), floats after trading, as the real objects do
        String cash = first ? "40000" : String.valueOf(40000 - day * 100 - iter * 10.5);
        return """
                {"clock": {"virtual_date": %d, "iteration": %d}, "changes": [
                  {"collection": "information", "op": "upsert", "item": {"virtual_date": %d, "iteration": %d}},
                  {"collection": "persons", "op": "upsert", "item": {
                    "person_id": 0,
                    "identity": {"person_id": 0, "name": "Ann", "occupation": "Teacher", "principle": "Buy low.",
                                 "investment_duration": "long", "daily_income_from_job": "500", "cash": 40000,
                                 "minimum_living_expense": 100, "reflect_frequency": 3},
                    "income": "500", "cash": %s, "asset": 0, "wealth": %s, "principle": "Buy low, sell high.",
                    "minimum_living_expense": 100, "daily_expense": 12.5, "reflect_frequency": 3}},
                  {"collection": "persons", "op": "upsert", "item": {
                    "person_id": -1, "cash": 1000000, "asset": 0.0, "wealth": 1000000, "total_expense": 0,
                    "inventories": [100, %d], "dividends": [0.5, 0.0]}},
                  {"collection": "stocks", "op": "upsert", "item": {
                    "stock_id": 0, "stock_name": "A", "quantity": 1000, "current_price": %s, "book_value": 10,
                    "DPS": 1, "Name": "A", "intraday_price_list": [439.4, 440]}},
                  {"collection": "market", "op": "upsert", "item": {"_bid_step": 0.01, "today_index": %s}},
                  {"collection": "db_active_orders", "op": "insert", "row_id": %d, "row": {
                    "timestamp": %d, "virtual_date": %d, "weekday": 1, "iteration": %d, "stock_id": 0,
                    "person_id": 0, "type": "buy", "price": 439.4, "quantity": 3, "status": "active"}}%s
                ]}""".formatted(day, iter, day, iter, cash, cash, 200 - day * 3 - iter,
                first ? "439" : "439.4", iter == 1 ? "null" : "1000.5", day * 3 + iter + 1,
                1_700_000_000L + day * 3 + iter, day, iter,
                iter == 2 ? ",\n  {\"collection\": \"db_active_orders\", \"op\": \"update\", \"row_id\": "
                        + (day * 3 + 1) + ", \"set\": {\"status\": \"closed\"}}" : "");
    }

    @Test
    void tradingArenaAcceptsTheSeedsRealObjectsForNineStepsOfThreeDays() throws Exception {
        String run = TestStack.uniqueRun("arena");
        Reply start = post("/runs/" + run + "/start", "{\"kind\": \"trading-arena\", \"model\": \"built-in\", \"expected_workers\": [\"w0\"]}");
        assertThat(start.status()).as(start.json().toString()).isEqualTo(200);
        assertThat(start.json().get("status").asText()).isEqualTo("started");
        int step = 0;
        for (int day = 0; day < 3; day++) {
            for (int iter = 0; iter < 3; iter++) {
                Reply r = post("/runs/" + run + "/workers/w0/steps", arenaStep(day, iter));
                assertThat(r.status()).as("day %d iteration %d: %s", day, iter, r.json()).isEqualTo(200);
                assertThat(r.json().get("status").asText()).isEqualTo("committed");
                assertThat(r.json().get("step").asLong()).isEqualTo(step++);
            }
        }
        List<Object> values = deltasTopic(run);
        List<IterationCommitted> commits = only(values, IterationCommitted.class);
        assertThat(commits).extracting(IterationCommitted::getIteration).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L,
                7L, 8L);
        for (IterationCommitted c : commits) {
            long d = c.getIteration() / 3;
            long i = c.getIteration() % 3;
            assertThat(c.getClock()).isEqualTo(Map.of("virtual_date", d, "iteration", i));
            assertThat(c.getVirtualDate()).isEqualTo((int) d);
        }
        List<StateDelta> deltas = only(values, StateDelta.class);
        assertThat(deltas).hasSize(9 * 6 + 3);
        // the person: identity stays a JSON object with ints as ints; cash an int at start, a float later
        List<GenericRecord> persons = deltas.stream().filter(x -> x.getCollection().equals("persons")
                && x.getEntityId().equals("0")).map(this::item).toList();
        assertThat(persons).hasSize(9);
        @SuppressWarnings("unchecked")
        Map<Utf8, GenericRecord> identity = (Map<Utf8, GenericRecord>) persons.get(0).get("identity");
        assertThat(identity.get(new Utf8("cash")).get("v")).isEqualTo(40000L);
        assertThat(identity.get(new Utf8("daily_income_from_job")).get("v")).isEqualTo(new Utf8("500"));
        assertThat(persons.get(0).get("income")).isEqualTo(new Utf8("500"));
        assertThat(persons.get(0).get("cash")).isEqualTo(40000L);
        assertThat(persons.get(1).get("cash")).isEqualTo(39989.5);
        GenericRecord broker = deltas.stream().filter(x -> x.getCollection().equals("persons")
                && x.getEntityId().equals("-1")).map(this::item).findFirst().orElseThrow();
        assertThat(broker.getSchema().getName()).isEqualTo("Broker");
        assertThat(broker.get("inventories").toString()).isEqualTo("[100, 200]");
        GenericRecord market = deltas.stream().filter(x -> x.getCollection().equals("market")).map(this::item)
                .findFirst().orElseThrow();
        assertThat(market.get("_bid_step")).isEqualTo(0.01);
        assertThat(deltas.stream().filter(x -> x.getCollection().equals("db_active_orders")
                && x.getOp().name().equals("PATCH")).map(this::line).toList()).containsExactly(
                "w0|2|db_active_orders|1|PATCH|[status]|[closed]",
                "w0|5|db_active_orders|4|PATCH|[status]|[closed]",
                "w0|8|db_active_orders|7|PATCH|[status]|[closed]");
    }

    private GenericRecord item(StateDelta d) {
        byte[] framed = bytes(d.getItem());
        WireFormat.Framed f = WireFormat.unframe(framed);
        return ItemCodec.decodeUpsert(registry.getById(f.schemaId()),
                Arrays.copyOfRange(framed, f.bodyOffset(), framed.length));
    }

    // ---- re-sent steps ---------------------------------------------------------------------------------------

    @Test
    void reSentStepsAreAlreadyCommittedWhenIdenticalAndRefusedWhenDifferent() throws Exception {
        String run = TestStack.uniqueRun("resend");
        StateModel model = epidemic();
        Schema cellSchema = schemaOf(model, "cells");
        try (SimsnapWorker lib = worker(run, "lib")) {
            lib.start(new RunDefinition(model, List.of("lib", "gw"), Map.of(), 0));
            Step s0 = lib.beginStep(Map.of("day", 0L));
            s0.upsert("cells", cell(cellSchema, 0, 0, 10, 1, 0, List.of()));
            StepResult first = s0.commit();
            assertThat(first.status()).isEqualTo(StepResult.Status.COMMITTED);

            Step same = lib.beginStep(0, Map.of("day", 0L));
            same.upsert("cells", cell(cellSchema, 0, 0, 10, 1, 0, List.of()));
            StepResult again = same.commit();
            assertThat(again.status()).isEqualTo(StepResult.Status.ALREADY_COMMITTED);
            assertThat(again.digest()).isEqualTo(first.digest());

            Step different = lib.beginStep(0, Map.of("day", 0L));
            different.upsert("cells", cell(cellSchema, 0, 0, 10, 2, 0, List.of()));
            assertThatThrownBy(different::commit).isInstanceOf(StepConflictException.class)
                    .hasMessageContaining("step 0 of worker lib was committed with different content")
                    .hasMessageContaining("steps are never overwritten: send the next step");
            Step clockOnly = lib.beginStep(0, Map.of("day", 1L));
            clockOnly.upsert("cells", cell(cellSchema, 0, 0, 10, 1, 0, List.of()));
            assertThatThrownBy(clockOnly::commit).isInstanceOf(StepConflictException.class);

            assertThatThrownBy(() -> lib.beginStep(5, Map.of("day", 5L)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("steps go one at a time: next is 1");
            assertThatThrownBy(() -> lib.beginStep(Map.of("week", 5L)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clock.week");
        }
        try (SimsnapWorker reopened = worker(run, "lib")) {
            Step same = reopened.beginStep(0, Map.of("day", 0L));
            same.upsert("cells", cell(cellSchema, 0, 0, 10, 1, 0, List.of()));
            assertThat(same.commit().status()).isEqualTo(StepResult.Status.ALREADY_COMMITTED);
            assertThat(reopened.beginStep(Map.of("day", 1L)).step()).isEqualTo(1);
        }

        String body = gwStep(0);
        Reply committed = post("/runs/" + run + "/workers/gw/steps/0", body);
        assertThat(committed.status()).as(committed.json().toString()).isEqualTo(200);
        assertThat(committed.json().get("status").asText()).isEqualTo("committed");
        Reply retry = post("/runs/" + run + "/workers/gw/steps/0", body);
        assertThat(retry.json().get("status").asText()).isEqualTo("already_committed");
        assertThat(retry.json().get("digest").asText()).isEqualTo(committed.json().get("digest").asText());
        gateway.close();
        gateway = newGateway();
        Reply state = get("/runs/" + run + "/workers/gw");
        assertThat(state.status()).as(state.json().toString()).isEqualTo(200);
        assertThat(state.json().get("last_step").asLong()).isZero();
        assertThat(state.json().get("started").asBoolean()).isTrue();
        assertThat(get("/runs/" + run + "/workers/nobody").json().get("last_step").asLong()).isEqualTo(-1);
        assertThat(get("/runs/" + run + "/workers/..").status()).isEqualTo(400);
        Reply afterRestart = post("/runs/" + run + "/workers/gw/steps/0", body);
        assertThat(afterRestart.status()).as(afterRestart.json().toString()).isEqualTo(200);
        assertThat(afterRestart.json().get("status").asText()).isEqualTo("already_committed");
        Reply conflict = post("/runs/" + run + "/workers/gw/steps/0", gwStep(1).replace("\"day\": 1", "\"day\": 0"));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.json().get("reason").asText()).isEqualTo("step-conflict");
        assertThat(conflict.json().get("error").asText()).contains("step 0 of worker gw was committed with"
                + " different content");
        Reply tooFar = post("/runs/" + run + "/workers/gw/steps/7", body);
        assertThat(tooFar.status()).isEqualTo(422);
        assertThat(tooFar.json().get("error").asText()).contains("steps go one at a time: next is 1");
        Reply badItem = post("/runs/" + run + "/workers/gw/steps", "{\"clock\": {\"day\": 1}, \"changes\": ["
                + "{\"collection\": \"cells\", \"op\": \"upsert\", \"item\": {\"x\": 1, \"y\": 1, \"susceptible\": 1,"
                + " \"infected\": 1, \"recovered\": 0}},"
                + "{\"collection\": \"cells\", \"op\": \"upsert\", \"item\": {\"x\": 1, \"y\": 2, \"susceptible\": 1.5,"
                + " \"infected\": 1, \"recovered\": 0}}]}");
        assertThat(badItem.status()).isEqualTo(422);
        assertThat(badItem.json().get("field").asText()).isEqualTo("changes[1].item.susceptible");

        List<Object> values = deltasTopic(run);
        assertThat(only(values, IterationCommitted.class)).extracting(c -> c.getWorkerId() + ":" + c.getIteration())
                .containsExactly("lib:0", "gw:0");
        assertThat(only(values, StateDelta.class)).hasSize(1 + 3);
    }

    // ---- schema evolution ------------------------------------------------------------------------------------

    @Test
    void compatibleEvolutionRegistersAndDecodesOldAndNewItemsIncompatibleIsRefusedAndWritesNothing()
            throws Exception {
        String run = TestStack.uniqueRun("evolve");
        StateModel model = epidemic();
        Schema v1 = schemaOf(model, "cells");
        Schema v2 = new Schema.Parser().parse("""
                {"type": "record", "name": "Cell", "namespace": "epidemic", "fields": [
                  {"name": "x", "type": "int"}, {"name": "y", "type": "int"},
                  {"name": "susceptible", "type": "long"}, {"name": "infected", "type": ["long", "double"]},
                  {"name": "recovered", "type": "long"},
                  {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []},
                  {"name": "note", "type": ["null", "string"], "default": null}]}""");
        String v3 = """
                {"type": "record", "name": "Cell", "namespace": "epidemic", "fields": [
                  {"name": "x", "type": "int"}, {"name": "y", "type": "int"},
                  {"name": "susceptible", "type": "long"}, {"name": "infected", "type": ["long", "double"]},
                  {"name": "recovered", "type": "long"},
                  {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []},
                  {"name": "note", "type": ["null", "string"], "default": null},
                  {"name": "region", "type": "string"}]}""";
        String subject = "simsnap.kind.epidemic-grid.cells";
        try (SimsnapWorker lib = worker(run, "lib")) {
            lib.start(new RunDefinition(model, List.of("lib"), Map.of(), 0));
            assertThat(registry.getCompatibility(subject)).isEqualTo("BACKWARD_TRANSITIVE");
            int v2id = lib.registerSchema("cells", v2);
            assertThat(registry.version(subject, "latest").id()).isEqualTo(v2id);

            // an unregistered schema is refused, nothing registered implicitly
            Schema unregistered = new Schema.Parser().parse(v2.toString().replace("\"note\"", "\"remark\""));
            GenericRecord stray = new GenericData.Record(unregistered);
            Step refused = lib.beginStep(Map.of("day", 0L));
            assertThatThrownBy(() -> refused.upsert("cells", stray)).isInstanceOf(IllegalArgumentException.class);

            Step step = lib.beginStep(Map.of("day", 0L));
            step.upsert("cells", cell(v1, 0, 0, 10, 1, 0, List.of()));
            GenericRecord newer = new GenericData.Record(v2);
            newer.put("x", 0);
            newer.put("y", 1);
            newer.put("susceptible", 9L);
            newer.put("infected", 2.5);
            newer.put("recovered", 0L);
            newer.put("tags", List.of());
            newer.put("note", "widened");
            step.upsert("cells", newer);
            step.patch("cells", "0/0", Map.of("infected", 0.5)); // latest schema: the widened field takes a double
            assertThat(step.commit().status()).isEqualTo(StepResult.Status.COMMITTED);

            Reply viaGateway = post("/runs/" + run + "/schemas/cells", "{\"schema\": " + v3 + "}");
            assertThat(viaGateway.status()).as(viaGateway.json().toString()).isEqualTo(409);
            assertThat(viaGateway.json().get("field").asText()).isEqualTo("region");
            assertThat(viaGateway.json().get("subject").asText()).isEqualTo(subject);
            assertThat(viaGateway.json().get("error").asText()).contains("region", "version 2", "version 3");
            assertThatThrownBy(() -> lib.registerSchema("cells", new Schema.Parser().parse(v3)))
                    .isInstanceOf(SchemaEvolutionException.class)
                    .hasMessageContaining(subject).hasMessageContaining("region").hasMessageContaining("version 2");
        }
        assertThat(registry.versions(subject)).containsExactly(1, 2);
        Reply latest = get("/runs/" + run + "/schemas/cells");
        assertThat(latest.json().get("version").asInt()).isEqualTo(2);
        Reply compatible = post("/runs/" + run + "/schemas/cells", "{\"schema\": " + v2 + "}");
        assertThat(compatible.status()).isEqualTo(200);
        assertThat(compatible.json().get("version").asInt()).isEqualTo(2);

        List<Object> values = deltasTopic(run);
        List<String> lines = only(values, StateDelta.class).stream().map(this::line).toList();
        assertThat(lines).containsExactly(
                "lib|0|cells|0/0|UPSERT|[]|{\"x\": 0, \"y\": 0, \"susceptible\": 10, \"infected\": 1, \"recovered\": 0,"
                        + " \"tags\": []}",
                "lib|0|cells|0/1|UPSERT|[]|{\"x\": 0, \"y\": 1, \"susceptible\": 9, \"infected\": 2.5, \"recovered\": 0,"
                        + " \"tags\": [], \"note\": \"widened\"}",
                "lib|0|cells|0/0|PATCH|[infected]|[0.5]");
        assertThat(values).hasSize(1 + 3 + 1); // RunStarted, the step; the refused schema wrote nothing
    }

    // ---- concurrent starts -----------------------------------------------------------------------------------

    @Test
    void aSchemaRegisteredByTheWorkerInTheMiddleOfAStepIsTheLatestForTheRestOfTheStep() throws Exception {
        String run = TestStack.uniqueRun("midstep");
        // a kind of its own: item subjects are per kind, and the other tests' versions must not be the latest here
        StateModel model = StateModel.parse(epidemic().toJson().replace("\"kind\":\"epidemic-grid\"",
                "\"kind\":\"epidemic-midstep\""), f -> null);
        assertThat(model.kind()).isEqualTo("epidemic-midstep");
        Schema v1 = schemaOf(model, "cells");
        Schema widened = new Schema.Parser().parse(v1.toString()
                .replace("{\"name\":\"infected\",\"type\":\"long\"}",
                        "{\"name\":\"infected\",\"type\":[\"long\",\"double\"]}"));
        assertThat(widened.getField("infected").schema().getType()).isEqualTo(Schema.Type.UNION);
        try (SimsnapWorker lib = worker(run, "lib")) {
            lib.start(new RunDefinition(model, List.of("lib"), Map.of(), 0));
            Step step = lib.beginStep(Map.of("day", 0L));
            step.upsert("cells", cell(v1, 0, 0, 10, 1, 0, List.of()));
            step.patch("cells", "0/0", Map.of("infected", 2L)); // the declared version: a long
            assertThatThrownBy(() -> step.patch("cells", "0/0", Map.of("infected", 0.5)))
                    .isInstanceOf(IllegalArgumentException.class);
            int id = lib.registerSchema("cells", widened);
            step.patch("cells", "0/0", Map.of("infected", 0.5)); // now the widened version is the latest
            assertThat(step.commit().status()).isEqualTo(StepResult.Status.COMMITTED);
            List<StateDelta> deltas = only(deltasTopic(run), StateDelta.class);
            assertThat(deltas).extracting(this::line).containsExactly(
                    "lib|0|cells|0/0|UPSERT|[]|{\"x\": 0, \"y\": 0, \"susceptible\": 10, \"infected\": 1,"
                            + " \"recovered\": 0, \"tags\": []}",
                    "lib|0|cells|0/0|PATCH|[infected]|[2]",
                    "lib|0|cells|0/0|PATCH|[infected]|[0.5]");
            assertThat(WireFormat.unframe(bytes(deltas.get(2).getItem())).schemaId()).isEqualTo(id);
            assertThat(WireFormat.unframe(bytes(deltas.get(1).getItem())).schemaId()).isNotEqualTo(id);
        }
    }

    @Test
    void concurrentStartsWithDifferentDefinitionsStartExactlyOne() throws Exception {
        String run = TestStack.uniqueRun("race");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Reply>> replies = new ArrayList<>();
            for (String w : List.of("a", "b", "c", "d")) {
                Callable<Reply> call = () -> post("/runs/" + run + "/start", "{\"kind\": \"trading-arena\", \"model\": \"built-in\","
                        + " \"expected_workers\": [\"" + w + "\"], \"worker\": \"" + w + "\"}");
                replies.add(pool.submit(call));
            }
            int started = 0;
            int conflicts = 0;
            for (Future<Reply> f : replies) {
                Reply r = f.get();
                if (r.status() == 200 && r.json().get("status").asText().equals("started")) {
                    started++;
                } else {
                    assertThat(r.status()).as(r.json().toString()).isEqualTo(409);
                    assertThat(r.json().get("error").asText()).contains("already started with a different definition");
                    assertThat(r.json().get("existing").get("kind").asText()).isEqualTo("trading-arena");
                    conflicts++;
                }
            }
            assertThat(started).isEqualTo(1);
            assertThat(conflicts).isEqualTo(3);
        } finally {
            pool.shutdownNow();
        }
        assertThat(only(deltasTopic(run), RunStarted.class)).hasSize(1);
        Reply unknown = post("/runs/" + run + "-x/start", "{\"kind\": \"no-such-kind\", \"model\": \"built-in\", \"expected_workers\": [\"a\"]}");
        assertThat(unknown.status()).isEqualTo(422);
        assertThat(unknown.json().get("field").asText()).isEqualTo("kind");
    }

    // ---- generations -----------------------------------------------------------------------------------------

    @Test
    void generationsOfAnyCollectionAreChunkedAndSealedAndMaySaveAgain() throws Exception {
        String run = TestStack.uniqueRun("gens");
        Reply start = post("/runs/" + run + "/start", "{\"kind\": \"persona-evolution\", \"model\": \"built-in\", \"expected_workers\": [\"w0\"]}");
        assertThat(start.status()).as(start.json().toString()).isEqualTo(200);
        Reply latest = get("/runs/" + run + "/schemas/population");
        assertThat(latest.status()).as(latest.json().toString()).isEqualTo(200);
        StringBuilder members = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            members.append(i == 0 ? "" : ",").append("{\"name\": \"p").append(i).append("\", \"bio\": \"b\"}");
        }
        Reply saved = post("/runs/" + run + "/workers/w0/generations/population/0",
                "{\"members\": [" + members + "], \"step\": 4}");
        assertThat(saved.status()).as(saved.json().toString()).isEqualTo(200);
        Reply again = post("/runs/" + run + "/workers/w0/generations/population/0",
                "{\"members\": [" + members + "]}");
        assertThat(again.status()).as(again.json().toString()).isEqualTo(200);
        List<Object> gens = TestStack.records(config, Contracts.GENERATIONS_TOPIC, run, true).stream()
                .map(r -> r.value()).toList();
        List<GenerationChunk> chunks = only(gens, GenerationChunk.class);
        assertThat(chunks).hasSize(2);
        assertThat(chunks.get(0).getCollection()).isEqualTo("population");
        assertThat(chunks.get(0).getItems()).hasSize(3);
        assertThat(chunks.get(0).getMembers()).isEmpty();
        List<GenerationSealed> seals = only(gens, GenerationSealed.class);
        assertThat(seals).extracting(GenerationSealed::getStep).containsExactly(4L, null);
        assertThat(seals).extracting(GenerationSealed::getMemberCount).containsExactly(3, 3);
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }
}
