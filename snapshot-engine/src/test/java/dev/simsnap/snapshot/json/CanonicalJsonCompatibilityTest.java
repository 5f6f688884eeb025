package dev.simsnap.snapshot.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.render.json.JsonFormat;
import dev.simsnap.render.json.JsonWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The snapshot engine's {@link JsonWriter} with {@link JsonFormat#canonical()} / {@link JsonFormat#canonicalCompact()}
 * writes exactly the bytes of {@link CanonicalJson#pretty} / {@link CanonicalJson#compact} (as UTF-8, the way
 * SnapshotWriter stores them), for fixed awkward trees and random ones.
 */
class CanonicalJsonCompatibilityTest {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final JsonWriter PRETTY = JsonWriter.of(JsonFormat.canonical());
    private static final JsonWriter COMPACT = JsonWriter.of(JsonFormat.canonicalCompact());

    private static void assertSameBytes(JsonNode node) {
        assertThat(PRETTY.toBytes(node)).as("pretty %s", node)
                .isEqualTo(CanonicalJson.pretty(node).getBytes(StandardCharsets.UTF_8));
        assertThat(COMPACT.toBytes(node)).as("compact %s", node)
                .isEqualTo(CanonicalJson.compact(node).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void awkwardValues() {
        ObjectNode o = F.objectNode();
        double[] doubles = {0.0, -0.0, 1e-7, 1e21, 0.1 + 0.2, 1e16, 9007199254740991.0, 9007199254740992.0,
            9007199254740994.0, -9007199254740991.0, 123456789012345678.0, Double.MIN_VALUE, Double.MAX_VALUE, 1e23,
            10000.0, 0.5, -1234.5, 1e-4, 1e7, 1e-3, 123456789.125};
        ArrayNode numbers = o.putArray("numbers");
        for (double d : doubles) {
            numbers.add(d);
            numbers.add(-d);
        }
        numbers.add(0.1f).add(Float.MIN_VALUE).add(16777217f).add(Long.MIN_VALUE).add(Long.MAX_VALUE)
                .add(Integer.MIN_VALUE).add((short) 7).add(new BigInteger("-123456789012345678901234567890"))
                .add(new BigDecimal("2.5")).add(new BigDecimal("0.1000000000000000000001"));
        o.put("controls", "\u0000\u0001\b\t\n\u000b\f\r\u000e\u001f \u007f\"\\/");
        o.put("unicode", "é ü 中 \u2028 \ufeff \uffff 😀 𝄞");
        o.put("lone surrogates", "a\ud800b\udc00c\udbff");
        o.put("ключ \n", "v");
        o.set("empty_obj", F.objectNode());
        o.set("empty_arr", F.arrayNode());
        o.putArray("nested").addArray().addObject().putArray("x").add(F.nullNode()).add(true).add(false);
        assertSameBytes(o);
        for (JsonNode scalar : new JsonNode[] {F.textNode(""), F.numberNode(1.5e-5), F.nullNode(), F.booleanNode(true),
            F.arrayNode(), F.objectNode()}) {
            assertSameBytes(scalar);
        }
    }

    @Test
    void nanAndInfinityAreRejectedByBoth() {
        for (JsonNode number : new JsonNode[] {F.numberNode(Double.NaN), F.numberNode(Double.POSITIVE_INFINITY),
            F.numberNode(Double.NEGATIVE_INFINITY), F.numberNode(Float.NaN), F.numberNode(new BigDecimal("1E+400"))}) {
            JsonNode node = F.arrayNode().add(number);
            assertThatThrownBy(() -> CanonicalJson.pretty(node)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> PRETTY.toBytes(node)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> COMPACT.toBytes(node)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void randomTrees() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 3000; i++) {
            assertSameBytes(tree(random, 4));
        }
    }

    private static JsonNode tree(SplittableRandom r, int depth) {
        int kind = r.nextInt(depth == 0 ? 8 : 10);
        switch (kind) {
            case 0: return F.textNode(string(r));
            case 1: return F.numberNode(Double.longBitsToDouble(r.nextLong())).isNaN() ? F.nullNode()
                    : F.numberNode(finite(Double.longBitsToDouble(r.nextLong())));
            case 2: return F.numberNode(r.nextInt(-99999, 99999) * Math.pow(10, r.nextInt(-20, 25)));
            case 3: return F.numberNode(r.nextLong());
            case 4: return F.numberNode((double) r.nextLong(-(1L << 54), 1L << 54));
            case 5: return F.numberNode(finite(Float.intBitsToFloat(r.nextInt())));
            case 6: return r.nextBoolean() ? F.booleanNode(r.nextBoolean()) : F.nullNode();
            case 7: return F.numberNode(new BigInteger(100, new java.util.Random(r.nextLong())));
            case 8: {
                ArrayNode a = F.arrayNode();
                for (int n = r.nextInt(5); n > 0; n--) {
                    a.add(tree(r, depth - 1));
                }
                return a;
            }
            default: {
                ObjectNode o = F.objectNode();
                for (int n = r.nextInt(5); n > 0; n--) {
                    o.set(string(r), tree(r, depth - 1));
                }
                return o;
            }
        }
    }

    private static double finite(double d) {
        return Double.isNaN(d) || Double.isInfinite(d) ? 0.25 : d;
    }

    private static float finite(float f) {
        return Float.isNaN(f) || Float.isInfinite(f) ? 0.25f : f;
    }

    private static String string(SplittableRandom r) {
        StringBuilder b = new StringBuilder();
        for (int n = r.nextInt(8); n > 0; n--) {
            switch (r.nextInt(6)) {
                case 0 -> b.append((char) r.nextInt(0x20));
                case 1 -> b.append((char) r.nextInt(0x80, 0xD800));
                case 2 -> b.appendCodePoint(r.nextInt(0x10000, 0x110000));
                case 3 -> b.append((char) r.nextInt(0xD800, 0xE000)); // lone surrogate (or a pair, by chance)
                case 4 -> b.append("\"\\\u007f".charAt(r.nextInt(3)));
                default -> b.append((char) r.nextInt(0x20, 0x7F));
            }
        }
        return b.toString();
    }
}
