package dev.simsnap.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simsnap.model.BuiltInKinds;
import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.Shape;
import dev.simsnap.model.StateModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Save folders written by Python (src/test/resources/importer/folders.py) mapped onto the built-in trading-arena
 * kind: a whole folder maps; everything the kind cannot hold is refused naming the file and what is wrong, in one
 * line, before anything could be published.
 */
class ArenaItemsTest {

    private static final StateModel MODEL = BuiltInKinds.get("trading-arena");

    @TempDir
    static Path out;

    @BeforeAll
    static void folders() throws Exception {
        Python.run("folders.py", out.toString());
    }

    @Test
    void aWholeFolderMapsOntoTheKind() {
        FolderState s = map("good");
        assertThat(s.clock()).containsExactly(Map.entry("virtual_date", 1L), Map.entry("iteration", 2L));
        Map<String, GenericRecord> persons = s.items().get("persons");
        assertThat(persons.keySet()).containsExactly("0", "-1"); // the broker last, as PERSON_1 is
        assertThat(persons.get("0").getSchema().getName()).isEqualTo("Person");
        assertThat(persons.get("-1").getSchema().getName()).isEqualTo("Broker");
        assertThat(persons.get("-1").get("__class__")).hasToString("Person.Broker");
        assertThat(persons.get("0").get("__attrs__").toString()).isEqualTo("[person_id, identity, income, cash, asset,"
                + " wealth, principle, minimum_living_expense, daily_expense, reflect_frequency, stocks, broker, db]");
        assertThat(persons.get("0").get("cash")).isEqualTo(40000L);
        assertThat(s.items().get("market").get("").get("_bid_step")).isEqualTo(0.01);
        assertThat(s.items().get("stock_inputs").keySet()).containsExactly("0");
        assertThat(s.rows().get("db_gossip")).hasSize(1);
        assertThat(s.rows().get("db_gossip").get(1L).get("gossip")).hasToString("hello");
    }

    @Test
    void refusalsNameTheFileAndTheProblem() {
        refused("extra_attr", "classes/PERSON_0.pkl", "attribute [mood]", "trading_arena.Person");
        refused("int_for_float", "classes/STOCK_0.pkl", "field 'current_price'", "an int 439",
                "ints and floats are kept apart");
        refused("persona_mismatch", "persona.json", "differs from the identity of person 0",
                "key 'cash': 40000.0 vs 40000");
        refused("persona_extra", "persona.json[1] (person_id 7) has no pickled person");
        refused("unknown_table", "data.db", "table trades has no collection db_trades");
        assertThatThrownBy(() -> SaveFolderReader.read(out.resolve("gap"))).isInstanceOf(SeedFormatException.class)
                .hasMessageContaining("PERSON_1.pkl: missing");
        assertThatThrownBy(() -> SaveFolderReader.read(out.resolve("malformed")))
                .isInstanceOf(SeedFormatException.class).hasMessageContaining("persona.json:3:")
                .hasMessageContaining("malformed JSON").satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThatThrownBy(() -> SaveFolderReader.read(out.resolve("stray"))).isInstanceOf(SeedFormatException.class)
                .hasMessageContaining("classes/NOTES.txt: not a file the seed writes");
    }

    @Test
    void foldersGoInSimulationOrder() {
        List<SaveFolder> folders = List.of(SaveFolderReader.read(out.resolve("good")),
                SaveFolderReader.read(out.resolve("early")));
        assertThatThrownBy(() -> ArenaItems.all(MODEL, folders, writers())).isInstanceOf(SeedFormatException.class)
                .hasMessageContaining("early: its clock {virtual_date=0, iteration=5} is earlier than the previous"
                        + " folder's {virtual_date=1, iteration=2}");
        assertThat(ArenaItems.all(MODEL, List.of(folders.get(1), folders.get(0)), writers())).hasSize(2);
    }

    private static void refused(String folder, String... parts) {
        SaveFolder f = SaveFolderReader.read(out.resolve(folder));
        assertThatThrownBy(() -> ArenaItems.of(MODEL, f, writers(), null)).isInstanceOf(SeedFormatException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").contains(folder).contains(parts));
    }

    private static FolderState map(String folder) {
        return ArenaItems.of(MODEL, SaveFolderReader.read(out.resolve(folder)), writers(), null);
    }

    /** What the importer writes with on a fresh registry: the declared schemas, objects with the adapter fields. */
    private static Map<String, Schema> writers() {
        Map<String, Schema> writers = new LinkedHashMap<>();
        for (CollectionSpec c : MODEL.collections()) {
            if (c.shape() == Shape.KEYED || c.shape() == Shape.SINGLETON) {
                Schema latest = c.latestSchema().orElseThrow();
                writers.put(c.name(), List.of("persons", "stocks", "market_index", "market").contains(c.name())
                        ? ArenaSchemas.withAdapterFields(latest) : latest);
            }
        }
        return writers;
    }
}
