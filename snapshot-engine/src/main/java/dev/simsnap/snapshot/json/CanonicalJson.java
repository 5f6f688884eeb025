package dev.simsnap.snapshot.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.io.NumberOutput;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * The one JSON text form simsnap writes, so equal states give equal bytes on every JVM.
 *
 * <ul>
 *   <li>Object keys in the node's own order (callers build typed entities in Avro field order and sort document
 *       keys); nothing is reordered here.</li>
 *   <li>{@link #pretty}: 2-space indentation, {@code "key": value}, one array item per line, {@code []} and
 *       {@code {}} for empty containers, {@code "\n"} line ends and a trailing newline (Python's
 *       {@code json.dump(indent=2)} layout). {@link #compact}: no whitespace at all.</li>
 *   <li>A floating-point number that is integral with {@code |x| < 2^53} is written as an integer ({@code 10000.0}
 *       becomes {@code 10000}, so the seed's {@code "cash": 10000} round-trips); any other double is written as its
 *       shortest round-trip decimal using Jackson's Schubfach implementation, which does not depend on the JDK's
 *       {@code Double.toString} (not shortest before JDK 19). NaN and infinities are rejected.</li>
 *   <li>Strings are escaped as JSON requires (control characters, quote, backslash); other characters are written
 *       as UTF-8, unescaped.</li>
 * </ul>
 */
public final class CanonicalJson {

    private static final double TWO_POW_53 = 9007199254740992.0;

    /** Reads JSON for documents: rejects NaN/Infinity and duplicate keys, keeps floats as doubles. */
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .disable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private CanonicalJson() {
    }

    /** A new empty object node. */
    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** Parses JSON text; throws {@link IllegalArgumentException} on malformed input. */
    public static JsonNode parse(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new IllegalArgumentException("empty JSON text");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getMessage(), e);
        }
    }

    /** Parses JSON text that must be an object. */
    public static ObjectNode parseObject(String text) {
        JsonNode node = parse(text);
        if (!node.isObject()) {
            throw new IllegalArgumentException("JSON is not an object");
        }
        return (ObjectNode) node;
    }

    /** Pretty form with trailing newline; see the class comment. */
    public static String pretty(JsonNode node) {
        StringBuilder out = new StringBuilder(256);
        write(node, out, 0, true);
        return out.append('\n').toString();
    }

    /** Compact form (no whitespace, no trailing newline); see the class comment. */
    public static String compact(JsonNode node) {
        StringBuilder out = new StringBuilder(128);
        write(node, out, 0, false);
        return out.toString();
    }

    /** Throws {@link IllegalArgumentException} for NaN and infinities, which JSON cannot hold. */
    public static void requireFinite(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("JSON cannot hold " + value);
        }
    }

    /** The canonical text of one double; throws {@link IllegalArgumentException} for NaN and infinities. */
    public static String number(double value) {
        requireFinite(value);
        if (value == Math.rint(value) && Math.abs(value) < TWO_POW_53) {
            // -0.0 is integral too and becomes 0: JSON consumers do not distinguish it.
            return Long.toString((long) value);
        }
        return NumberOutput.toString(value, true);
    }

    /** Returns a deep copy of {@code node} whose object keys are sorted (recursively), for documents. */
    public static JsonNode sortedKeys(JsonNode node) {
        if (node.isObject()) {
            ObjectNode sorted = object();
            java.util.TreeMap<String, JsonNode> fields = new java.util.TreeMap<>();
            node.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue()));
            fields.forEach((k, v) -> sorted.set(k, sortedKeys(v)));
            return sorted;
        }
        if (node.isArray()) {
            com.fasterxml.jackson.databind.node.ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(item -> copy.add(sortedKeys(item)));
            return copy;
        }
        return node;
    }

    private static void write(JsonNode node, StringBuilder out, int depth, boolean pretty) {
        switch (node.getNodeType()) {
            case OBJECT -> writeObject(node, out, depth, pretty);
            case ARRAY -> writeArray(node, out, depth, pretty);
            case STRING -> writeString(node.textValue(), out);
            case BOOLEAN -> out.append(node.booleanValue());
            case NULL -> out.append("null");
            case NUMBER -> writeNumber(node, out);
            default -> throw new IllegalArgumentException("not writable as JSON: " + node.getNodeType());
        }
    }

    private static void writeNumber(JsonNode node, StringBuilder out) {
        if (node.isFloatingPointNumber()) {
            out.append(number(node.doubleValue()));
        } else if (node.isInt() || node.isLong() || node.isShort()) {
            out.append(node.longValue());
        } else {
            out.append(node.bigIntegerValue().toString());
        }
    }

    private static void writeObject(JsonNode node, StringBuilder out, int depth, boolean pretty) {
        if (node.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        boolean first = true;
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!first) {
                out.append(',');
            }
            first = false;
            newline(out, depth + 1, pretty);
            writeString(field.getKey(), out);
            out.append(pretty ? ": " : ":");
            write(field.getValue(), out, depth + 1, pretty);
        }
        newline(out, depth, pretty);
        out.append('}');
    }

    private static void writeArray(JsonNode node, StringBuilder out, int depth, boolean pretty) {
        if (node.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            newline(out, depth + 1, pretty);
            write(node.get(i), out, depth + 1, pretty);
        }
        newline(out, depth, pretty);
        out.append(']');
    }

    private static void newline(StringBuilder out, int depth, boolean pretty) {
        if (pretty) {
            out.append('\n');
            out.append("  ".repeat(depth));
        }
    }

    private static void writeString(String value, StringBuilder out) {
        appendString(value, out);
    }

    /** Appends {@code value} as a JSON string literal (quoted and escaped exactly as {@link #compact} does). */
    public static void appendString(String value, StringBuilder out) {
        out.append('"');
        if (needsEscape(value)) {
            JsonStringEncoder.getInstance().quoteAsString(value, out);
        } else {
            out.append(value); // the common case (ids, names, map keys): nothing to escape
        }
        out.append('"');
    }

    /** True when JSON requires escaping some character of {@code value}: a control character, quote or backslash. */
    private static boolean needsEscape(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                return true;
            }
        }
        return false;
    }

    /** Rejects a JSON tree holding NaN or infinite doubles (documents parsed elsewhere may carry them). */
    public static void requireFinite(JsonNode node) {
        if (node.isFloatingPointNumber()) {
            number(node.doubleValue());
        } else if (node.isContainerNode()) {
            node.forEach(CanonicalJson::requireFinite);
        }
    }

}
