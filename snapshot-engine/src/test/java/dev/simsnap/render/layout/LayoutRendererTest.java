package dev.simsnap.render.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simsnap.devstack.junit.RequiredTool;
import dev.simsnap.engine.entity.StoredEntity;
import dev.simsnap.model.BuiltInKinds;
import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.render.sqlite.SqliteTables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders the built-in layouts from hand-made items; where the seed itself writes a file, the expected bytes come
 * from Python's own {@code json} module, called exactly as the seed calls it.
 */
class LayoutRendererTest {

    /** Schemas by id, as a registry would hand them out. */
    private final Map<Integer, Schema> registry = new HashMap<>();
    private final Map<Schema, Integer> ids = new HashMap<>();

    private int id(Schema s) {
        return ids.computeIfAbsent(s, k -> {
            int id = registry.size() + 1;
            registry.put(id, k);
            return id;
        });
    }

    private StoredEntity stored(Schema writer, GenericRecord item) {
        return new StoredEntity(id(writer), ItemCodec.encodeUpsert(writer, item));
    }

    private static GenericRecord value(Schema valueSchema, Object v) {
        GenericRecord r = new GenericData.Record(valueSchema);
        r.put("v", v);
        return r;
    }

    private static class View implements RunView {
        final Map<String, List<Item>> items = new HashMap<>();
        final Map<String, SortedMap<Long, List<StoredEntity>>> generations = new HashMap<>();

        @Override
        public List<Item> items(String collection) {
            return items.getOrDefault(collection, List.of());
        }

        @Override
        public SortedMap<Long, List<StoredEntity>> generations(String collection) {
            return generations.getOrDefault(collection, new TreeMap<>());
        }
    }

    @Test
    void tradingArenaRendersTheSeedFilesAndTheDatabase(@TempDir Path tmp) throws Exception {
        StateModel arena = BuiltInKinds.get("trading-arena");
        Schema information = arena.collection("information").orElseThrow().latestSchema().orElseThrow();
        Schema persons = arena.collection("persons").orElseThrow().latestSchema().orElseThrow();
        Schema person = persons.getTypes().get(0);
        Schema broker = persons.getTypes().get(1);
        Schema jsonValue = person.getField("identity").schema().getValueType();
        Schema gossip = arena.collection("db_gossip").orElseThrow().latestSchema().orElseThrow();

        View view = new View();
        GenericRecord info = new GenericData.Record(information);
        info.put("virtual_date", 2L);
        info.put("iteration", 1L);
        view.items.put("information", List.of(new RunView.Item("", stored(information, info))));

        List<RunView.Item> people = new ArrayList<>();
        String[] names = {"Zoë", "李雷"};
        for (int i = 0; i < 2; i++) {
            Map<String, Object> identity = new LinkedHashMap<>();
            identity.put("person_id", value(jsonValue, (long) i));
            identity.put("name", value(jsonValue, names[i]));
            identity.put("daily_income_from_job", value(jsonValue, "500"));
            identity.put("cash", value(jsonValue, i == 0 ? (Object) 40000L : (Object) 12345.5));
            GenericRecord p = new GenericData.Record(person);
            p.put("person_id", (long) i);
            p.put("identity", identity);
            p.put("income", "500");
            p.put("cash", i == 0 ? (Object) 40000L : (Object) 0.1);
            p.put("asset", 0L);
            p.put("wealth", 1e21);
            p.put("principle", "buy low");
            p.put("minimum_living_expense", 100L);
            p.put("daily_expense", 1e-7);
            p.put("reflect_frequency", 3L);
            people.add(new RunView.Item(Integer.toString(i), stored(persons, p)));
        }
        GenericRecord b = new GenericData.Record(broker);
        b.put("person_id", -1L);
        b.put("cash", -0.0);
        b.put("asset", 0L);
        b.put("wealth", 0L);
        b.put("total_expense", 0L);
        b.put("inventories", List.of(100L, 200L));
        b.put("dividends", List.of(0.5, 0.25));
        people.add(new RunView.Item("-1", stored(persons, b))); // the broker, last as the seed keeps it
        view.items.put("persons", people);

        List<RunView.Item> rows = new ArrayList<>();
        for (long rowid : new long[] {1, 2, 5}) {
            GenericRecord g = new GenericData.Record(gossip);
            g.put("person_id", rowid);
            g.put("virtual_date", 0L);
            g.put("gossip", "row " + rowid + " ✓");
            rows.add(new RunView.Item(Long.toString(rowid), stored(gossip, g)));
        }
        view.items.put("db_gossip", rows);

        SortedMap<String, byte[]> files = new LayoutRenderer(arena, registry::get).render(view);

        assertThat(files.keySet()).containsExactly("classes/PERSON_0.json", "classes/PERSON_1.json",
                "classes/PERSON_2.json", "data.db", "information.json", "persona.json");
        assertThat(files.get("information.json")).isEqualTo(python(
                "json.dumps({'virtual_date': 2, 'iteration': 1}, indent=4)"));
        assertThat(files.get("persona.json")).isEqualTo(python("json.dumps(["
                + "{'person_id': 0, 'name': 'Zo\\u00eb', 'daily_income_from_job': '500', 'cash': 40000},"
                + "{'person_id': 1, 'name': '\\u674e\\u96f7', 'daily_income_from_job': '500', 'cash': 12345.5}],"
                + " indent=4)"));
        assertThat(new String(files.get("classes/PERSON_2.json"), StandardCharsets.UTF_8))
                .contains("\"person_id\": -1", "\"cash\": -0.0", "\"inventories\": [");
        assertThat(files.get("classes/PERSON_0.json")).isEqualTo(python("json.dumps({'person_id': 0, 'identity': "
                + "{'person_id': 0, 'name': 'Zo\\u00eb', 'daily_income_from_job': '500', 'cash': 40000}, "
                + "'income': '500', 'cash': 40000, 'asset': 0, 'wealth': 1e21, 'principle': 'buy low', "
                + "'minimum_living_expense': 100, 'daily_expense': 1e-7, 'reflect_frequency': 3}, indent=4)"));

        Path db = tmp.resolve("data.db");
        Files.write(db, files.get("data.db"));
        var tables = SqliteTables.read(db);
        // Every declared table exists, as in the seed's database; only gossip has rows.
        assertThat(tables).extracting(t -> t.name()).containsExactly("active_orders", "stock", "person", "account",
                "memory", "gossip");
        assertThat(tables.subList(0, 5)).allSatisfy(t -> assertThat(t.rows()).isEmpty());
        assertThat(tables.get(5)).satisfies(t -> {
            assertThat(t.rows()).extracting(r -> r.rowid()).containsExactly(1L, 2L, 5L);
            assertThat(t.rows().get(2).row().get("gossip").toString()).isEqualTo("row 5 ✓");
        });
        // Same view, same bytes.
        assertThat(new LayoutRenderer(arena, registry::get).render(view).get("data.db")).isEqualTo(files.get("data.db"));
    }

