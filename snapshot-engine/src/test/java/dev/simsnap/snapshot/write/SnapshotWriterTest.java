package dev.simsnap.snapshot.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Market;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.delta.Stock;
import dev.simsnap.snapshot.read.RunState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot folders of v1 runs: the legacy model's layout, as simsnap always wrote it; atomic, deterministic. */
class SnapshotWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    /** A small v1 run at iteration 3 (virtual date 7): two persons, a stock, a document, the market. */
    private static RunState small() {
        return new LegacyRun("run-1").iteration(3, 7,
                LegacyRun.delta(EntityType.PERSON, "2", Operation.UPSERT, Person.newBuilder().setPersonId(2)
                        .setName("Bo").setCash(10000.0).setWealth(12.5).setInventories(Map.of("10", 1L, "2", 3L))
                        .build()),
                LegacyRun.delta(EntityType.PERSON, "1", Operation.UPSERT, Person.newBuilder().setPersonId(1)
                        .setName("Al").setCash(0.1).build()),
                LegacyRun.delta(EntityType.STOCK, "0", Operation.UPSERT, Stock.newBuilder().setStockId(0)
                        .setStockName("S").setPastStockLastPrices(List.of(1.0, 2.25)).setCurrentPrice(2.25).build()),
                LegacyRun.delta(EntityType.DOCUMENT, "b", Operation.UPSERT, new Document("{\"z\":1,\"a\":[true]}"))
                        .setCollection("notes"),
                LegacyRun.delta(EntityType.MARKET, "market", Operation.UPSERT, Market.newBuilder().setBidStep(0.01)
                        .build())).state();
    }

    private static String text(Map<String, byte[]> files, String path) {
        return new String(files.get(path), StandardCharsets.UTF_8);
    }

    @Test
    void goldenBytes() {
        Map<String, byte[]> files = SnapshotWriter.render(small());
        assertThat(files.keySet()).containsExactly("save/classes/MARKET.json", "save/classes/PERSON_1.json",
                "save/classes/PERSON_2.json", "save/classes/STOCK_0.json", "save/documents/notes.json",
                "save/information.json", "save/persona.json", "save/stocks.json");
        assertThat(text(files, "save/information.json")).isEqualTo("{\n  \"virtual_date\": 7,\n  \"iteration\": 3\n}\n");
        assertThat(text(files, "save/persona.json")).isEqualTo("""
                [
                  {
                    "person_id": 1,
                    "name": "Al",
                    "cash": 0.1
                  },
                  {
                    "person_id": 2,
                    "name": "Bo",
                    "cash": 10000
                  }
                ]
                """);
        assertThat(text(files, "save/classes/PERSON_2.json")).isEqualTo("""
                {
                  "person_id": 2,
                  "name": "Bo",
                  "cash": 10000,
                  "wealth": 12.5,
                  "inventories": {
                    "2": 3,
                    "10": 1
                  }
                }
                """);
        assertThat(text(files, "save/stocks.json")).isEqualTo("""
                [
                  {
                    "stock_id": 0,
                    "stock_name": "S",
                    "past_stock_last_prices": [
                      1,
                      2.25
                    ]
                  }
                ]
                """);
        assertThat(text(files, "save/documents/notes.json"))
                .isEqualTo("{\n  \"b\": {\n    \"a\": [\n      true\n    ],\n    \"z\": 1\n  }\n}\n");
    }

    @Test
    void sameStateTwiceGivesIdenticalBytes() throws Exception {
        Path a = new SnapshotWriter(root.resolve("a")).write(small());
        Path b = new SnapshotWriter(root.resolve("b")).write(small());
        List<Path> filesA = files(a);
        assertThat(filesA).hasSize(8);
        assertThat(filesA.stream().map(a::relativize).toList()).isEqualTo(files(b).stream().map(b::relativize).toList());
        for (Path f : filesA) {
            assertThat(Files.readAllBytes(b.resolve(a.relativize(f).toString()))).isEqualTo(Files.readAllBytes(f));
        }
    }

    /** The seed's persona.json / stocks.json, imported as UPSERTs (as the importer does), come back byte for byte. */
    @Test
    void seedShapedInputRoundTrips() throws Exception {
        String persona = """
                [
                  {
                    "person_id": 0,
                    "name": "Alice",
                    "occupation": "teacher",
                    "principle": "value",
                    "investment_duration": "long",
                    "daily_income_from_job": "100",
                    "cash": 10000,
                    "minimum_living_expense": 50,
                    "reflect_frequency": 3
                  }
                ]
                """;
        String stocks = """
                [
                  {
                    "stock_id": 0,
                    "stock_name": "A",
                    "DPS": 0.5,
                    "past_stock_last_prices": [
                      10,
                      10.5
                    ],
                    "quantity": 1000
                  }
                ]
                """;
        List<StateDelta.Builder> upserts = new ArrayList<>();
        for (JsonNode p : JSON.readTree(persona)) {
            Person person = Person.newBuilder().setPersonId(p.get("person_id").asInt()).setName(p.get("name").asText())
                    .setOccupation(p.get("occupation").asText()).setPrinciple(p.get("principle").asText())
                    .setInvestmentDuration(p.get("investment_duration").asText())
                    .setDailyIncomeFromJob(p.get("daily_income_from_job").asText())
                    .setCash(p.get("cash").asDouble()).setMinimumLivingExpense(p.get("minimum_living_expense").asDouble())
                    .setReflectFrequency(p.get("reflect_frequency").asInt()).setWealth(10000.0).build();
            upserts.add(LegacyRun.delta(EntityType.PERSON, String.valueOf(person.getPersonId()), Operation.UPSERT,
                    person));
        }
        for (JsonNode st : JSON.readTree(stocks)) {
            List<Double> prices = new ArrayList<>();
            st.get("past_stock_last_prices").forEach(x -> prices.add(x.asDouble()));
            Stock stock = Stock.newBuilder().setStockId(st.get("stock_id").asInt()).setStockName(st.get("stock_name").asText())
                    .setDPS(st.get("DPS").asDouble()).setPastStockLastPrices(prices)
                    .setQuantity(st.get("quantity").asLong()).setCurrentPrice(10.5).build();
            upserts.add(LegacyRun.delta(EntityType.STOCK, String.valueOf(stock.getStockId()), Operation.UPSERT,
                    stock));
        }
        RunState s = new LegacyRun("imported").iteration(0, 0, upserts.toArray(new StateDelta.Builder[0])).state();
        Path out = new SnapshotWriter(root).write(s);
        assertThat(Files.readString(out.resolve("save/persona.json"))).isEqualTo(persona);
        assertThat(Files.readString(out.resolve("save/stocks.json"))).isEqualTo(stocks);
    }

    @Test
    void atomicReplaceLeavesNoTempFolders() throws Exception {
        SnapshotWriter writer = new SnapshotWriter(root);
        writer.write(small());
        RunState fewer = new LegacyRun("run-1").iteration(4, 8, LegacyRun.delta(EntityType.PERSON, "1",
                Operation.UPSERT, Person.newBuilder().setPersonId(1).setName("Al").setCash(0.1).build())).state();
        Path out = writer.write(fewer);
        // The replaced snapshot is deleted in the background (hidden meanwhile); wait for that, then check.
        assertThat(writer.awaitBackgroundDeletes(Duration.ofSeconds(30))).isTrue();
        try (Stream<Path> entries = Files.list(root)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("run-1");
        }
        assertThat(out.resolve("save/classes/PERSON_2.json")).doesNotExist();
        assertThat(out.resolve("save/classes/MARKET.json")).doesNotExist();
        assertThat(Files.readString(out.resolve("save/information.json"))).contains("\"iteration\": 4");
    }

    @Test
    void hostileRunIdsAreRefused() throws Exception {
        SnapshotWriter writer = new SnapshotWriter(root.resolve("out"));
        for (String bad : new String[] {"../escape", "a/b", ".hidden", "", "..", "a\\b", "x\u0000y"}) {
            assertThatThrownBy(() -> writer.write(RunState.rendered(bad, 0, new TreeMap<>())))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        try (Stream<Path> entries = Files.list(root)) {
            assertThat(entries.filter(p -> !p.getFileName().toString().equals("out"))).isEmpty();
        }
    }

    @Test
    void generationsAreWrittenInPopulationOrder() throws Exception {
        RunState s = new LegacyRun("evo").state();
        s.generations().put(2, List.of(JSON.readTree("{\"name\":\"A\",\"age\":1}")));
        Map<String, byte[]> files = SnapshotWriter.render(s);
        assertThat(files.keySet()).containsExactly("persona_data/gen_2.json", "save/information.json");
        assertThat(text(files, "persona_data/gen_2.json")).isEqualTo("[\n  {\n    \"name\": \"A\",\n    \"age\": 1\n  }\n]\n");
    }

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
