package dev.simsnap.model.item;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

class ItemCodecTest {

    static final Schema PERSON = new Schema.Parser().parse("""
            {"type": "record", "name": "Person", "namespace": "t", "fields": [
              {"name": "name", "type": "string"},
              {"name": "age", "type": "long"},
              {"name": "identity", "type": {"type": "record", "name": "Identity", "fields": [
                {"name": "cash", "type": "double"},
                {"name": "label", "type": ["null", "string"], "default": null}]}},
              {"name": "wallet", "type": {"type": "map", "values": ["long", "double", "string"]}},
              {"name": "home", "type": ["null", {"type": "record", "name": "Home", "fields": [
                {"name": "city", "type": "string"},
                {"name": "rooms", "type": {"type": "map", "values": "int"}}]}], "default": null},
              {"name": "history", "type": {"type": "array", "items": "double"}},
              {"name": "events", "type": ["null", {"type": "array", "items": "long"}], "default": null},
              {"name": "either", "type": ["null", {"type": "map", "values": "long"},
                {"type": "record", "name": "Pair", "fields": [{"name": "x", "type": "long"}]}], "default": null}
            ]}""");

    @Test
    void pathSchemaWalksRecordsMapsAndUnions() {
        assertThat(ItemCodec.pathSchema(PERSON, "name").getType()).isEqualTo(Schema.Type.STRING);
        assertThat(ItemCodec.pathSchema(PERSON, "identity.cash").getType()).isEqualTo(Schema.Type.DOUBLE);
        assertThat(ItemCodec.pathSchema(PERSON, "identity.label").getType()).isEqualTo(Schema.Type.UNION);
        assertThat(ItemCodec.pathSchema(PERSON, "wallet.cash").getTypes()).extracting(Schema::getType)
                .containsExactly(Schema.Type.LONG, Schema.Type.DOUBLE, Schema.Type.STRING);
        // ["null", Home] is narrowed to Home, then its map by key.
        assertThat(ItemCodec.pathSchema(PERSON, "home.city").getType()).isEqualTo(Schema.Type.STRING);
        assertThat(ItemCodec.pathSchema(PERSON, "home.rooms.kitchen").getType()).isEqualTo(Schema.Type.INT);
        // The record branch has field x but the map branch takes any key: ambiguous; y only the map takes.
        assertThat(ItemCodec.pathSchema(PERSON, "either.y").getType()).isEqualTo(Schema.Type.LONG);
        ItemPath p = ItemCodec.resolve(PERSON, "home.rooms.kitchen");
        assertThat(p.steps()).extracting(ItemPath.Step::isMapKey).containsExactly(false, false, true);
        assertThat(p.steps().get(1).container().getName()).isEqualTo("Home");
    }

