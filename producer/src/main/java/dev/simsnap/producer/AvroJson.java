package dev.simsnap.producer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Converts plain JSON (as the seed files and the gateway write it: {@code {"cash": 10.5}}, not Avro's JSON
 * encoding with union wrappers) into generated Avro records, strictly.
 *
 * <p>Rules: an object key the record does not declare is rejected; a missing field takes its schema default,
 * and is rejected when it has none; {@code null} is accepted only by nullable fields; integers must be integral and
 * in range; doubles accept any JSON number; strings must be JSON strings (a number is not silently turned into
 * text). Errors are {@link IllegalArgumentException}s naming the field by its path, e.g. {@code 'payload.cash'}.
 */
public final class AvroJson {

    private AvroJson() {
    }

    /**
     * Converts {@code node} to an instance of the generated class of {@code schema}.
     *
     * @param path the name used for {@code node} in error messages, e.g. {@code payload} or {@code persona.json[3]}
     */
    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecord> T toRecord(JsonNode node, Schema schema, String path) {
        return (T) convert(node, schema, path);
    }

    private static Object convert(JsonNode node, Schema schema, String path) {
        switch (schema.getType()) {
            case RECORD:
                return record(node, schema, path);
            case UNION:
                return union(node, schema, path);
            case NULL:
                if (node == null || node.isNull()) {
                    return null;
                }
                throw mismatch(path, "null", node);
            case STRING:
                if (node.isTextual()) {
                    return node.textValue();
                }
                throw mismatch(path, "a string", node);
            case INT:
                if (node.isIntegralNumber() && node.canConvertToInt()) {
                    return node.intValue();
                }
                throw mismatch(path, "an integer (32-bit)", node);
            case LONG:
                if (node.isIntegralNumber() && node.canConvertToLong()) {
                    return node.longValue();
                }
                throw mismatch(path, "an integer (64-bit)", node);
            case DOUBLE:
            case FLOAT:
                if (node.isNumber()) {
                    double value = node.doubleValue();
                    if (!Double.isFinite(value)) {
                        throw mismatch(path, "a finite number", node);
                    }
                    return schema.getType() == Schema.Type.FLOAT ? (Object) (float) value : (Object) value;
                }
                throw mismatch(path, "a number", node);
            case BOOLEAN:
                if (node.isBoolean()) {
                    return node.booleanValue();
                }
                throw mismatch(path, "true or false", node);
            case ARRAY:
                if (!node.isArray()) {
                    throw mismatch(path, "an array", node);
                }
                List<Object> items = new ArrayList<>(node.size());
                for (int i = 0; i < node.size(); i++) {
                    items.add(convert(node.get(i), schema.getElementType(), path + "[" + i + "]"));
                }
                return items;
            case MAP:
                if (!node.isObject()) {
                    throw mismatch(path, "an object", node);
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = it.next();
                    map.put(entry.getKey(), convert(entry.getValue(), schema.getValueType(),
                            path + "." + entry.getKey()));
                }
                return map;
            case ENUM:
                if (node.isTextual() && schema.getEnumSymbols().contains(node.textValue())) {
                    return SpecificData.get().createEnum(node.textValue(), schema);
                }
                throw mismatch(path, "one of " + schema.getEnumSymbols(), node);
            default:
                throw new IllegalArgumentException("field '" + path + "': Avro type " + schema.getType()
                        + " is not supported from JSON");
        }
    }

    private static Object record(JsonNode node, Schema schema, String path) {
        if (node == null || !node.isObject()) {
            throw mismatch(path, "an object (" + schema.getName() + ")", node);
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (schema.getField(name) == null) {
                throw new IllegalArgumentException("field '" + join(path, name) + "': " + schema.getName()
                        + " has no such field");
            }
        }
        SpecificRecord record = (SpecificRecord) SpecificData.get().newRecord(null, schema);
        for (Schema.Field field : schema.getFields()) {
            JsonNode value = node.get(field.name());
            if (value == null) {
                if (!field.hasDefaultValue()) {
                    throw new IllegalArgumentException("field '" + join(path, field.name()) + "' is missing");
                }
                record.put(field.pos(), SpecificData.get().getDefaultValue(field));
            } else {
                record.put(field.pos(), convert(value, field.schema(), join(path, field.name())));
            }
        }
        return record;
    }

    private static Object union(JsonNode node, Schema schema, String path) {
        boolean nullable = schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL);
        if (node == null || node.isNull()) {
            if (nullable) {
                return null;
            }
            throw mismatch(path, "a value", node);
        }
        IllegalArgumentException first = null;
        for (Schema branch : schema.getTypes()) {
            if (branch.getType() == Schema.Type.NULL) {
                continue;
            }
            try {
                return convert(node, branch, path);
            } catch (IllegalArgumentException e) {
                first = first == null ? e : first;
            }
        }
        throw first;
    }

    private static String join(String path, String name) {
        return path == null || path.isEmpty() ? name : path + "." + name;
    }

    private static IllegalArgumentException mismatch(String path, String expected, JsonNode node) {
        String got = node == null ? "nothing" : node.isNull() ? "null" : node.getNodeType().name().toLowerCase()
                + (node.isValueNode() ? " " + abbreviate(node.toString()) : "");
        return new IllegalArgumentException("field '" + path + "': expected " + expected + ", got " + got);
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
}
