package dev.simsnap.schema.legacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simsnap.model.CollectionSpec;
import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.MarketIndex;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.StateDelta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** How v1 records map onto the built-in legacy model, and the v1 rules read from it. */
class LegacyKindTest {

    @Test
    void everyEntityTypeIsACollectionWhoseTypedItemsAreThePayloadRecordsExactly() {
        Set<Integer> ids = new HashSet<>();
        for (EntityType type : EntityType.values()) {
            CollectionSpec c = LegacyKind.collection(type);
            assertThat(c.name()).isEqualTo(type.name().toLowerCase(java.util.Locale.ROOT));
            assertThat(LegacyKind.entityType(c.name())).isEqualTo(type);
            Schema item = LegacyKind.itemSchema(c);
            Schema payload = LegacyKind.payloadSchema(c);
            assertThat(item.getFullName()).isEqualTo(payload.getFullName());
            if (type != EntityType.MARKET_INDEX && type != EntityType.DOCUMENT) {
                // Stored items are the payload's Avro body: the two must be the same schema for binary purposes.
                assertThat(SchemaNormalization.toParsingForm(item)).isEqualTo(SchemaNormalization.toParsingForm(payload));
            }
            int id = LegacyKind.schemaId(c);
            assertThat(id).isNegative();
            assertThat(LegacyKind.schema(id)).isSameAs(item);
            ids.add(id);
        }
        assertThat(ids).hasSize(EntityType.values().length);
        assertThat(LegacyKind.schema(0)).isNull();
        assertThat(LegacyKind.schema(7)).isNull();
        assertThat(LegacyKind.schema(-100)).isNull();
    }

