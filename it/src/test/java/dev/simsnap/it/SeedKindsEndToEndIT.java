package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.devstack.junit.RequiredTool;
import dev.simsnap.gateway.GatewayServer;
import dev.simsnap.model.BuiltInKinds;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.render.sqlite.SqliteTables;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in kinds through the real service: the trading arena with objects shaped like the seed's (through the
 * gateway, 3 days x 3 intra-day iterations), and persona evolution with all five genotype shapes in one run (through
 * the library). Where the seed itself writes a file, the expected bytes come from Python's {@code json} module
 * called as the seed calls it.
 */
@RealKafka
class SeedKindsEndToEndIT {


    @TempDir
    Path tmp;

    @Test
    void builtInKindsRenderTheSeedsFiles(KafkaBroker broker) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        try (Stack stack = Stack.start(broker, tmp, "seed-" + id)) {
            SchemaRegistryServer registry = stack.registry();
            GatewayServer gateway = stack.gateway();

            // ---- trading arena: the real call shape, iteration restarting at 0 every day ----
            String arena = "arena-" + id;
            HttpResponse<String> start = Http.post(gateway.url() + "/runs/" + arena + "/start",
                    "{\"kind\": \"trading-arena\", \"model\": \"built-in\", \"expected_workers\": [\"w0\"]}");
            assertThat(start.statusCode()).as(start.body()).isEqualTo(200);
            for (int day = 0; day < 3; day++) {
                for (int iter = 0; iter < 3; iter++) {
                    HttpResponse<String> r = Http.post(gateway.url() + "/runs/" + arena + "/workers/w0/steps",
                            arenaStep(day, iter));
                    assertThat(r.statusCode()).as("day %d iteration %d: %s", day, iter, r.body()).isEqualTo(200);
                }
            }
            stack.awaitConsistent(arena, 8);
            Path arenaDir = stack.snapshot(arena, "");
            assertThat(Files.readAllBytes(arenaDir.resolve("information.json"))).isEqualTo(python(
                    "json.dumps({'virtual_date': 2, 'iteration': 2}, indent=4)"));
            assertThat(Files.readAllBytes(arenaDir.resolve("persona.json"))).isEqualTo(python("json.dumps([{"
                    + "'person_id': 0, 'name': 'Ana', 'cash': 40000, 'daily_income_from_job': '500'}, {"
                    + "'person_id': 1, 'name': '\\u674e', 'cash': 1500.5, 'daily_income_from_job': '700'}], indent=4)"));
            // The broker was appended last and stays last: PERSON_<Num_Person>, as the seed names it.
            assertThat(Files.readString(arenaDir.resolve("classes/PERSON_2.json"))).contains("\"person_id\": -1",
                    "\"inventories\": [");
            assertThat(Files.readString(arenaDir.resolve("classes/PERSON_0.json"))).contains("\"cash\": 39990.5");
            assertThat(Files.readString(arenaDir.resolve("classes/MARKET.json"))).contains("\"_bid_step\": 0.01");
            var tables = SqliteTables.read(arenaDir.resolve("data.db"));
            var orders = tables.stream().filter(t -> t.name().equals("active_orders")).findFirst().orElseThrow();
            assertThat(orders.rows()).hasSize(9); // one order per step: no day was dropped
            assertThat(orders.rows().get(0).row().get("status").toString()).isEqualTo("closed");
            assertThat(orders.rows().get(8).row().get("status").toString()).isEqualTo("active");

            // ---- persona evolution: the five genotype shapes, one per generation, then generation 0 re-saved ----
            StateModel persona = BuiltInKinds.get("persona-evolution");
            List<Schema> shapes = persona.collection("population").orElseThrow().schemas();
            String evo = "evo-" + id;
            Properties config = stack.workerConfig(broker);
            List<String> expected = new ArrayList<>();
            try (SimsnapWorker w = SimsnapWorker.builder().environment(Map.of()).config(config).run(evo).worker("w0")
                    .build()) {
                assertThat(w.start(new RunDefinition(persona, List.of("w0"), Map.of(), 1))).isTrue();
                for (int g = 0; g < shapes.size(); g++) {
                    w.saveGeneration("population", g, List.of(genotype(shapes.get(g), "p" + g)), (long) g);
                    expected.add(pythonLiteral(shapes.get(g), "p" + g));
                }
                // The engine resumed from generation 0 saves it again with the current (v3) model.
                w.saveGeneration("population", 0, List.of(genotype(shapes.get(3), "again")), 5L);
            }
            expected.set(0, pythonLiteral(shapes.get(3), "again"));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                Path dir = stack.snapshot(evo, "");
                return Files.exists(dir.resolve("persona_data/gen_4.json"))
                        && Files.readString(dir.resolve("persona_data/gen_0.json")).contains("again");
            });
            Path evoDir = stack.snapshot(evo, "");
            for (int g = 0; g < shapes.size(); g++) {
                assertThat(Files.readAllBytes(evoDir.resolve("persona_data/gen_" + g + ".json")))
                        .as("gen_%d.json", g).isEqualTo(pythonDump("[" + expected.get(g) + "]"));
            }
        }
    }

    /** One save of the arena: the real objects' shapes (identity a dict, income a string, the broker last). */
    private static String arenaStep(int day, int iter) {
        int n = day * 3 + iter;
        String closeFirst = n == 1 ? ", {\"collection\": \"db_active_orders\", \"op\": \"update\", \"row_id\": 1,"
                + " \"set\": {\"status\": \"closed\"}}" : "";
        return """
                {"clock": {"virtual_date": %d, "iteration": %d}, "changes": [
                  {"collection": "information", "op": "upsert", "item": {"virtual_date": %d, "iteration": %d}},
                  {"collection": "persons", "op": "upsert", "item": {"person_id": 0,
                    "identity": {"person_id": 0, "name": "Ana", "cash": 40000, "daily_income_from_job": "500"},
                    "income": "500", "cash": %s, "asset": 0, "wealth": 40000, "principle": "p",
                    "minimum_living_expense": 100, "daily_expense": 12.5, "reflect_frequency": 3}},
                  {"collection": "persons", "op": "upsert", "item": {"person_id": 1,
                    "identity": {"person_id": 1, "name": "李", "cash": 1500.5, "daily_income_from_job": "700"},
                    "income": "700", "cash": 1500.5, "asset": 0, "wealth": 1500.5, "principle": "q",
                    "minimum_living_expense": 50, "daily_expense": 3, "reflect_frequency": 2}},
                  {"collection": "persons", "op": "upsert", "item": {"person_id": -1, "cash": 1000000, "asset": 0,
                    "wealth": 1000000, "total_expense": 0, "inventories": [100, %d], "dividends": [0.5, 0.0]}},
                  {"collection": "market", "op": "upsert", "item": {"_bid_step": 0.01, "today_index": null}},
                  {"collection": "db_active_orders", "op": "insert", "row_id": %d, "row": {"timestamp": %d,
                    "virtual_date": %d, "weekday": 1, "iteration": %d, "stock_id": 0, "person_id": 0, "type": "buy",
                    "price": 439.4, "quantity": 3, "status": "active"}}%s
                ]}""".formatted(day, iter, day, iter, n == 0 ? "40000" : Double.toString(40000 - 1 - n - 0.5),
                200 - n, n + 1, 1_700_000_000L + n, day, iter, closeFirst);
    }

    /** A genotype of any of the five shapes, filled from its own fields. */
    private static GenericRecord genotype(Schema shape, String name) {
        GenericRecord r = new GenericData.Record(shape);
        for (Schema.Field f : shape.getFields()) {
            r.put(f.name(), switch (f.name()) {
                case "name" -> name;
                case "age" -> 30L;
                case "core_values", "hobbies", "goals" -> List.of("x", "ü");
                case "personality_traits" -> new LinkedHashMap<>(Map.of("openness", 0.5));
                case "attributes" -> new LinkedHashMap<>();
                case "island_id" -> null;
                default -> f.name() + " of " + name;
            });
        }
        return r;
    }

    /** The same genotype as a Python dict literal (what the seed's model_dump() gives). */
    private static String pythonLiteral(Schema shape, String name) {
        List<String> parts = new ArrayList<>();
        for (Schema.Field f : shape.getFields()) {
            String v = switch (f.name()) {
                case "name" -> "'" + name + "'";
                case "age" -> "30";
                case "core_values", "hobbies", "goals" -> "['x', '\\u00fc']";
                case "personality_traits" -> "{'openness': 0.5}";
                case "attributes" -> "{}";
                case "island_id" -> "None";
                default -> "'" + f.name() + " of " + name + "'";
            };
            parts.add("'" + f.name() + "': " + v);
        }
        return "{" + String.join(", ", parts) + "}";
    }

    private static byte[] python(String expression) throws Exception {
        return runPython("import json,sys; sys.stdout.write(" + expression + ")");
    }

    /** What the persona store writes: {@code json.dump(population, f, indent=2)}. */
    private static byte[] pythonDump(String literal) throws Exception {
        return runPython("import json,sys; json.dump(" + literal + ", sys.stdout, indent=2)");
    }

    private static byte[] runPython(String code) throws Exception {
        RequiredTool.require("python3", NodeSupport.onPath("python3").isPresent(), "install Python 3");
        Process p = new ProcessBuilder("python3", "-c", code).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(err).isZero();
        return out;
    }
}
