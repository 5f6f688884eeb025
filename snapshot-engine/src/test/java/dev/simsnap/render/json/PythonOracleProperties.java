package dev.simsnap.render.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * Property tests with real Python as the oracle: random nested values are rendered by {@link JsonWriter} and by
 * CPython's {@code json.dumps} (one python3 process for the whole class, see {@link PythonJson}) with indent
 * None/2/4 and ensure_ascii True/False, and the bytes must be equal. Skipped when python3 is missing, unless CI=true.
 */
@AddLifecycleHook(PythonOracleProperties.NeedsPython.class)
class PythonOracleProperties {

    /** Skips the container when python3 is missing, except on CI (CI=true), where the tests then fail. */
    public static final class NeedsPython implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            return PythonJson.available() || PythonJson.required() ? SkipResult.doNotSkip()
                    : SkipResult.skip("python3 not found (with CI=true this fails instead)");
        }
    }

    private static PythonJson python;

    private static synchronized PythonJson python() throws IOException {
        if (python == null) {
            python = PythonJson.start();
        }
        return python;
    }

    @AfterContainer
    static synchronized void stopPython() throws IOException {
        if (python != null) {
            python.close();
            python = null;
        }
    }

    /** Renders {@code rendered} in every combo and compares with Python's bytes for {@code asPython}. */
    static void assertSameAsPython(PythonJson py, Object asPython, Object rendered) throws IOException {
        List<byte[]> expected = py.dumps(asPython);
        for (int i = 0; i < PythonJson.COMBOS.size(); i++) {
            PythonJson.Combo combo = PythonJson.COMBOS.get(i);
            JsonWriter writer = JsonWriter.of(combo.format());
            byte[] want = expected.get(i);
            byte[] got;
            try {
                got = writer.toBytes(rendered);
            } catch (IllegalArgumentException e) {
                assertThat(want).as("%s: Java refused (%s) where Python wrote", combo, e.getMessage()).isNull();
                continue;
            }
            assertThat(want).as("%s: Python raised where Java wrote %s", combo,
                    new String(got, StandardCharsets.UTF_8)).isNotNull();
            if (!Arrays.equals(got, want)) {
                StringBuilder input = new StringBuilder();
                PythonJson.literal(asPython, input);
                throw new AssertionError(combo + ": Java and Python differ\n" + firstDifference(got, want)
                        + "\nPython input: " + abbreviate(input.toString(), 2000));
            }
        }
    }

    /** Where the texts first differ, with some context, instead of two possibly huge texts. */
    static String firstDifference(byte[] java, byte[] python) {
        int at = Arrays.mismatch(java, python);
        int from = Math.max(0, at - 60);
        return "first difference at byte " + at + " (lengths " + java.length + " / " + python.length + ")\n  java:   "
                + context(java, from, at + 60) + "\n  python: " + context(python, from, at + 60);
    }

    private static String context(byte[] text, int from, int to) {
        return new String(text, from, Math.max(0, Math.min(text.length, to) - from), StandardCharsets.UTF_8);
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "... (" + s.length() + " chars)";
    }

    // ---- properties ----

    @Property(tries = 400)
    void javaValuesMatchPython(@ForAll("documents") Object value) throws IOException {
        assertSameAsPython(python(), value, value);
    }

    @Property(tries = 300)
    void jsonNodeTreesMatchPython(@ForAll("documents") Object value) throws IOException {
        assertSameAsPython(python(), value, toNode(value));
    }

    @Property(tries = 300)
    void avroRecordsMatchPython(@ForAll("records") GenericRecord record) throws IOException {
        assertSameAsPython(python(), record, record);
    }

    @Property(tries = 300)
    void doublesMatchPythonRepr(@ForAll("doubleLists") List<Double> values) throws IOException {
        assertSameAsPython(python(), values, values);
    }

    // ---- generators ----

    static final double[] SPECIAL_DOUBLES = {0.0, -0.0, 1e-7, 1e21, 0.1 + 0.2, 1e16, 9007199254740993.0,
        123456789012345678.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE,
        2 * Double.MIN_VALUE, Double.MIN_NORMAL, Math.nextDown(Double.MIN_NORMAL), Double.MAX_VALUE, 1e-4,
        Math.nextDown(1e-4), Math.nextUp(1e-4), 1e-5, Math.nextDown(1e16), 9999999999999998.0, 1e22, 1e23,
        9007199254740992.0, 9.223372036854776e18, 0.5, 10000.0, 1.5e16, -1.5e-16, 1e15, 123456.789, -5e-324,
        1.7976931348623157e308, 4.35, 0.1, 100.0, 1e100, 1e-100, 2.5e-323};

    static Arbitrary<Double> doubles() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.longs().map(Double::longBitsToDouble)),
                Tuple.of(2, Arbitraries.of(Arrays.stream(SPECIAL_DOUBLES).boxed().toList())),
                Tuple.of(2, Arbitraries.longs().between(-0x000FFFFFFFFFFFFFL, 0x000FFFFFFFFFFFFFL)
                        .map(Double::longBitsToDouble)), // subnormals
                Tuple.of(2, Arbitraries.doubles().between(-1e6, 1e6).ofScale(3)),
                Tuple.of(2, Combinators.combine(Arbitraries.integers().between(-1, 99999),
                        Arbitraries.integers().between(-25, 25)).as((m, e) -> m * Math.pow(10, e))),
                Tuple.of(1, Arbitraries.longs().map(l -> (double) l)));
    }

    static Arbitrary<Object> integers() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().map(i -> (Object) i)),
                Tuple.of(3, Arbitraries.longs().map(l -> (Object) l)),
                Tuple.of(1, Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30))
                        .map(b -> (Object) b)));
    }

    static Arbitrary<String> strings() {
        Arbitrary<Character> chars = Arbitraries.frequencyOf(
                Tuple.of(10, Arbitraries.chars().range(' ', '~')),
                Tuple.of(2, Arbitraries.chars().range('\u0000', '\u001f')),
                Tuple.of(2, Arbitraries.of('"', '\\', '\u007f', '\u0080', '\u2028', '\u00e9', '\u00ff', '\u0100',
                        '\u07ff', '\u0800', '\uffff', '\ufeff', '/')),
                Tuple.of(2, Arbitraries.chars().range('\u0080', '\ud7ff')),
                Tuple.of(1, Arbitraries.chars().range('\ue000', '\ufffd')));
        Arbitrary<String> bmp = chars.list().ofMaxSize(10).map(PythonOracleProperties::join);
        Arbitrary<String> astral = Arbitraries.integers().between(0x10000, 0x10FFFF)
                .map(cp -> new String(Character.toChars(cp)));
        Arbitrary<String> lone = Arbitraries.chars().range('\ud800', '\udfff').map(String::valueOf);
        return Arbitraries.frequencyOf(Tuple.of(12, bmp), Tuple.of(3, astral), Tuple.of(1, lone))
                .list().ofMaxSize(4).map(parts -> String.join("", parts));
    }

    private static String join(List<Character> chars) {
        StringBuilder b = new StringBuilder(chars.size());
        chars.forEach(b::append);
        return b.toString();
    }

    static Arbitrary<Object> value(int depth) {
        Arbitrary<Object> leaf = Arbitraries.frequencyOf(
                Tuple.of(3, strings().map(s -> (Object) s)),
                Tuple.of(4, doubles().map(d -> (Object) d)),
                Tuple.of(3, integers()),
                Tuple.of(1, Arbitraries.of(true, false).map(b -> (Object) b)),
                Tuple.of(1, Arbitraries.just((Object) null)));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<Object> inner = Arbitraries.lazy(() -> value(depth - 1));
        Arbitrary<Object> list = inner.list().ofMaxSize(5).map(l -> (Object) new ArrayList<>(l));
        Arbitrary<Object> dict = Arbitraries.maps(strings(), inner).ofMaxSize(5)
                .map(m -> (Object) new LinkedHashMap<>(m));
        return Arbitraries.frequencyOf(Tuple.of(4, leaf), Tuple.of(1, list), Tuple.of(1, dict));
    }

    @Provide
    Arbitrary<Object> documents() {
        Arbitrary<Object> inner = value(3);
        return Arbitraries.frequencyOf(
                Tuple.of(1, inner),
                Tuple.of(2, inner.list().ofMaxSize(8).map(l -> (Object) new ArrayList<>(l))),
                Tuple.of(3, Arbitraries.maps(strings(), inner).ofMaxSize(8).map(m -> (Object) new LinkedHashMap<>(m))));
    }

    @Provide
    Arbitrary<List<Double>> doubleLists() {
        return doubles().list().ofMinSize(1).ofMaxSize(60);
    }

    // ---- Jackson trees ----

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static JsonNode toNode(Object value) {
        if (value == null) {
            return NODES.nullNode();
        } else if (value instanceof String s) {
            return NODES.textNode(s);
        } else if (value instanceof Double d) {
            return NODES.numberNode(d);
        } else if (value instanceof Integer i) {
            return NODES.numberNode(i);
        } else if (value instanceof Long l) {
            return NODES.numberNode(l);
        } else if (value instanceof BigInteger b) {
            return NODES.numberNode(b);
        } else if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        } else if (value instanceof Map<?, ?> map) {
            ObjectNode o = NODES.objectNode();
            map.forEach((k, v) -> o.set(k.toString(), toNode(v)));
            return o;
        } else if (value instanceof List<?> list) {
            ArrayNode a = NODES.arrayNode();
            list.forEach(item -> a.add(toNode(item)));
            return a;
        }
        throw new IllegalArgumentException(value.getClass().getName());
    }

    // ---- Avro records ----

    static final Schema TOP = new Schema.Parser().parse("""
            {"type": "record", "name": "Top", "namespace": "t", "fields": [
              {"name": "id", "type": "long"},
              {"name": "name", "type": "string"},
              {"name": "score", "type": "double"},
              {"name": "ratio", "type": "float"},
              {"name": "flag", "type": "boolean"},
              {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B", "C_3"]}},
              {"name": "tags", "type": {"type": "array", "items": "string"}},
              {"name": "attrs", "type": {"type": "map", "values": "double"}},
              {"name": "maybe", "type": ["null", "string", "double", "int",
                {"type": "record", "name": "Inner", "fields": [
                  {"name": "x", "type": "int"},
                  {"name": "y", "type": ["null", "long"]},
                  {"name": "label", "type": "string"}]}]},
              {"name": "inner", "type": "Inner"},
              {"name": "matrix", "type": {"type": "array", "items": {"type": "array", "items": "double"}}},
              {"name": "nested", "type": {"type": "map", "values":
                {"type": "array", "items": ["null", "int", "string", "float"]}}},
              {"name": "empty", "type": {"type": "record", "name": "Empty", "fields": []}},
              {"name": "ünïcode_field", "type": ["null", "boolean"]}
            ]}""");

    private static final Schema INNER = TOP.getField("inner").schema();

    private static Arbitrary<Object> o(Arbitrary<?> a) {
        return a.map(v -> (Object) v);
    }

    @Provide
    Arbitrary<GenericRecord> records() {
        Arbitrary<GenericRecord> inner = Combinators.combine(Arbitraries.integers(),
                Arbitraries.longs().injectNull(0.3), strings()).as((x, y, label) -> {
                    GenericRecord r = new GenericData.Record(INNER);
                    r.put("x", x);
                    r.put("y", y);
                    r.put("label", label);
                    return r;
                });
        Schema kind = TOP.getField("kind").schema();
        List<Arbitrary<Object>> fields = List.of(
                o(Arbitraries.longs()),
                o(strings()),
                o(doubles()),
                o(doubles().map(Double::floatValue)),
                o(Arbitraries.of(true, false)),
                o(Arbitraries.of("A", "B", "C_3").map(s -> new GenericData.EnumSymbol(kind, s))),
                o(strings().list().ofMaxSize(4)),
                o(Arbitraries.maps(strings(), doubles()).ofMaxSize(5).map(LinkedHashMap::new)),
                Arbitraries.oneOf(Arbitraries.just(null), o(strings()), o(doubles()), o(Arbitraries.integers()),
                        o(inner)),
                o(inner),
                o(doubles().list().ofMaxSize(3).list().ofMaxSize(3)),
                o(Arbitraries.maps(strings(), Arbitraries.oneOf(Arbitraries.just(null), o(Arbitraries.integers()),
                        o(strings()), o(doubles().map(Double::floatValue))).list().ofMaxSize(3))
                        .ofMaxSize(3).map(LinkedHashMap::new)),
                o(Arbitraries.create(() -> new GenericData.Record(TOP.getField("empty").schema()))),
                Arbitraries.oneOf(Arbitraries.just(null), o(Arbitraries.of(true, false))));
        return Combinators.combine(fields).as(values -> {
            GenericRecord r = new GenericData.Record(TOP);
            for (int i = 0; i < values.size(); i++) {
                r.put(i, values.get(i));
            }
            return roundTrip(r);
        });
    }

    /** Encodes and decodes {@code record}, so the values are what Avro's reader gives: Utf8, arrays, ordered maps. */
    static GenericRecord roundTrip(GenericRecord record) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
            new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
            encoder.flush();
            return new OrderedGenericDatumReader<GenericRecord>(record.getSchema())
                    .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
