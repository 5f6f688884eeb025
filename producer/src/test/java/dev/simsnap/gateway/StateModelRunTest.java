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
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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

    private static String resource(String name) {
        try (InputStream in = StateModelRunTest.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The test-only kind, from its descriptor and schema files in the test resources. */
    private static StateModel epidemic() {
        return StateModel.parse(resource("kinds/epidemic-grid/kind.json"),
                f -> resource("kinds/epidemic-grid/" + f));
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

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }
}
