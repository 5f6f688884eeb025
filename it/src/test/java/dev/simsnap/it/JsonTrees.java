package dev.simsnap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * JSON for the end-to-end assertions: an independent Avro-record-to-JSON rendering (schema field order, null fields
 * left out, as the seed layout has them) and a tree comparison that is numeric for numbers (10000 equals 10000.0),
 * ordered for lists and for object keys, and unordered only for the fields that are Avro maps (Avro maps carry no
 * order, so the service may impose its own).
 */
final class JsonTrees {

    /** Field names whose values are Avro maps in the contracts: compared as maps, key order ignored. */
    static final Set<String> MAP_FIELDS = Set.of("inventories", "dividends", "stock_proportion", "personality_traits");

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTrees() {
    }

    static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    static JsonNode read(byte[] bytes) {
        try {
            return MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An Avro value as JSON: records in schema field order without null fields, maps as objects. */
    static JsonNode of(Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof IndexedRecord record) {
            ObjectNode out = NODES.objectNode();
            for (Schema.Field f : record.getSchema().getFields()) {
                Object v = record.get(f.pos());
                if (v != null) {
                    out.set(f.name(), of(v));
                }
            }
            return out;
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode out = NODES.objectNode();
            map.forEach((k, v) -> out.set(k.toString(), of(v)));
            return out;
        }
        if (value instanceof Collection<?> items) {
            ArrayNode out = NODES.arrayNode();
            items.forEach(i -> out.add(of(i)));
            return out;
        }
        if (value instanceof CharSequence || value instanceof Enum<?>) {
            return NODES.textNode(value.toString());
        }
        if (value instanceof Double d) {
            return NODES.numberNode(d);
        }
        if (value instanceof Float f) {
            return NODES.numberNode(f.doubleValue());
        }
        if (value instanceof Integer i) {
            return NODES.numberNode(i);
        }
        if (value instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        throw new IllegalArgumentException("unexpected Avro value " + value.getClass());
    }

    /** Only {@code fields} of {@code object}, in that order, leaving out absent ones. */
    static ObjectNode project(JsonNode object, List<String> fields) {
        ObjectNode out = NODES.objectNode();
        for (String f : fields) {
            JsonNode v = object.get(f);
            if (v != null && !v.isNull()) {
                out.set(f, v);
            }
        }
        return out;
    }

    static ArrayNode array(Collection<? extends JsonNode> items) {
        ArrayNode out = NODES.arrayNode();
        items.forEach(out::add);
        return out;
    }

    /** Asserts {@code actual} equals {@code expected} as described in the class comment. */
    static void assertSame(JsonNode expected, JsonNode actual, String where) {
        compare(expected, actual, where, false);
    }

    private static void compare(JsonNode expected, JsonNode actual, String where, boolean asMap) {
        if (expected.isNumber() && actual.isNumber()) {
            boolean equal = expected.isIntegralNumber() && actual.isIntegralNumber()
                    ? expected.bigIntegerValue().equals(actual.bigIntegerValue())
                    : Double.compare(expected.doubleValue(), actual.doubleValue()) == 0;
            if (!equal) {
                fail(where + ": expected " + expected + " but was " + actual);
            }
            return;
        }
        if (expected.getNodeType() != actual.getNodeType()) {
            fail(where + ": expected " + expected.getNodeType() + " " + expected + " but was " + actual.getNodeType()
                    + " " + actual);
        }
        if (expected.isObject()) {
            List<String> expectedKeys = new ArrayList<>();
            expected.fieldNames().forEachRemaining(expectedKeys::add);
            List<String> actualKeys = new ArrayList<>();
            actual.fieldNames().forEachRemaining(actualKeys::add);
            if (asMap) {
                assertEquals(new TreeSet<>(expectedKeys), new TreeSet<>(actualKeys), where + ": map keys");
            } else {
                assertEquals(expectedKeys, actualKeys, where + ": keys (in order)");
            }
            for (String k : expectedKeys) {
                compare(expected.get(k), actual.get(k), where + "." + k, MAP_FIELDS.contains(k));
            }
        } else if (expected.isArray()) {
            assertEquals(expected.size(), actual.size(), where + ": list size (" + actual + ")");
            for (int i = 0; i < expected.size(); i++) {
                compare(expected.get(i), actual.get(i), where + "[" + i + "]", false);
            }
        } else {
            assertEquals(expected, actual, where);
        }
    }

    /** Relative paths ({@code /}-separated) of the regular files under {@code dir}, sorted. */
    static Set<String> files(Path dir) throws IOException {
        Set<String> out = new TreeSet<>();
        try (var walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile)
                    .forEach(p -> out.add(dir.relativize(p).toString().replace('\\', '/')));
        }
        return out;
    }
}
