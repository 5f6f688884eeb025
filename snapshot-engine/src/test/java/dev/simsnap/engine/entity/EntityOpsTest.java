package dev.simsnap.engine.entity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.serde.WireFormat;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;

class EntityOpsTest {

    final Fixtures fx = new Fixtures();
    final EntityOps ops = new EntityOps(SchemaLookup.cached(fx.registry));

    StoredEntity upsert(int version, Map<String, Object> item) {
        return ops.apply(null, Change.upsert(fx.id(version), fx.upsertBody(version, item)));
    }

    @Test
    void upsertStoresTheBodyAsGiven() {
        byte[] body = fx.upsertBody(1, Fixtures.person(1, "Ann", 30L, 10.0));
        StoredEntity e = ops.apply(null, Change.upsert(fx.v1, body));
        assertThat(e.schemaId()).isEqualTo(fx.v1);
        assertThat(e.body()).isEqualTo(body);
        // An UPSERT replaces whatever was there, in any version.
        StoredEntity again = ops.apply(e, Change.ofFramed(Change.Op.UPSERT, List.of(),
                WireFormat.frame(fx.v2, fx.upsertBody(2, Fixtures.person(2, "Bo", 1.5, 0.0)))));
        assertThat(again.schemaId()).isEqualTo(fx.v2);
        assertThat(fx.plain(again)).containsEntry("name", "Bo").containsEntry("age", 1.5);
    }

    @Test
    void patchesANestedRecordField() {
        StoredEntity e = upsert(1, Fixtures.person(1, "Ann", 30L, 10.0));
        byte[] body = ItemCodec.encodePatch(Fixtures.V1, List.of("identity.cash", "identity.label"),
                Arrays.asList(99.5, "rich"));
        StoredEntity patched = ops.apply(e, Change.patch(fx.v1, List.of("identity.cash", "identity.label"), body));

        Map<String, Object> expected = Fixtures.person(1, "Ann", 30L, 99.5);
        ((Map<String, Object>) expected.get("identity")).put("label", "rich");
        assertThat(patched.schemaId()).isEqualTo(fx.v1);
        assertThat(fx.plain(patched)).isEqualTo(expected);
    }

    @Test
    void patchesAMapOfAUnionByKeyCreatingMissingKeys() {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("name", "Ann");
        item.put("identity", new LinkedHashMap<>(Map.of("cash", 5L, "rank", "gold")));
        StoredEntity e = ops.apply(null, Change.upsert(fx.mapped,
                Fixtures.encode(Fixtures.MAPPED, Fixtures.toAvro(Fixtures.MAPPED, item))));

        // cash: long -> double (another branch of the union); age: a new key.
        List<String> paths = List.of("identity.cash", "identity.age");
        StoredEntity patched = ops.apply(e, Change.patch(fx.mapped, paths,
                ItemCodec.encodePatch(Fixtures.MAPPED, paths, List.of(7.25, 41L))));
        assertThat(fx.plain(patched).get("identity")).isEqualTo(Map.of("cash", 7.25, "rank", "gold", "age", 41L));
        StoredEntity again = ops.apply(patched, Change.patch(fx.mapped, List.of("identity.cash"),
                ItemCodec.encodePatch(Fixtures.MAPPED, List.of("identity.cash"), List.of("lots"))));
        assertThat(fx.plain(again).get("identity")).isEqualTo(Map.of("cash", "lots", "rank", "gold", "age", 41L));
    }

    /**
     * A patched entity is decoded and encoded again; its maps keep the order their entries were written in (the
     * order a Python dict had, which the snapshot shows), a new key going last. Compared as key lists:
     * {@code Map.equals} ignores order.
     */
    @Test
    void patchKeepsTheOrderOfMapEntries() throws Exception {
        List<String> keys = List.of("zeta", "alpha", "mid", "beta", "omega", "delta", "kappa", "a1", "b2", "c3");
        Map<String, Object> identity = new LinkedHashMap<>();
        keys.forEach(k -> identity.put(k, 1L));
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("name", "Ann");
        item.put("identity", identity);
        StoredEntity e = ops.apply(null, Change.upsert(fx.mapped,
                Fixtures.encode(Fixtures.MAPPED, Fixtures.toAvro(Fixtures.MAPPED, item))));
        List<String> paths = List.of("identity.mid", "identity.new");
        StoredEntity patched = ops.apply(e, Change.patch(fx.mapped, paths,
                ItemCodec.encodePatch(Fixtures.MAPPED, paths, List.of(2.5, "last"))));
        List<String> expected = new java.util.ArrayList<>(keys);
        expected.add("new");
        assertThat(mapKeys(patched, "identity")).containsExactlyElementsOf(expected);
    }

