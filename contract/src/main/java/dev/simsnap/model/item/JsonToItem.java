package dev.simsnap.model.item;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Plain JSON to Avro generic values for a schema (what a Python worker sends: its objects' {@code __dict__} or
 * {@code model_dump()}, not Avro's JSON encoding).
 *
 * <ul>
 *   <li>records by field name: an unknown key is refused naming its path; a missing field takes its default, or is
 *       refused when it has none;</li>
 *   <li>unions by the JSON type: null → null; boolean → boolean; an integral number → long, then int, then double,
 *       then float; a fractional number → double, then float; string → string, then enum, then bytes; array →
 *       array; object → the one map or record branch that takes it (a record whose fields accept all its keys
 *       before a map);</li>
 *   <li>the JSON value record {@code simsnap.json.Value} ({@code {"v": null|boolean|long|double|string|
 *       array<Value>|map<Value>}}) takes any JSON: an integral number stays a long, a fractional one a double, so
 *       Python's ints and floats survive;</li>
 *   <li>bytes and fixed from a string, one byte per char (Avro's JSON rule).</li>
 * </ul>
 * Errors are {@link Invalid} ({@link IllegalArgumentException}) with the JSON path of the offending value and the
 * message {@code field '<path>': ...}.
 */
public final class JsonToItem {

    /** The free-form JSON value record's full name. */
    public static final String JSON_VALUE = "simsnap.json.Value";

    /** A JSON value that does not fit the schema at {@link #path()}. */
    public static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String path;

        Invalid(String path, String message) {
            super("field '" + path + "': " + message);
            this.path = path;
        }

        /** The JSON path of the offending value. */
        public String path() {
            return path;
        }
    }

    private JsonToItem() {
    }

    /** {@code json} as a record of {@code schema} (a record, or a union of records chosen as above). */
    public static GenericRecord record(JsonNode json, Schema schema, String path) {
        Object value = convert(json, schema, path);
        if (!(value instanceof GenericRecord)) {
            throw new Invalid(path, "expected an object for " + schema.getFullName());
        }
        return (GenericRecord) value;
    }

    /** {@code json} as a generic value of {@code schema}. */
    public static Object convert(JsonNode json, Schema schema, String path) {
        if (json == null || json.isMissingNode()) {
            json = com.fasterxml.jackson.databind.node.NullNode.getInstance();
        }
        switch (schema.getType()) {
            case NULL:
                if (!json.isNull()) {
                    throw mismatch(path, json, schema);
                }
                return null;
            case BOOLEAN:
                if (!json.isBoolean()) {
                    throw mismatch(path, json, schema);
                }
                return json.booleanValue();
            case INT:
                if (!json.isIntegralNumber() || !json.canConvertToInt()) {
                    throw mismatch(path, json, schema);
                }
                return json.intValue();
            case LONG:
                if (!json.isIntegralNumber() || !json.canConvertToLong()) {
                    throw mismatch(path, json, schema);
                }
                return json.longValue();
            case FLOAT:
                if (!json.isNumber()) {
                    throw mismatch(path, json, schema);
                }
                return json.floatValue();
            case DOUBLE:
                if (!json.isNumber()) {
                    throw mismatch(path, json, schema);
                }
                return json.doubleValue();
            case STRING:
                if (!json.isTextual()) {
                    throw mismatch(path, json, schema);
                }
                return json.textValue();
            case BYTES:
                if (!json.isTextual()) {
                    throw mismatch(path, json, schema);
                }
                return ByteBuffer.wrap(json.textValue().getBytes(StandardCharsets.ISO_8859_1));
            case FIXED: {
                if (!json.isTextual()) {
                    throw mismatch(path, json, schema);
                }
                byte[] b = json.textValue().getBytes(StandardCharsets.ISO_8859_1);
                if (b.length != schema.getFixedSize()) {
                    throw new Invalid(path, "expected " + schema.getFixedSize() + " bytes, got " + b.length);
                }
                return new GenericData.Fixed(schema, b);
            }
            case ENUM:
                if (!json.isTextual() || !schema.hasEnumSymbol(json.textValue())) {
                    throw new Invalid(path, "expected one of " + schema.getEnumSymbols() + ", got " + brief(json));
                }
                return new GenericData.EnumSymbol(schema, json.textValue());
            case ARRAY: {
                if (!json.isArray()) {
                    throw mismatch(path, json, schema);
                }
                List<Object> out = new GenericData.Array<>(json.size(), schema);
                for (int i = 0; i < json.size(); i++) {
                    out.add(convert(json.get(i), schema.getElementType(), path + "[" + i + "]"));
                }
                return out;
            }
            case MAP: {
                if (!json.isObject()) {
                    throw mismatch(path, json, schema);
                }
                Map<String, Object> out = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    out.put(e.getKey(), convert(e.getValue(), schema.getValueType(), path + "." + e.getKey()));
                }
                return out;
            }
            case RECORD:
                if (isJsonValue(schema)) {
                    return jsonValue(json, schema, path);
                }
                return toRecord(json, schema, path);
            case UNION:
                return union(json, schema, path);
            default:
                throw new Invalid(path, "unsupported schema type " + schema.getType());
        }
    }

    private static boolean isJsonValue(Schema schema) {
        return schema.getFullName().equals(JSON_VALUE) && schema.getFields().size() == 1
                && schema.getField("v") != null;
    }

    private static GenericRecord toRecord(JsonNode json, Schema schema, String path) {
        if (!json.isObject()) {
            throw mismatch(path, json, schema);
        }
        GenericRecord record = new GenericData.Record(schema);
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (schema.getField(name) == null) {
                throw new Invalid(child(path, name), "unknown field of " + schema.getFullName() + " (fields: "
                        + fieldNames(schema) + ")");
            }
        }
        for (Schema.Field f : schema.getFields()) {
            JsonNode v = json.get(f.name());
            if (v == null) {
                if (!f.hasDefaultValue()) {
                    throw new Invalid(child(path, f.name()), "is missing (required by " + schema.getFullName()
                            + ", no default)");
                }
                record.put(f.pos(), GenericData.get().deepCopy(f.schema(), GenericData.get().getDefaultValue(f)));
            } else {
                record.put(f.pos(), convert(v, f.schema(), child(path, f.name())));
            }
        }
        return record;
    }

    private static Object jsonValue(JsonNode json, Schema schema, String path) {
        Schema union = schema.getField("v").schema();
        GenericRecord record = new GenericData.Record(schema);
        Object v;
        if (json.isNull()) {
            v = null;
        } else if (json.isBoolean()) {
            v = json.booleanValue();
        } else if (json.isIntegralNumber()) {
            if (!json.canConvertToLong()) {
                throw new Invalid(path, "integer " + json + " does not fit a long");
            }
            v = json.longValue();
        } else if (json.isNumber()) {
            v = json.doubleValue();
        } else if (json.isTextual()) {
            v = json.textValue();
        } else if (json.isArray()) {
            List<Object> items = new GenericData.Array<>(json.size(), branch(union, Schema.Type.ARRAY));
            for (int i = 0; i < json.size(); i++) {
                items.add(jsonValue(json.get(i), schema, path + "[" + i + "]"));
            }
            v = items;
        } else if (json.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            json.fields().forEachRemaining(e -> map.put(e.getKey(), jsonValue(e.getValue(), schema,
                    child(path, e.getKey()))));
            v = map;
        } else {
            throw new Invalid(path, "unsupported JSON value " + brief(json));
        }
        record.put(0, v);
        return record;
    }

    private static Schema branch(Schema union, Schema.Type type) {
        for (Schema s : union.getTypes()) {
            if (s.getType() == type) {
                return s;
            }
        }
        throw new IllegalStateException("JSON value union has no " + type + " branch");
    }

    private static Object union(JsonNode json, Schema union, String path) {
        List<Schema.Type> order;
        if (json.isNull()) {
            order = List.of(Schema.Type.NULL);
        } else if (json.isBoolean()) {
            order = List.of(Schema.Type.BOOLEAN);
        } else if (json.isIntegralNumber()) {
            order = List.of(Schema.Type.LONG, Schema.Type.INT, Schema.Type.DOUBLE, Schema.Type.FLOAT);
        } else if (json.isNumber()) {
            order = List.of(Schema.Type.DOUBLE, Schema.Type.FLOAT);
        } else if (json.isTextual()) {
            order = List.of(Schema.Type.STRING, Schema.Type.ENUM, Schema.Type.BYTES, Schema.Type.FIXED);
        } else if (json.isArray()) {
            order = List.of(Schema.Type.ARRAY);
        } else {
            order = List.of(Schema.Type.RECORD, Schema.Type.MAP);
        }
        Invalid first = null;
        for (Schema.Type type : order) {
            for (Schema branch : union.getTypes()) {
                if (branch.getType() != type) {
                    continue;
                }
                if (type == Schema.Type.INT && json.isIntegralNumber() && !json.canConvertToInt()) {
                    continue;
                }
                try {
                    return convert(json, branch, path);
                } catch (Invalid e) {
                    if (first == null || type == Schema.Type.RECORD && deeper(e, first)) {
                        first = e;
                    }
                }
            }
        }
        if (first != null) {
            throw first;
        }
        throw new Invalid(path, brief(json) + " matches no branch of " + briefSchema(union));
    }

    // the error that got further into the value is the more useful one
    private static boolean deeper(Invalid a, Invalid b) {
        return a.path().length() > b.path().length();
    }

    private static Invalid mismatch(String path, JsonNode json, Schema schema) {
        return new Invalid(path, "expected " + briefSchema(schema) + ", got " + brief(json));
    }

    private static String child(String path, String name) {
        return path == null || path.isEmpty() ? name : path + "." + name;
    }

    private static List<String> fieldNames(Schema record) {
        List<String> out = new ArrayList<>();
        record.getFields().forEach(f -> out.add(f.name()));
        return out;
    }

    private static String briefSchema(Schema s) {
        String text = switch (s.getType()) {
            case RECORD, ENUM, FIXED -> s.getFullName();
            case UNION -> {
                List<String> names = new ArrayList<>();
                s.getTypes().forEach(t -> names.add(t.getType() == Schema.Type.RECORD ? t.getFullName()
                        : t.getType().getName()));
                yield names.toString();
            }
            default -> s.toString();
        };
        return text.length() <= 160 ? text : text.substring(0, 160) + "...";
    }

    private static String brief(JsonNode json) {
        String text = json.isTextual() ? "string " + json : json.getNodeType().name().toLowerCase() + " " + json;
        return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }

    static Set<String> keys(JsonNode json) {
        Set<String> out = new HashSet<>();
        json.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
