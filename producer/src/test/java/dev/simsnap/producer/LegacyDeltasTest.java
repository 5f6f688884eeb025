package dev.simsnap.producer;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.Market;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.delta.Stock;
import dev.simsnap.schema.legacy.LegacyDeltas;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every rule a v1 producer checks before sending ({@link LegacyDeltas} under the producer rules, read from the
 * legacy model) and every rule of {@link JsonDeltas} fails with the field's name.
 */
class LegacyDeltasTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static StateDelta delta(EntityType type, String id, String collection, Operation op, List<String> fields,
                                    Object payload) {
        return new StateDelta("r", "w", 0L, 0L, 0, type, id, collection, op, fields, payload, null, null);
    }

    private static StateDelta check(StateDelta d) {
        return LegacyDeltas.check(d, LegacyDeltas.Rules.PRODUCER);
    }

    private static Person person(int id) {
        return new Person(id, "A", "B", "C", "D", "1", 1.0, 1.0, 1, null, null, null, null, null, null);
    }

    private static void rejects(StateDelta d, String field) {
        assertThatThrownBy(() -> check(d)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + field + "'");
    }

    @Test
    void typedRules() {
        assertThatCode(() -> check(delta(EntityType.PERSON, "3", null, Operation.UPSERT, List.of(),
                person(3)))).doesNotThrowAnyException();
        rejects(delta(EntityType.STOCK, "3", null, Operation.UPSERT, List.of(), person(3)), "payload");
        rejects(delta(EntityType.PERSON, "4", null, Operation.UPSERT, List.of(), person(3)), "person_id");
        Person noCash = person(3);
        noCash.setCash(null);
        rejects(delta(EntityType.PERSON, "3", null, Operation.UPSERT, List.of(), noCash), "cash");
        Person nan = person(3);
        nan.setCash(Double.NaN);
        rejects(delta(EntityType.PERSON, "3", null, Operation.PATCH, List.of("cash"), nan), "cash");
        rejects(delta(EntityType.PERSON, "3", null, Operation.PATCH, List.of("height"), person(3)), "height");
        rejects(delta(EntityType.PERSON, "3", null, Operation.PATCH, List.of(), person(3)), "patch_fields");
        rejects(delta(EntityType.PERSON, "3", null, Operation.PATCH, List.of("person_id"), person(3)), "person_id");
        rejects(delta(EntityType.STOCK, "0", null, Operation.UPSERT, List.of(),
                Stock.newBuilder().setStockId(0).setStockName("A").setDPS(1.0).setQuantity(1L).build()),
                "past_stock_last_prices");
        rejects(delta(EntityType.STOCK, "0", null, Operation.APPEND, List.of(),
                new ListAppend("quantity", List.of(1.0), List.of())), "quantity");
        rejects(delta(EntityType.STOCK, "0", null, Operation.APPEND, List.of(),
                new ListAppend("volume", List.of(1.0), List.of())), "volume");
        rejects(delta(EntityType.MARKET, "mkt", null, Operation.UPSERT, List.of(), new Market(0.1, 1.0)), "entity_id");
        rejects(delta(EntityType.MARKET, "market", "x", Operation.UPSERT, List.of(), new Market(0.1, 1.0)),
                "collection");
        rejects(delta(EntityType.PERSON, "3", null, Operation.DELETE, List.of(), person(3)), "payload");
    }

    @Test
    void everyDoubleOfThePayloadMustBeFinite() {
        Person dividends = person(3);
        dividends.setDividends(new java.util.TreeMap<>(java.util.Map.of("1", 0.5, "2", Double.NaN)));
        rejects(delta(EntityType.PERSON, "3", null, Operation.PATCH, List.of("dividends"), dividends), "dividends");
        Person wealth = person(3);
        wealth.setWealth(Double.NEGATIVE_INFINITY);
        rejects(delta(EntityType.PERSON, "3", null, Operation.UPSERT, List.of(), wealth), "wealth");
        Stock prices = Stock.newBuilder().setStockId(0).setStockName("A").setDPS(1.0).setQuantity(1L)
                .setPastStockLastPrices(List.of(1.0, Double.POSITIVE_INFINITY)).build();
        rejects(delta(EntityType.STOCK, "0", null, Operation.UPSERT, List.of(), prices), "past_stock_last_prices");
        prices.setPastStockLastPrices(new java.util.LinkedList<>(List.of(1.0)));
        prices.setIntradayPriceList(new java.util.LinkedList<>(List.of(2.0, Double.NaN)));
        rejects(delta(EntityType.STOCK, "0", null, Operation.PATCH, List.of("intraday_price_list"), prices),
                "intraday_price_list");
        prices.setIntradayPriceList(List.of(2.0));
        assertThatCode(() -> check(delta(EntityType.STOCK, "0", null, Operation.UPSERT, List.of(),
                prices))).doesNotThrowAnyException();
        rejects(delta(EntityType.PERSON, "3", null, Operation.PATCH, List.of("cash", "asset", "cash"), person(3)),
                "cash");
    }

    @Test
    void documentRules() {
        assertThatCode(() -> check(delta(EntityType.DOCUMENT, "p1", "posts", Operation.PATCH,
                List.of("likes"), new Document("{\"likes\":3}")))).doesNotThrowAnyException();
        rejects(delta(EntityType.DOCUMENT, "p1", "../etc", Operation.UPSERT, List.of(), new Document("{}")),
                "collection");
        rejects(delta(EntityType.DOCUMENT, "p1", "posts", Operation.UPSERT, List.of(), new Document("[1]")), "json");
        rejects(delta(EntityType.DOCUMENT, "p1", "posts", Operation.PATCH, List.of("views"),
                new Document("{\"likes\":3}")), "views");
        rejects(delta(EntityType.DOCUMENT, "p1", "posts", Operation.APPEND, List.of(),
                new ListAppend("tags", List.of(), List.of("{oops"))), "json_items");
    }

    @Test
    void jsonEntryConvertsStrictlyAgainstTheAvroSchemas() throws Exception {
        JsonDeltas.Parsed ok = JsonDeltas.parse(JSON.readTree("{\"entity_type\":\"PERSON\",\"entity_id\":\"3\","
                + "\"op\":\"PATCH\",\"patch_fields\":[\"cash\"],\"payload\":{\"person_id\":3,\"cash\":10}}"));
        assertThatCode(() -> check(delta(ok.type(), ok.entityId(), ok.collection(), ok.op(),
                ok.patchFields(), ok.payload()))).doesNotThrowAnyException();
        assertJsonRejects("{\"entity_type\":\"ROBOT\",\"entity_id\":\"3\",\"op\":\"UPSERT\",\"payload\":{}}",
                "entity_type");
        assertJsonRejects("{\"entity_type\":\"PERSON\",\"entity_id\":\"3\",\"op\":\"PATCH\","
                + "\"payload\":{\"person_id\":3,\"cash\":\"lots\"}}", "payload.cash");
        assertJsonRejects("{\"entity_type\":\"PERSON\",\"entity_id\":\"3\",\"op\":\"PATCH\","
                + "\"payload\":{\"person_id\":3,\"shoe\":1}}", "payload.shoe");
        assertJsonRejects("{\"entity_type\":\"PERSON\",\"entity_id\":\"3\",\"op\":\"UPSERT\","
                + "\"payload\":{\"cash\":1}}", "payload.person_id");
        assertJsonRejects("{\"entity_type\":\"PERSON\",\"entity_id\":\"3\",\"op\":\"FLIP\"}", "op");
        assertJsonRejects("{\"entity_type\":\"PERSON\",\"entity_id\":\"3\",\"op\":\"DELETE\",\"sequence\":4}",
                "sequence");
    }

    private static void assertJsonRejects(String json, String field) {
        assertThatThrownBy(() -> JsonDeltas.parse(JSON.readTree(json))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + field + "'");
    }
}
