package dev.simsnap.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class StateModelTest {

    private static final String CELL = """
            {"type": "record", "name": "Cell", "fields": [
              {"name": "x", "type": "long"}, {"name": "y", "type": "long"}, {"name": "infected", "type": "long"}]}""";

    private static StateModel parse(String descriptor) {
        return StateModel.parse(descriptor, Map.of("cell.avsc", CELL)::get);
    }

    @Test
    void builtInArenaFollowsTheRealObjects() {
        StateModel arena = BuiltInKinds.get("trading-arena");
        assertThat(arena.clock()).containsExactly("virtual_date", "iteration");
        CollectionSpec persons = arena.collection("persons").orElseThrow();
        assertThat(persons.shape()).isEqualTo(Shape.KEYED);
        assertThat(persons.order()).isEqualTo(Order.INSERTION);
        Schema items = persons.latestSchema().orElseThrow();
        assertThat(items.getTypes()).extracting(Schema::getName).containsExactly("Person", "Broker");
        Schema person = items.getTypes().get(0);
        assertThat(person.getField("identity").schema().getType()).isEqualTo(Schema.Type.MAP);
        assertThat(person.getField("income").schema().getType()).isEqualTo(Schema.Type.STRING);
        assertThat(person.getField("name")).isNull();
        assertThat(items.getTypes().get(1).getField("inventories").schema().getType()).isEqualTo(Schema.Type.ARRAY);
        assertThat(arena.collection("stocks").orElseThrow().latestSchema().orElseThrow()
                .getField("past_stock_last_prices")).isNull();
        assertThat(arena.collection("market").orElseThrow().latestSchema().orElseThrow().getField("_bid_step"))
                .isNotNull();
        assertThat(arena.collections()).filteredOn(c -> c.shape() == Shape.ROWS).extracting(CollectionSpec::name)
                .containsExactly("db_active_orders", "db_stock", "db_person", "db_account", "db_memory", "db_gossip");
        LayoutEntry info = arena.layout().get(0);
        assertThat(info.path()).isEqualTo("information.json");
        assertThat(info.indent()).contains(4);
        assertThat(info.trailingNewline()).isFalse();
        assertThat(persons.subject()).isEqualTo("simsnap.kind.trading-arena.persons");
    }

    @Test
    void builtInPersonaEvolutionHasFiveGenotypeShapes() {
        StateModel persona = BuiltInKinds.get("persona-evolution");
        CollectionSpec population = persona.collection("population").orElseThrow();
        assertThat(population.schemas()).hasSize(5);
        assertThat(population.schemas().get(2).getField("description")).isNotNull();
        assertThat(persona.compatibility(population)).isEqualTo("NONE");
        assertThat(persona.compatibility(persona.collection("transcripts").orElseThrow()))
                .isEqualTo("BACKWARD_TRANSITIVE");
    }

    @Test
    void runFormReadsBackToAnEqualModel() {
        List<StateModel> models = new java.util.ArrayList<>();
        BuiltInKinds.NAMES.forEach(kind -> models.add(BuiltInKinds.get(kind)));
        models.add(BuiltInKinds.legacy());
        for (StateModel model : models) {
            String json = model.toJson();
            StateModel back = StateModel.parse(json, f -> null);
            assertThat(back).isEqualTo(model);
            assertThat(back.toJson()).isEqualTo(json);
        }
    }

    @Test
    void aNewKindNeedsOnlyADescriptor() {
        StateModel grid = parse("""
                {"kind": "epidemic-grid", "clock": ["day"],
                 "collections": [{"name": "cells", "shape": "keyed", "key": ["x", "y"], "schemas": ["cell.avsc"]}],
                 "layout": [{"path": "cells/{x}_{y}.json", "render": "json-each", "from": "cells"}]}""");
        assertThat(grid.collection("cells").orElseThrow().key()).containsExactly("x", "y");
        assertThat(grid.layout().get(0).placeholders()).containsExactly("x", "y");
        assertThat(grid.compatibility()).isEqualTo("BACKWARD_TRANSITIVE");
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> parse("""
                {"kind": "g", "collections": [{"name": "cells", "shape": "keyed", "key": ["z"], "schemas": ["cell.avsc"]}]}"""))
                .hasMessageContaining("key field 'z' is missing from Cell");
        assertThatThrownBy(() -> parse("""
                {"kind": "g", "collections": [{"name": "cells", "shape": "lumpy"}]}"""))
                .hasMessageContaining("unknown shape 'lumpy'");
        assertThatThrownBy(() -> parse("""
                {"kind": "g", "collections": [{"name": "c", "shape": "singleton"}],
                 "layout": [{"path": "../x.json", "render": "json", "from": "c"}]}"""))
                .hasMessageContaining("segment '..'");
        assertThatThrownBy(() -> parse("""
                {"kind": "g", "collections": [{"name": "c", "shape": "singleton"}],
                 "layout": [{"path": "x.json", "render": "json", "from": "nope"}]}"""))
                .hasMessageContaining("names collection 'nope'");
        assertThatThrownBy(() -> parse("""
                {"kind": "g", "collections": [{"name": "c", "shape": "singleton"}],
                 "layout": [{"path": "x.db", "render": "sqlite", "from": ["c"]}]}"""))
                .hasMessageContaining("sqlite cannot render collection 'c' of shape singleton");
        assertThatThrownBy(() -> parse("""
                {"kind": "G", "collections": [{"name": "c", "shape": "singleton"}]}"""))
                .hasMessageContaining("kind 'G'");
        assertThatThrownBy(() -> parse("""
                {"kind": "g", "compatibility": "SOMETIMES", "collections": [{"name": "c", "shape": "singleton"}]}"""))
                .hasMessageContaining("unknown compatibility level 'SOMETIMES'");
        assertThatThrownBy(() -> parse("""
                {"kind": "g", "colections": []}"""))
                .hasMessageContaining("unknown field \"colections\"");
        assertThatThrownBy(() -> parse("""
                {"kind": "g", "collections": [{"name": "c", "shape": "singleton", "schemas": [{"type": "recrd"}]}]}"""))
                .hasMessageContaining("is not a valid Avro schema");
    }

    @Test
    void layoutPathsStayInsideTheFolder() {
        for (String bad : List.of("/etc/x", "a//b", ".hidden/x.json", "a/./b", "a\\b", "a/b/")) {
            assertThatThrownBy(() -> LayoutEntry.of(bad, Render.JSON, List.of("c"), null, null, 2, false, true, null,
                    null)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theLegacyModelIsDataNotOfferedToNewRuns() {
        StateModel legacy = BuiltInKinds.legacy();
        assertThat(legacy.kind()).isEqualTo(BuiltInKinds.LEGACY);
        assertThat(BuiltInKinds.find(BuiltInKinds.LEGACY)).isEmpty();
        assertThat(legacy.collections()).extracting(CollectionSpec::name).containsExactly("information", "person",
                "stock", "market", "market_index", "document");
        assertThat(legacy.collection("document").orElseThrow().order()).isEqualTo(Order.TEXT);
        LayoutEntry info = legacy.layout().get(0);
        assertThat(info.options().writeIf()).isEmpty();
        assertThat(info.options().fill()).containsExactly(Map.entry("virtual_date", "clock.virtual_date"),
                Map.entry("iteration", "step"));
        assertThat(legacy.layout()).filteredOn(e -> e.options().singlePath() != null).extracting(LayoutEntry::path)
                .containsExactly("save/classes/Market_index_{key}.json");
    }

    @Test
    void layoutOptionsAreChecked() {
        String base = """
                {"kind": "g", "collections": [{"name": "c", "shape": "keyed", "key": ["x"], "schemas": ["cell.avsc"]},
                 {"name": "s", "shape": "singleton"}], "layout": [%s]}""";
        assertThatThrownBy(() -> parse(base.formatted("""
                {"path": "x.json", "render": "json", "from": "s", "fill": {"a": "now"}}""")))
                .hasMessageContaining("\"fill\" of 'a' must be \"step\" or \"clock.<field>\"");
        assertThatThrownBy(() -> parse(base.formatted("""
                {"path": "x.json", "render": "json", "from": "s", "write_if": ["nope"]}""")))
                .hasMessageContaining("\"write_if\" names collection 'nope'");
        assertThatThrownBy(() -> parse(base.formatted("""
                {"path": "x.json", "render": "json", "from": "s", "write_if": "sometimes"}""")))
                .hasMessageContaining("\"always\" or a list");
        assertThatThrownBy(() -> parse(base.formatted("""
                {"path": "x/{key}.json", "render": "json-each", "from": "c", "write_if": "always"}""")))
                .hasMessageContaining("\"write_if\" is for json entries writing one file");
        assertThatThrownBy(() -> parse(base.formatted("""
                {"path": "x.json", "render": "json", "from": "c", "object_key": "x"}""")))
                .hasMessageContaining("\"object_key\" is for json entries with \"as\": \"object\"");
        assertThatThrownBy(() -> parse(base.formatted("""
                {"path": "x/{key}.json", "render": "json-each", "from": "c", "single_path": "one/{key}.json"}""")))
                .hasMessageContaining("\"single_path\" takes no placeholder");
        assertThatThrownBy(() -> parse(base.formatted("""
                {"path": "x/{key}.json", "render": "json", "from": "c"}""")))
                .hasMessageContaining("{key}, {position} and {generation} name single items");
        assertThatThrownBy(() -> parse("""
                {"kind": "g", "collections": [{"name": "s", "shape": "singleton", "order": "text"}]}"""))
                .hasMessageContaining("\"order\": \"text\" is for keyed collections");
        StateModel grouped = parse(base.formatted("""
                {"path": "x/{x}.json", "render": "json", "from": "c", "as": "object", "object_key": "x",
                 "omit_null_fields": true}"""));
        assertThat(grouped.layout().get(0).options().omitNullFields()).isTrue();
        assertThat(StateModel.parse(grouped.toJson(), f -> null)).isEqualTo(grouped);
    }
}