    @Test
    void badPathsNameThePathAndTheSchema() {
        assertThatThrownBy(() -> ItemCodec.pathSchema(PERSON, "identity.cashx"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("identity.cashx").hasMessageContaining("t.Identity")
                .hasMessageContaining("no field 'cashx'").hasMessageContaining("t.Person");
        assertThatThrownBy(() -> ItemCodec.pathSchema(PERSON, "age.x"))
                .hasMessageContaining("'age.x'").hasMessageContaining("\"long\"")
                .hasMessageContaining("not a record or a map");
        assertThatThrownBy(() -> ItemCodec.pathSchema(PERSON, "either.x"))
                .hasMessageContaining("ambiguous").hasMessageContaining("either.x");
        assertThatThrownBy(() -> ItemCodec.pathSchema(PERSON, "home.nope"))
                .hasMessageContaining("no branch").hasMessageContaining("home.nope");
        assertThatThrownBy(() -> ItemCodec.pathSchema(PERSON, "identity..cash"))
                .hasMessageContaining("empty segment");
        assertThatThrownBy(() -> ItemCodec.pathSchema(PERSON, "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void patchBodyIsTheStandardEncodingOfARecordOfThePathSchemas() throws IOException {
        Schema home = PERSON.getField("home").schema().getTypes().get(1);
        GenericRecord homeValue = new GenericRecordBuilder(home).set("city", "Oslo")
                .set("rooms", Map.of("kitchen", 1)).build();
        List<String> paths = List.of("identity.cash", "wallet.a", "wallet.b", "home", "name", "events");
        List<Object> values = Arrays.asList(12.5, 7L, "x", homeValue, "Ann", null);
        byte[] body = ItemCodec.encodePatch(PERSON, paths, values);

        assertThat(body).isEqualTo(syntheticRecordBytes(PERSON, paths, values));
        List<Object> decoded = ItemCodec.decodePatch(PERSON, paths, body);
        assertThat(decoded.get(0)).isEqualTo(12.5);
        assertThat(decoded.get(1)).isEqualTo(7L);
        assertThat(decoded.get(2)).isEqualTo(new Utf8("x"));
        assertThat(decoded.get(3).toString()).isEqualTo(homeValue.toString());
        assertThat(decoded.get(4)).isEqualTo(new Utf8("Ann"));
        assertThat(decoded.get(5)).isNull();
    }

    @Test
    void patchValuesAreValidated() {
        assertThatThrownBy(() -> ItemCodec.encodePatch(PERSON, List.of("identity.cash"), List.of("not a double")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("identity.cash").hasMessageContaining("\"double\"");
        assertThatThrownBy(() -> ItemCodec.encodePatch(PERSON, List.of("wallet.a"), List.of(true)))
                .hasMessageContaining("wallet.a").hasMessageContaining("[\"long\",\"double\",\"string\"]");
        assertThatThrownBy(() -> ItemCodec.encodePatch(PERSON, List.of("name", "age"), List.of("x")))
                .hasMessageContaining("2 paths but 1 values");
    }

    @Test
    void decodeRejectsTruncatedAndTrailingBodies() {
        byte[] body = ItemCodec.encodePatch(PERSON, List.of("identity.cash"), List.of(1.0));
        byte[] longer = Arrays.copyOf(body, body.length + 1);
        assertThatThrownBy(() -> ItemCodec.decodePatch(PERSON, List.of("identity.cash"), longer))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing");
        byte[] shorter = Arrays.copyOf(body, body.length - 1);
        assertThatThrownBy(() -> ItemCodec.decodePatch(PERSON, List.of("identity.cash"), shorter))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("identity.cash");
    }

    @Test
    void appendBodyIsAnAvroArrayOfTheElementType() throws IOException {
        List<Object> items = List.of(1.5, -2.0, 3.25);
        byte[] body = ItemCodec.encodeAppend(PERSON, "history", items);
        Schema array = Schema.createArray(Schema.create(Schema.Type.DOUBLE));
        assertThat(body).isEqualTo(standalone(array, items));
        assertThat(ItemCodec.decodeAppend(PERSON, "history", body)).containsExactly(1.5, -2.0, 3.25);

        // A union with one array branch: the items are of that branch's element type.
        byte[] events = ItemCodec.encodeAppend(PERSON, "events", List.of(5L, 6L));
        assertThat(events).isEqualTo(standalone(Schema.createArray(Schema.create(Schema.Type.LONG)), List.of(5L, 6L)));
        assertThat(ItemCodec.decodeAppend(PERSON, "events", events)).containsExactly(5L, 6L);
        assertThat(ItemCodec.encodeAppend(PERSON, "events", List.of())).containsExactly(0);
    }

    @Test
    void appendNeedsExactlyOneArray() {
        assertThatThrownBy(() -> ItemCodec.encodeAppend(PERSON, "name", List.of("x")))
                .hasMessageContaining("'name'").hasMessageContaining("not an array");
        // Avro allows one array branch per union at most, so the union case to refuse is one without any.
        assertThatThrownBy(() -> ItemCodec.encodeAppend(PERSON, "identity.label", List.of("x")))
                .hasMessageContaining("'identity.label'").hasMessageContaining("0 array branches");
        assertThatThrownBy(() -> ItemCodec.encodeAppend(PERSON, "history", List.of(1.0, "x")))
                .hasMessageContaining("item 1").hasMessageContaining("\"double\"");
    }

    @Test
    void upsertRoundTrips() throws IOException {
        GenericRecord item = new GenericRecordBuilder(PERSON).set("name", "Bo").set("age", 3L)
                .set("identity", new GenericRecordBuilder(PERSON.getField("identity").schema()).set("cash", 1.0).build())
                .set("wallet", Map.of()).set("history", List.of(1.0)).build();
        byte[] body = ItemCodec.encodeUpsert(PERSON, item);
        assertThat(body).isEqualTo(standalone(PERSON, item));
        assertThat(ItemCodec.decodeUpsert(PERSON, body).toString()).isEqualTo(item.toString());
    }

    /**
     * The reference encoding: a record with one field per path, each field's schema the path schema, written by
     * Avro's own GenericDatumWriter. Named types already defined are referenced, as Avro does.
     */
    static byte[] syntheticRecordBytes(Schema writer, List<String> paths, List<Object> values) throws IOException {
        List<Schema.Field> fields = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            fields.add(new Schema.Field("p" + i, ItemCodec.pathSchema(writer, paths.get(i))));
        }
        Schema synthetic = Schema.createRecord("Patch", null, "synthetic", false, fields);
        GenericData.Record r = new GenericData.Record(synthetic);
        for (int i = 0; i < values.size(); i++) {
            r.put(i, values.get(i));
        }
        return standalone(synthetic, r);
    }

    static byte[] standalone(Schema schema, Object value) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<Object>(schema).write(value, enc);
        enc.flush();
        return out.toByteArray();
    }
}