    /** The keys of the map field {@code field} of the stored entity, in the order its bytes hold them. */
    private List<String> mapKeys(StoredEntity entity, String field) throws Exception {
        GenericData inOrder = new GenericData() {
            @Override
            public Object newMap(Object old, int size) {
                return new LinkedHashMap<>();
            }
        };
        var record = (org.apache.avro.generic.GenericRecord) new org.apache.avro.generic.GenericDatumReader<Object>(
                fx.registry.getById(entity.schemaId()), fx.registry.getById(entity.schemaId()), inOrder)
                .read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(entity.bodyArray(), null));
        return ((Map<?, ?>) record.get(field)).keySet().stream().map(Object::toString).toList();
    }

    @Test
    void patchThroughAMissingMapKeyCreatesTheRecordFromDefaults() {
        StoredEntity e = upsert(1, Fixtures.person(1, "Ann", 30L, 10.0));
        StoredEntity patched = ops.apply(e, Change.patch(fx.v1, List.of("book.ACME.qty"),
                ItemCodec.encodePatch(Fixtures.V1, List.of("book.ACME.qty"), List.of(12L))));
        assertThat(fx.plain(patched).get("book")).isEqualTo(Map.of("ACME", Map.of("qty", 12L, "px", 0.0)));
    }

    @Test
    void patchWithANewerSchemaResolvesTheEntityFirst() {
        Map<String, Object> v1Item = Fixtures.person(1, "Ann", 30L, 10.0);
        ((Map<String, Object>) v1Item.get("wallet")).put("eur", 3L);
        ((java.util.List<Object>) v1Item.get("history")).addAll(List.of(1.0, 2.0));
        StoredEntity e = upsert(1, v1Item);

        List<String> paths = List.of("nickname", "identity.cash");
        StoredEntity patched = ops.apply(e, Change.patch(fx.v2, paths,
                ItemCodec.encodePatch(Fixtures.V2, paths, List.of("annie", 11.0))));

        assertThat(patched.schemaId()).isEqualTo(fx.v2);
        Map<String, Object> plain = fx.plain(patched);
        assertThat(plain).containsEntry("nickname", "annie").containsEntry("age", 30L)
                .containsEntry("name", "Ann").containsEntry("wallet", Map.of("eur", 3L))
                .containsEntry("history", List.of(1.0, 2.0));
        assertThat(plain.get("identity")).isEqualTo(new LinkedHashMap<>(Map.of("cash", 11.0)) {{
                put("label", null);
            }});
        // age is now ["long","double"]: the old long survived as the long branch; a double may follow.
        StoredEntity widened = ops.apply(patched, Change.patch(fx.v2, List.of("age"),
                ItemCodec.encodePatch(Fixtures.V2, List.of("age"), List.of(30.5))));
        assertThat(fx.plain(widened)).containsEntry("age", 30.5).containsEntry("nickname", "annie");
    }

    @Test
    void appendWithANewerSchemaResolvesTheEntityFirst() {
        Map<String, Object> v1Item = Fixtures.person(1, "Ann", 30L, 10.0);
        ((java.util.List<Object>) v1Item.get("history")).addAll(List.of(1.0, 2.0));
        StoredEntity e = upsert(1, v1Item);
        StoredEntity appended = ops.apply(e, Change.append(fx.v2, "history",
                ItemCodec.encodeAppend(Fixtures.V2, "history", List.of(3.0, 4.0))));
        assertThat(appended.schemaId()).isEqualTo(fx.v2);
        Map<String, Object> expected = Fixtures.person(2, "Ann", 30L, 10.0);
        expected.put("history", List.of(1.0, 2.0, 3.0, 4.0));
        assertThat(fx.plain(appended)).isEqualTo(expected);
    }

    @Test
    void appendToANullUnionStartsTheArray() {
        StoredEntity e = upsert(1, Fixtures.person(1, "Ann", 30L, 10.0));
        StoredEntity a = ops.apply(e, Change.append(fx.v1, "events", ItemCodec.encodeAppend(Fixtures.V1, "events",
                List.of(5L, 6L))));
        StoredEntity b = ops.apply(a, Change.append(fx.v1, "events", ItemCodec.encodeAppend(Fixtures.V1, "events",
                List.of(7L))));
        assertThat(fx.plain(a).get("events")).isEqualTo(List.of(5L, 6L));
        assertThat(fx.plain(b).get("events")).isEqualTo(List.of(5L, 6L, 7L));
    }

    @Test
    void deleteRemovesTheEntity() {
        StoredEntity e = upsert(1, Fixtures.person(1, "Ann", 30L, 10.0));
        assertThat(ops.apply(e, Change.delete())).isNull();
        assertThat(ops.apply(e, Change.ofFramed(Change.Op.DELETE, List.of(), null))).isNull();
    }

    @Test
    void rejectionReasons() {
        StoredEntity v1Entity = upsert(1, Fixtures.person(1, "Ann", 30L, 10.0));
        StoredEntity v2Entity = upsert(2, Fixtures.person(2, "Bo", 2.5, 1.0));
        byte[] cash = ItemCodec.encodePatch(Fixtures.V1, List.of("identity.cash"), List.of(1.0));
        byte[] history = ItemCodec.encodeAppend(Fixtures.V1, "history", List.of(1.0));

        assertRejected(null, Change.patch(fx.v1, List.of("identity.cash"), cash), "patch-missing-entity");
        assertRejected(null, Change.append(fx.v1, "history", history), "append-missing-entity");
        assertRejected(null, Change.delete(), "delete-missing-entity");
        // v2 -> v1: a ["long","double"] age cannot be read as a long.
        assertRejected(v2Entity, Change.patch(fx.v1, List.of("identity.cash"), cash), "schema-not-resolvable");
        assertRejected(v2Entity, Change.append(fx.v1, "history", history), "schema-not-resolvable");
        assertRejected(v1Entity, Change.patch(999, List.of("identity.cash"), cash), "unknown-schema");
        assertRejected(v1Entity, Change.upsert(999, cash), "unknown-schema");
        assertRejected(new StoredEntity(998, new byte[0]), Change.patch(fx.v1, List.of("identity.cash"), cash),
                "unknown-schema");
        assertRejected(v1Entity, Change.patch(fx.v1, List.of("identity.cashx"), cash), "bad-path");
        assertRejected(v1Entity, Change.patch(fx.v1, List.of("nickname"), cash), "bad-path");
        assertRejected(v1Entity, Change.append(fx.v1, "name", history), "bad-path");
        assertRejected(v1Entity, Change.patch(fx.v1, List.of("identity.cash"), Arrays.copyOf(cash, 3)), "bad-body");
        assertRejected(v1Entity, Change.patch(fx.v1, List.of("identity.cash"), Arrays.copyOf(cash, 9)), "bad-body");
        assertRejected(v1Entity, Change.patch(fx.v1, List.of(), cash), "bad-change");
        assertRejected(v1Entity, new Change(Change.Op.APPEND, List.of("history", "events"), fx.v1, history),
                "bad-change");
        assertRejected(v1Entity, new Change(Change.Op.UPSERT, List.of("name"), fx.v1, cash), "bad-change");
        assertRejected(new StoredEntity(fx.v1, new byte[] {1, 2}),
                Change.patch(fx.v1, List.of("identity.cash"), cash), "corrupt-entity");
        // An UPSERT body that does not decode is refused, not stored to fail every later read.
        byte[] whole = fx.upsertBody(1, Fixtures.person(1, "Ann", 30L, 10.0));
        assertRejected(null, Change.upsert(fx.v1, Arrays.copyOf(whole, whole.length - 1)), "bad-body");
        assertRejected(null, Change.upsert(fx.v1, Arrays.copyOf(whole, whole.length + 1)), "bad-body");
    }

    private void assertRejected(StoredEntity current, Change change, String code) {
        assertThatThrownBy(() -> ops.apply(current, change))
                .isInstanceOf(RejectedChange.class)
                .isInstanceOf(IllegalStateException.class)
                .asInstanceOf(type(RejectedChange.class))
                .satisfies(r -> assertThat(r.code()).as(r.getMessage()).isEqualTo(code));
    }

    @Test
    void storedEntityRoundTripsAndIsImmutable() {
        byte[] body = {1, 2, 3};
        StoredEntity e = new StoredEntity(7, body);
        body[0] = 9;
        assertThat(e.body()).containsExactly(1, 2, 3);
        e.body()[0] = 9;
        assertThat(e.body()).containsExactly(1, 2, 3);
        byte[] bytes = e.toBytes();
        assertThat(bytes).containsExactly(1, 0, 0, 0, 7, 1, 2, 3);
        assertThat(StoredEntity.fromBytes(bytes)).isEqualTo(e);
        assertThat(StoredEntity.fromBytes(new StoredEntity(-1, new byte[0]).toBytes()).schemaId()).isEqualTo(-1);
        assertThatThrownBy(() -> StoredEntity.fromBytes(new byte[] {2, 0, 0, 0, 7}))
                .hasMessageContaining("format version 0x02");
        assertThatThrownBy(() -> StoredEntity.fromBytes(new byte[] {1, 0}))
                .hasMessageContaining("shorter than its 5-byte header");
    }

    @Test
    void registryLookupCachesAndReportsUnknownIdsAsNull() {
        SchemaLookup lookup = SchemaLookup.cached(fx.registry);
        assertThat(lookup.byId(fx.v1)).isSameAs(lookup.byId(fx.v1)).isEqualTo(Fixtures.V1);
        assertThat(lookup.byId(12345)).isNull();
        assertThat(GenericData.get().validate(Fixtures.V1,
                Fixtures.decode(Fixtures.V1, fx.upsertBody(1, Fixtures.person(1, "x", 1L, 1.0))))).isTrue();
    }
}
