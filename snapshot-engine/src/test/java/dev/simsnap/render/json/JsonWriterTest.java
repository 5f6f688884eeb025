package dev.simsnap.render.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

/** Unit tests of {@link JsonWriter}, {@link JsonFormat} and {@link PythonFloat}; Python itself is in PythonOracleTest. */
class JsonWriterTest {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private static String text(JsonFormat format, Object value) {
        return JsonWriter.of(format).toText(value);
    }

    // ---- Python float repr: expected values printed by CPython 3.11 repr() ----

    @Test
    void pythonReprOfDoubles() {
        assertThat(PythonFloat.repr(Double.MIN_VALUE)).isEqualTo("5e-324"); // Java: 4.9E-324
        assertThat(PythonFloat.repr(2 * Double.MIN_VALUE)).isEqualTo("1e-323"); // Java: 9.9E-324
        assertThat(PythonFloat.repr(3 * Double.MIN_VALUE)).isEqualTo("1.5e-323");
        assertThat(PythonFloat.repr(5 * Double.MIN_VALUE)).isEqualTo("2.5e-323");
        assertThat(PythonFloat.repr(Double.MIN_NORMAL)).isEqualTo("2.2250738585072014e-308");
        assertThat(PythonFloat.repr(1e-7)).isEqualTo("1e-07");
        assertThat(PythonFloat.repr(1e-5)).isEqualTo("1e-05");
        assertThat(PythonFloat.repr(1e-4)).isEqualTo("0.0001");
        assertThat(PythonFloat.repr(0.0001234)).isEqualTo("0.0001234");
        assertThat(PythonFloat.repr(0.1 + 0.2)).isEqualTo("0.30000000000000004");
        assertThat(PythonFloat.repr(1e16)).isEqualTo("1e+16");
        assertThat(PythonFloat.repr(9999999999999998.0)).isEqualTo("9999999999999998.0");
        assertThat(PythonFloat.repr(1e15)).isEqualTo("1000000000000000.0");
        assertThat(PythonFloat.repr(123456789012345678.0)).isEqualTo("1.2345678901234568e+17");
        assertThat(PythonFloat.repr(9007199254740993.0)).isEqualTo("9007199254740992.0");
        assertThat(PythonFloat.repr(1e21)).isEqualTo("1e+21");
        assertThat(PythonFloat.repr(1e22)).isEqualTo("1e+22");
        assertThat(PythonFloat.repr(1e23)).isEqualTo("1e+23"); // JDK 17 Double.toString: 9.999999999999999E22
        assertThat(PythonFloat.repr(1.5e16)).isEqualTo("1.5e+16");
        assertThat(PythonFloat.repr(10000.0)).isEqualTo("10000.0");
        assertThat(PythonFloat.repr(-0.0)).isEqualTo("-0.0");
        assertThat(PythonFloat.repr(0.0)).isEqualTo("0.0");
        assertThat(PythonFloat.repr(Double.MAX_VALUE)).isEqualTo("1.7976931348623157e+308");
        assertThat(PythonFloat.repr(100.0)).isEqualTo("100.0");
        assertThat(PythonFloat.repr(-0.5)).isEqualTo("-0.5");
        assertThat(PythonFloat.repr(Double.NaN)).isEqualTo("nan");
        assertThat(PythonFloat.repr(Double.NEGATIVE_INFINITY)).isEqualTo("-inf");
    }

    @Test
    void float32IsWidenedThroughItsShortestDecimalOrExactly() {
        assertThat(PythonFloat.widenShortest(0.1f)).isEqualTo(0.1);
        assertThat(PythonFloat.widenShortest(-3.4028235e38f)).isEqualTo(-3.4028235e38);
        assertThat(PythonFloat.widenShortest(Float.MIN_VALUE)).isEqualTo(1e-45); // Java's Schubfach: 1.4E-45
        assertThat(PythonFloat.widenShortest(16777216f)).isEqualTo(16777216.0);
        assertThat(PythonFloat.widenShortest(-0.0f)).isEqualTo(-0.0);
        assertThat(Double.isNaN(PythonFloat.widenShortest(Float.NaN))).isTrue();
        assertThat(text(JsonFormat.python(null), List.of(0.1f, 1e10f))).isEqualTo("[0.1, 10000000000.0]");
        assertThat(text(JsonFormat.python(null).float32(JsonFormat.Float32.EXACT), List.of(0.1f)))
                .isEqualTo("[0.10000000149011612]");
        assertThat(text(JsonFormat.python(null), F.arrayNode().add(0.1f))).isEqualTo("[0.1]");
    }