    @Test
    void eachGenerationRendersInTheShapeItWasWrittenWith() throws Exception {
        StateModel persona = BuiltInKinds.get("persona-evolution");
        List<Schema> versions = persona.collection("population").orElseThrow().schemas();
        Schema v1 = versions.get(0);
        Schema v3 = versions.get(3);
        GenericRecord old = new GenericData.Record(v1);
        old.put("name", "Ada");
        old.put("age", 36L);
        old.put("occupation", "engineer");
        old.put("backstory", "“quoted” \n newline");
        old.put("core_values", List.of("care"));
        old.put("hobbies", List.of());
        Map<String, Object> traits = new LinkedHashMap<>();
        traits.put("openness", 0.9);
        traits.put("calm", 1.0);
        old.put("personality_traits", traits);
        old.put("communication_style", "dry");
        old.put("topical_focus", "math");
        old.put("interaction_policy", "polite");
        old.put("goals", List.of("prove"));
        GenericRecord current = new GenericData.Record(v3);
        current.put("name", "Bo");
        current.put("bio", "émigré");

        View view = new View();
        SortedMap<Long, List<StoredEntity>> gens = new TreeMap<>();
        gens.put(0L, List.of(stored(v1, old)));
        gens.put(1L, List.of(stored(v3, current), stored(v3, current)));
        view.generations.put("population", gens);

        SortedMap<String, byte[]> files = new LayoutRenderer(persona, registry::get).render(view);
        assertThat(files.keySet()).containsExactly("persona_data/gen_0.json", "persona_data/gen_1.json");
        assertThat(files.get("persona_data/gen_0.json")).isEqualTo(pythonDump("[{'name': 'Ada', 'age': 36, "
                + "'occupation': 'engineer', 'backstory': '\\u201cquoted\\u201d \\n newline', 'core_values': ['care'], "
                + "'hobbies': [], 'personality_traits': {'openness': 0.9, 'calm': 1.0}, 'communication_style': 'dry', "
                + "'topical_focus': 'math', 'interaction_policy': 'polite', 'goals': ['prove']}]"));
        assertThat(files.get("persona_data/gen_1.json")).isEqualTo(pythonDump(
                "[{'name': 'Bo', 'bio': '\\u00e9migr\\u00e9'}, {'name': 'Bo', 'bio': '\\u00e9migr\\u00e9'}]"));
    }

    @Test
    void aPlaceholderValueCannotLeaveTheFolder() {
        StateModel grid = StateModel.parse("""
                {"kind": "grid", "collections": [{"name": "cells", "shape": "keyed", "key": ["name"],
                  "schemas": [{"type": "record", "name": "Cell", "fields": [{"name": "name", "type": "string"}]}]}],
                 "layout": [{"path": "cells/{name}.json", "render": "json-each", "from": "cells"}]}""", f -> null);
        Schema cell = grid.collection("cells").orElseThrow().latestSchema().orElseThrow();
        GenericRecord evil = new GenericData.Record(cell);
        evil.put("name", "..");
        View view = new View();
        view.items.put("cells", List.of(new RunView.Item("..", stored(cell, evil))));
        assertThatThrownBy(() -> new LayoutRenderer(grid, registry::get).render(view))
                .hasMessageContaining("not a safe file name part");
    }