    @Test
    void itemIdsAndAddressesAreInverse() {
        CollectionSpec doc = LegacyKind.collection(EntityType.DOCUMENT);
        assertThat(LegacyKind.itemId(doc, "a/b", "notes")).isEqualTo("notes/a/b");
        assertThat(LegacyKind.address(doc, "notes/a/b"))
                .isEqualTo(new LegacyKind.Address(EntityType.DOCUMENT, "a/b", "notes"));
        CollectionSpec info = LegacyKind.collection(EntityType.INFORMATION);
        assertThat(LegacyKind.itemId(info, "information", null)).isEmpty();
        assertThat(LegacyKind.address(info, "")).isEqualTo(new LegacyKind.Address(EntityType.INFORMATION,
                "information", null));
        assertThat(LegacyKind.singletonId(EntityType.MARKET)).isEqualTo("market");
        assertThatThrownBy(() -> LegacyKind.singletonId(EntityType.PERSON)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keyOrderPutsCanonicalIntegersFirstByValue() {
        List<String> keys = new ArrayList<>(List.of("a", "10", "-3", "007", "99999999999999999999", "+1", "B", "",
                "0", "-0", "1099511627776", "12x", "-12", "7", "100", "99"));
        keys.sort(LegacyKind.KEY_ORDER);
        assertThat(keys).containsExactly("-12", "-3", "0", "7", "10", "99", "100", "1099511627776",
                "99999999999999999999", "", "+1", "-0", "007", "12x", "B", "a");
        Map<String, Long> map = new HashMap<>();
        for (String k : List.of("10", "2", "x", "1")) {
            map.put(k, (long) k.length());
        }
        assertThat(keys(LegacyKind.sortedMaps(map))).containsExactly("1", "2", "10", "x");
    }

    @Test
    void upsertItemsKeepV1KeyOrdersAndEnvelopeKeys() {
        StateDelta index = delta(EntityType.MARKET_INDEX, "IDX", null, Operation.UPSERT, List.of(),
                MarketIndex.newBuilder().setName("i").setStockProportion(new HashMap<>(Map.of("10", 0.5, "9", 0.5)))
                        .build());
        GenericRecord item = LegacyDeltas.item(LegacyDeltas.check(index, LegacyDeltas.Rules.HISTORY));
        assertThat(item.get("id")).isEqualTo("IDX");
        assertThat(keys(item.get("stock_proportion"))).containsExactly("9", "10");
        assertThat(LegacyKind.view(LegacyKind.collection(EntityType.MARKET_INDEX), item))
                .isInstanceOfSatisfying(GenericRecord.class, v -> assertThat(v.getSchema().getField("id")).isNull());

        StateDelta doc = delta(EntityType.DOCUMENT, "d", "notes", Operation.UPSERT, List.of(),
                new Document("{\"b\":{\"10\":1,\"9\":2},\"a\":123456789012345678901234567890}"));
        GenericRecord document = LegacyDeltas.item(LegacyDeltas.check(doc, LegacyDeltas.Rules.HISTORY));
        assertThat(document.get("collection")).isEqualTo("notes");
        Map<?, ?> json = (Map<?, ?>) document.get("json");
        assertThat(keys(json)).containsExactly("a", "b");
        assertThat(keys(((GenericRecord) json.get("b")).get("v"))).as("document objects: String order")
                .containsExactly("10", "9");
        assertThat(((GenericRecord) ((GenericRecord) json.get("a")).get("v")).get("decimal"))
                .isEqualTo("123456789012345678901234567890");
    }

    @Test
    void historyRulesNameTheField() {
        rejects(delta(EntityType.PERSON, "007", null, Operation.DELETE, List.of(), null), "entity_id");
        rejects(delta(EntityType.PERSON, "2", null, Operation.UPSERT, List.of(), person(3)), "person_id");
        rejects(delta(EntityType.MARKET_INDEX, "../x", null, Operation.DELETE, List.of(), null), "entity_id");
        rejects(delta(EntityType.DOCUMENT, "d", null, Operation.DELETE, List.of(), null), "collection");
        rejects(delta(EntityType.DOCUMENT, "d", ".hidden", Operation.DELETE, List.of(), null), "collection");
        rejects(delta(EntityType.DOCUMENT, "d", "c", Operation.UPSERT, List.of(), new Document("{\"x\":1e400}")),
                "json");
        rejects(delta(EntityType.DOCUMENT, "d", "c", Operation.UPSERT, List.of(), new Document("{\"x\":1,\"x\":2}")),
                "json");
        rejects(delta(EntityType.STOCK, "0", null, Operation.APPEND, List.of(),
                new ListAppend("stock_name", List.of(1.0), List.of())), "stock_name");
        rejects(delta(EntityType.INFORMATION, "info", null, Operation.DELETE, List.of(), null), "entity_id");
        // What history holds and a producer would not send is still history: accepted.
        LegacyDeltas.check(delta(EntityType.PERSON, "3", null, Operation.PATCH, List.of("person_id"), person(3)),
                LegacyDeltas.Rules.HISTORY);
        LegacyDeltas.check(delta(EntityType.DOCUMENT, "d", "c", Operation.PATCH, List.of("gone"),
                new Document("{}")), LegacyDeltas.Rules.HISTORY);
        assertThatThrownBy(() -> LegacyDeltas.check(delta(EntityType.DOCUMENT, "d", "c", Operation.PATCH,
                List.of("gone"), new Document("{}")), LegacyDeltas.Rules.PRODUCER)).hasMessageContaining("'gone'");
    }

    private static List<String> keys(Object map) {
        List<String> out = new ArrayList<>();
        ((Map<?, ?>) map).keySet().forEach(k -> out.add(k.toString()));
        return out;
    }

    private static void rejects(StateDelta d, String field) {
        assertThatThrownBy(() -> LegacyDeltas.check(d, LegacyDeltas.Rules.HISTORY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("field '" + field + "'");
    }

    private static Person person(int id) {
        return Person.newBuilder().setPersonId(id).setName("n").build();
    }

    private static StateDelta delta(EntityType type, String id, String collection, Operation op, List<String> fields,
                                    Object payload) {
        return new StateDelta("r", "w", 0L, 0L, 0, type, id, collection, op, fields, payload, null, null);
    }
}