    // ---- Python layout: expected texts printed by json.dumps ----

    @Test
    void pythonLayouts() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("a", List.of(1, Map.of("b", List.of())));
        value.put("c", Map.of());
        assertThat(text(JsonFormat.python(null), value)).isEqualTo("{\"a\": [1, {\"b\": []}], \"c\": {}}");
        assertThat(text(JsonFormat.python(0), value)).isEqualTo("{\n\"a\": [\n1,\n{\n\"b\": []\n}\n],\n\"c\": {}\n}");
        assertThat(text(JsonFormat.python(2), value))
                .isEqualTo("{\n  \"a\": [\n    1,\n    {\n      \"b\": []\n    }\n  ],\n  \"c\": {}\n}");
        assertThat(text(JsonFormat.python(4).trailingNewline(true), List.of(1)))
                .isEqualTo("[\n    1\n]\n");
        assertThat(text(JsonFormat.python(null).separators(",", ":"), value))
                .isEqualTo("{\"a\":[1,{\"b\":[]}],\"c\":{}}");
        assertThatThrownBy(() -> JsonFormat.python(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pythonStringEscapes() {
        String s = "\u007f\u00e9\ud83d\ude00\u001f\b\"\\/\n\r\t\f";
        assertThat(text(JsonFormat.python(null), s))
                .isEqualTo("\"\\u007f\\u00e9\\ud83d\\ude00\\u001f\\b\\\"\\\\/\\n\\r\\t\\f\"");
        assertThat(JsonWriter.of(JsonFormat.python(null).ensureAscii(false)).toBytes(s)).isEqualTo(
                "\"\u007f\u00e9\ud83d\ude00\\u001f\\b\\\"\\\\/\\n\\r\\t\\f\"".getBytes(StandardCharsets.UTF_8));
        // a lone surrogate: escaped with ensure_ascii, refused without (Python cannot encode it to UTF-8 either)
        assertThat(text(JsonFormat.python(null), "x\ud800")).isEqualTo("\"x\\ud800\"");
        assertThatThrownBy(() -> text(JsonFormat.python(null).ensureAscii(false), "x\ud800"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired surrogate U+D800");
        assertThat(JsonWriter.of(JsonFormat.canonical()).toBytes("x\ud800"))
                .isEqualTo("\"x?\"\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void nonFiniteNumbers() {
        List<Object> values = List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Float.NaN);
        assertThat(text(JsonFormat.python(null), values)).isEqualTo("[NaN, Infinity, -Infinity, NaN]");
        assertThatThrownBy(() -> text(JsonFormat.python(null).allowNan(false), values))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not JSON compliant");
        assertThatThrownBy(() -> text(JsonFormat.canonical(), F.numberNode(Double.NaN)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- Avro values ----

    private static final Schema INNER = SchemaBuilder.record("Inner").fields()
            .requiredInt("x").optionalLong("y").endRecord();
    private static final Schema TOP = SchemaBuilder.record("Top").namespace("t").fields()
            .requiredString("name")
            .requiredDouble("score")
            .requiredFloat("ratio")
            .name("kind").type().enumeration("Kind").symbols("A", "B").noDefault()
            .name("tags").type().array().items().stringType().noDefault()
            .name("attrs").type().map().values().longType().noDefault()
            .name("inner").type(INNER).noDefault()
            .name("either").type().unionOf().nullType().and().stringType().and().type(INNER).endUnion()
            .nullDefault()
            .endRecord();

    private static GenericRecord sample() {
        GenericRecord inner = new GenericData.Record(INNER);
        inner.put("x", 3);
        GenericRecord r = new GenericData.Record(TOP);
        r.put("name", "Zoë");
        r.put("score", 1e-7);
        r.put("ratio", 0.1f);
        r.put("kind", new GenericData.EnumSymbol(TOP.getField("kind").schema(), "B"));
        r.put("tags", new GenericData.Array<>(TOP.getField("tags").schema(), List.of(new Utf8("t1"), "t2")));
        Map<Object, Object> attrs = new LinkedHashMap<>();
        for (String key : List.of("zeta", "alpha", "10", "2", "mid")) {
            attrs.put(new Utf8(key), (long) key.length());
        }
        r.put("attrs", attrs);
        r.put("inner", inner);
        r.put("either", inner);
        return r;
    }

    @Test
    void avroRecordFieldsInSchemaOrderAndNullsKept() {
        assertThat(text(JsonFormat.python(null), sample())).isEqualTo("{\"name\": \"Zo\\u00eb\", \"score\": 1e-07, "
                + "\"ratio\": 0.1, \"kind\": \"B\", \"tags\": [\"t1\", \"t2\"], "
                + "\"attrs\": {\"zeta\": 4, \"alpha\": 5, \"10\": 2, \"2\": 1, \"mid\": 3}, "
                + "\"inner\": {\"x\": 3, \"y\": null}, \"either\": {\"x\": 3, \"y\": null}}");
    }

    @Test
    void orderedReaderKeepsMapEntriesInWireOrder() throws Exception {
        GenericRecord record = sample();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(TOP).write(record, encoder);
        encoder.flush();
        GenericRecord decoded = new OrderedGenericDatumReader<GenericRecord>(TOP)
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        assertThat(decoded.get("attrs")).isInstanceOf(LinkedHashMap.class);
        assertThat(text(JsonFormat.python(2), decoded)).isEqualTo(text(JsonFormat.python(2), record));
        // Avro's own reader makes a HashMap, whose order is not the wire order
        GenericRecord plain = new GenericDatumReader<GenericRecord>(TOP)
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        assertThat(plain.get("attrs")).isInstanceOf(HashMap.class).isNotInstanceOf(LinkedHashMap.class);
    }

    @Test
    void bytesAndFixedAreRejected() {
        Schema fixed = SchemaBuilder.fixed("F").size(2);
        assertThatThrownBy(() -> text(JsonFormat.python(null), ByteBuffer.wrap(new byte[] {1})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes/fixed");
        assertThatThrownBy(() -> text(JsonFormat.python(null), new GenericData.Fixed(fixed, new byte[2])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes/fixed");
        assertThatThrownBy(() -> text(JsonFormat.python(null), F.binaryNode(new byte[] {1})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BINARY");
        assertThatThrownBy(() -> text(JsonFormat.python(null), new BigDecimal("1.5")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BigDecimal");
        assertThatThrownBy(() -> text(JsonFormat.python(null), Map.of(1, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("map key is not a string");
    }

    @Test
    void streamOutputEqualsBytesAcrossBufferBoundaries() throws Exception {
        List<Object> big = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            big.add(Map.of("k" + i, List.of(i * 0.37, "é😀" + "x".repeat(i % 50), BigInteger.TEN.pow(i % 40))));
        }
        big.add("y".repeat(20_000)); // one string larger than the stream buffer
        for (JsonFormat format : List.of(JsonFormat.python(4).ensureAscii(false), JsonFormat.canonical())) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            JsonWriter.of(format).writeTo(big, out);
            assertThat(out.toByteArray()).isEqualTo(JsonWriter.of(format).toBytes(big));
        }
    }

    @Test
    void formatsAreValues() {
        assertThat(JsonFormat.python(4)).isEqualTo(JsonFormat.python(4)).isNotEqualTo(JsonFormat.python(2));
        assertThat(JsonFormat.python(null).separators(",", ": ").indent(2).ensureAscii(false).trailingNewline(true)
                .allowNan(false).float32(JsonFormat.Float32.EXACT)).isNotEqualTo(JsonFormat.canonical());
        assertThat(JsonFormat.python(null).itemSeparator()).isEqualTo(", ");
        assertThat(JsonFormat.python(2).itemSeparator()).isEqualTo(",");
        assertThat(JsonFormat.canonical().isCanonical()).isTrue();
    }

    // ---- the legacy canonical form ----

    /**
     * Expected bytes of the legacy form as simsnap's v1 code wrote it (the class {@code CanonicalJson}, since deleted):
     * made once by compiling CanonicalJson.java alone against jackson-databind 2.19.2, running
     * {@code CanonicalJson.pretty(node)} / {@code compact(node)} on the nodes {@link #legacyNodes} builds, and printing
     * each text as a Java literal (non-ASCII as unicode escapes). The legacy history fixture (snapshot-service's
     * LegacyHistoryReplayTest) holds whole snapshots of it.
     */
    private static final String[][] LEGACY = {
        {"{\n  \"int\": 7,\n  \"long\": 123456789012345678,\n  \"big\": 123456789012345678901234567890,\n"
                + "  \"cash\": 10000,\n  \"neg_zero\": 0,\n  \"tiny\": 1.0E-7,\n  \"sum\": 0.30000000000000004,\n"
                + "  \"e16\": 1.0E16,\n  \"e21\": 1.0E21,\n  \"two53\": 9.007199254740992E15,\n  \"huge\": 1.0E300,\n"
                + "  \"sub\": 4.9E-324,\n  \"float\": 0.10000000149011612,\n  \"dec\": 2.5,\n  \"neg\": -1234.5,\n"
                + "  \"text\": \"quote\\\" back\\\\ nl\\n cr\\r tab\\t bs\\b ff\\f nul\\u0000 us\\u001F del\u007f \u00e9"
                + " \u00fc \u4e2d \u2028 \ud83d\ude00\",\n  \"ok\": true,\n  \"none\": null,\n  \"empty_obj\": {},\n"
                + "  \"empty_arr\": [],\n  \"arr\": [\n    1,\n    \"two\",\n    [\n      3.5,\n      {\n        \"k\":"
                + " \"v\"\n      }\n    ]\n  ],\n  \"nested\": {\n    \"deeper\": {\n      \"\u043a\u043b\u044e\u0447\""
                + ": \"\u0437\u043d\u0430\u0447\u0435\u043d\u0438\u0435\"\n    }\n  }\n}\n",
                "{\"int\":7,\"long\":123456789012345678,\"big\":123456789012345678901234567890,\"cash\":10000,\"neg_z"
                + "ero\":0,\"tiny\":1.0E-7,\"sum\":0.30000000000000004,\"e16\":1.0E16,\"e21\":1.0E21,\"two53\":9.007199"
                + "254740992E15,\"huge\":1.0E300,\"sub\":4.9E-324,\"float\":0.10000000149011612,\"dec\":2.5,\"neg\":-12"
                + "34.5,\"text\":\"quote\\\" back\\\\ nl\\n cr\\r tab\\t bs\\b ff\\f nul\\u0000 us\\u001F del\u007f \u00e9"
                + " \u00fc \u4e2d \u2028 \ud83d\ude00\",\"ok\":true,\"none\":null,\"empty_obj\":{},\"empty_arr\":[],\"a"
                + "rr\":[1,\"two\",[3.5,{\"k\":\"v\"}]],\"nested\":{\"deeper\":{\"\u043a\u043b\u044e\u0447\":\"\u0437\u043d"
                + "\u0430\u0447\u0435\u043d\u0438\u0435\"}}}"},
        {"[]\n",
                "[]"},
        {"\"plain\"\n",
                "\"plain\""},
        {"1.5E-5\n",
                "1.5E-5"},
        {"1.23456789125E8\n",
                "1.23456789125E8"},
    };

    private static List<JsonNode> legacyNodes() {
        ObjectNode o = F.objectNode();
        o.put("int", 7);
        o.put("long", 123456789012345678L);
        o.set("big", F.numberNode(new BigInteger("123456789012345678901234567890")));
        o.put("cash", 10000.0);
        o.put("neg_zero", -0.0);
        o.put("tiny", 1e-7);
        o.put("sum", 0.1 + 0.2);
        o.put("e16", 1e16);
        o.put("e21", 1e21);
        o.put("two53", 9007199254740992.0);
        o.put("huge", 1e300);
        o.put("sub", Double.MIN_VALUE);
        o.put("float", 0.1f);
        o.set("dec", F.numberNode(new BigDecimal("2.5")));
        o.put("neg", -1234.5);
        o.put("text", "quote\" back\\ nl\n cr\r tab\t bs\b ff\f nul\u0000 us\u001f del\u007f é ü 中 \u2028 😀");
        o.put("ok", true);
        o.putNull("none");
        o.set("empty_obj", F.objectNode());
        o.set("empty_arr", F.arrayNode());
        ArrayNode arr = o.putArray("arr");
        arr.add(1);
        arr.add("two");
        arr.add(F.arrayNode().add(3.5).add(F.objectNode().put("k", "v")));
        o.putObject("nested").putObject("deeper").put("ключ", "значение");
        return List.of(o, F.arrayNode(), F.textNode("plain"), F.numberNode(1.5e-5), F.numberNode(123456789.125));
    }

    @Test
    void canonicalNumbers() {
        JsonWriter compact = JsonWriter.of(JsonFormat.canonicalCompact());
        // Integral doubles below 2^53 are integers; others the shortest round-trip text (Schubfach, on every JDK).
        String[][] cases = {{"10000.0", "10000"}, {"-3.0", "-3"}, {"-0.0", "0"}, {"9007199254740991.0",
            "9007199254740991"}, {"9007199254740992.0", "9.007199254740992E15"}, {"2.0E-3", "0.002"},
            {"0.30000000000000004", "0.30000000000000004"}, {"1.0E23", "1.0E23"}, {"2.0E23", "2.0E23"},
            {"4.9E-324", "4.9E-324"}, {"123.456", "123.456"}};
        for (String[] c : cases) {
            assertThat(compact.toText(Double.parseDouble(c[0]))).as(c[0]).isEqualTo(c[1]);
        }
        for (double d : new double[] {0.1, 1.0 / 3, Math.PI, 1.0E-7, 5.5E300, 2.0E-3}) {
            assertThat(Double.parseDouble(compact.toText(d))).isEqualTo(d);
        }
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            assertThatThrownBy(() -> compact.toBytes(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void canonicalLoneSurrogatesBecomeQuestionMarks() {
        // What String.getBytes(UTF_8) made of the legacy text.
        assertThat(JsonWriter.of(JsonFormat.canonicalCompact()).toText("a\ud800b\udc00c"))
                .isEqualTo("\"a?b?c\"");
    }

    @Test
    void omittedNullFieldsLeaveNoSeparatorBehind() {
        Schema schema = SchemaBuilder.record("R").fields().optionalString("a").optionalLong("b").optionalString("c")
                .endRecord();
        GenericData.Record r = new GenericData.Record(schema);
        r.put("b", 2L);
        JsonFormat omit = JsonFormat.canonicalCompact().omitNullFields(true);
        assertThat(JsonWriter.of(omit).toText(r)).isEqualTo("{\"b\":2}");
        assertThat(JsonWriter.of(JsonFormat.canonical().omitNullFields(true)).toText(new GenericData.Record(schema)))
                .isEqualTo("{}\n");
        assertThat(JsonWriter.of(JsonFormat.canonicalCompact()).toText(r)).isEqualTo("{\"a\":null,\"b\":2,\"c\":null}");
        // Map entries (and so JSON documents' nulls) are values: never left out.
        Map<String, Object> withNull = new LinkedHashMap<>();
        withNull.put("k", null);
        assertThat(JsonWriter.of(omit).toText(withNull)).isEqualTo("{\"k\":null}");
    }

    @Test
    void canonicalReproducesLegacyBytes() {
        List<JsonNode> nodes = legacyNodes();
        assertThat(nodes).hasSize(LEGACY.length);
        for (int i = 0; i < LEGACY.length; i++) {
            assertThat(JsonWriter.of(JsonFormat.canonical()).toBytes(nodes.get(i)))
                    .as("pretty #%d", i).isEqualTo(LEGACY[i][0].getBytes(StandardCharsets.UTF_8));
            assertThat(JsonWriter.of(JsonFormat.canonicalCompact()).toBytes(nodes.get(i)))
                    .as("compact #%d", i).isEqualTo(LEGACY[i][1].getBytes(StandardCharsets.UTF_8));
        }
    }
}