    /** What {@code python3 -c "import json; print(EXPR)"} writes, without print's newline. */
    private static byte[] python(String expression) throws IOException, InterruptedException {
        return runPython("import json,sys; sys.stdout.write(" + expression + ")");
    }

    /** What the persona store writes: {@code json.dump(population, f, indent=2)}. */
    private static byte[] pythonDump(String literal) throws IOException, InterruptedException {
        return runPython("import json,sys; json.dump(" + literal + ", sys.stdout, indent=2)");
    }

    private static byte[] runPython(String code) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("python3", "-c", code).redirectErrorStream(false).start();
        } catch (IOException e) {
            RequiredTool.require("python3", false, "install Python 3 (the oracle for seed-written files)");
            throw e;
        }
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(err).isZero();
        return out;
    }

    /** The layout options v1's folder needs, on a kind of its own: fill, write_if, object_key, grouping, single_path. */
    @Test
    void fillsWriteIfObjectKeysGroupsAndSinglePaths() {
        String card = """
                {"type": "record", "name": "Card", "fields": [{"name": "deck", "type": "string"},
                 {"name": "id", "type": "string"}, {"name": "note", "type": ["null", "string"], "default": null},
                 {"name": "tags", "type": {"type": "map", "values": "long"}}]}""";
        String clock = """
                {"type": "record", "name": "Clock", "fields": [{"name": "day", "type": ["null", "long"], "default": null},
                 {"name": "step", "type": ["null", "long"], "default": null}]}""";
        StateModel model = StateModel.parse("""
                {"kind": "cards", "clock": ["day"], "collections": [
                  {"name": "cards", "shape": "keyed", "key": ["deck", "id"], "order": "text", "schemas": ["card.avsc"]},
                  {"name": "clock", "shape": "singleton", "schemas": ["clock.avsc"]}],
                 "layout": [
                  {"path": "clock.json", "render": "json", "from": "clock", "format": "canonical", "indent": null,
                   "omit_null_fields": true, "fill": {"day": "clock.day", "step": "step"}, "write_if": "always"},
                  {"path": "all.json", "render": "json", "from": "clock", "format": "canonical", "indent": null,
                   "write_if": ["cards"]},
                  {"path": "decks/{deck}.json", "render": "json", "from": "cards", "as": "object", "object_key": "id",
                   "format": "canonical", "indent": null, "fields": ["note", "tags"], "omit_null_fields": true},
                  {"path": "one/{key}.json", "render": "json-each", "from": "cards", "single_path": "one.json",
                   "format": "canonical", "indent": null, "select": "note"}]}""",
                Map.of("card.avsc", card, "clock.avsc", clock)::get);
        Schema cardSchema = model.collection("cards").orElseThrow().latestSchema().orElseThrow();
        View view = new View() {
            @Override
            public long step() {
                return 12;
            }

            @Override
            public Map<String, Long> clock() {
                return Map.of("day", 3L);
            }
        };
        LayoutRenderer renderer = new LayoutRenderer(model, registry::get);
        assertThat(text(renderer.render(view))).as("only the always-written file").containsOnly(
                Map.entry("clock.json", "{\"day\":3,\"step\":12}"));

        List<RunView.Item> cards = new ArrayList<>();
        for (String[] c : new String[][] {{"b", "10", "x"}, {"b", "9", null}, {"a", "1", "y"}}) {
            GenericRecord r = new GenericData.Record(cardSchema);
            r.put("deck", c[0]);
            r.put("id", c[1]);
            r.put("note", c[2]);
            r.put("tags", new LinkedHashMap<>(Map.of("t", 1L)));
            cards.add(new RunView.Item(c[0] + "/" + c[1], stored(cardSchema, r)));
        }
        view.items.put("cards", cards);
        Map<String, String> files = text(renderer.render(view));
        assertThat(files).containsEntry("all.json", "{\"day\":null,\"step\":null}")
                .containsEntry("decks/b.json", "{\"10\":{\"note\":\"x\",\"tags\":{\"t\":1}},\"9\":{\"tags\":{\"t\":1}}}")
                .containsEntry("decks/a.json", "{\"1\":{\"note\":\"y\",\"tags\":{\"t\":1}}}")
                .containsEntry("one/b_10.json", "\"x\"").containsEntry("one/a_1.json", "\"y\"")
                .doesNotContainKey("one.json");
        view.items.put("cards", cards.subList(0, 1));
        assertThat(text(renderer.render(view))).containsEntry("one.json", "\"x\"").doesNotContainKey("one/b_10.json");
    }

    private static Map<String, String> text(SortedMap<String, byte[]> files) {
        Map<String, String> out = new TreeMap<>();
        files.forEach((path, bytes) -> out.put(path, new String(bytes, StandardCharsets.UTF_8)));
        return out;
    }
}
