package dev.simsnap.importer;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Puts a Python value (as {@link PickleReader} and the JSON reader give it) into an Avro schema exactly, or refuses
 * it naming the path. Nothing is converted that would change the value: an {@code int} goes only to {@code long}
 * (or {@code int} when it fits), a {@code float} only to {@code double} (or {@code float} when exact), a
 * {@code str} to {@code string} or an enum symbol, {@code bytes} to {@code bytes}/{@code fixed}, a {@code list} or
 * {@code tuple} to an array, a {@code dict} with str keys to a map or a record, an object to a record. A union takes
 * the branch of the value's kind (an object: the record named like its class, else the one record that fits).
 * Records of {@code simsnap.json.Value} hold any JSON value (field {@code v}).
 *
 * <p>Into a record: every key / attribute must have a field (an unknown one is refused, listing every unknown one
 * and the fields the schema has), and a field without a key takes its default (none: refused).
 */
final class AvroValues {

    static final String JSON_VALUE = "simsnap.json.Value";

    private AvroValues() {
    }

    /** {@code value} as a record of {@code schema} (a record, or a union holding the record to take). */
    static GenericRecord record(Schema schema, Object value, String path) {
        Object datum = datum(schema, value, path);
        if (!(datum instanceof GenericRecord r)) {
            throw new IllegalArgumentException(where(path) + "is not a record of " + schema.getFullName());
        }
        return r;
    }

    static Object datum(Schema schema, Object value, String path) {
        switch (schema.getType()) {
            case UNION:
                return union(schema, value, path);
            case RECORD:
                if (schema.getFullName().equals(JSON_VALUE)) {
                    GenericRecord v = new GenericData.Record(schema);
                    v.put(0, datum(schema.getFields().get(0).schema(), value, path));
                    return v;
                }
                return fill(schema, attributes(value, schema, path), path);
            case MAP:
                if (value instanceof Map<?, ?> map) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    for (Map.Entry<?, ?> e : map.entrySet()) {
                        if (!(e.getKey() instanceof String k)) {
                            throw mismatch(schema, value, path, "a dict whose keys are not all str");
                        }
                        out.put(k, datum(schema.getValueType(), e.getValue(), path + "['" + k + "']"));
                    }
                    return out;
                }
                throw mismatch(schema, value, path, null);
            case ARRAY:
                List<?> items = value instanceof List<?> l ? l : value instanceof Object[] a ? Arrays.asList(a) : null;
                if (items == null) {
                    throw mismatch(schema, value, path, null);
                }
                List<Object> out = new ArrayList<>(items.size());
                for (int i = 0; i < items.size(); i++) {
                    out.add(datum(schema.getElementType(), items.get(i), path + "[" + i + "]"));
                }
                return new GenericData.Array<>(schema, out);
            case LONG:
                Long l = asLong(value);
                if (l == null) {
                    throw mismatch(schema, value, path, null);
                }
                return l;
            case INT:
                Long i = asLong(value);
                if (i == null || i != i.intValue()) {
                    throw mismatch(schema, value, path, null);
                }
                return i.intValue();
            case DOUBLE:
                if (value instanceof Double d) {
                    return d;
                }
                throw mismatch(schema, value, path, isInt(value) ? "ints and floats are kept apart: the schema"
                        + " has no long for this int" : null);
            case FLOAT:
                if (value instanceof Double d && (double) d.floatValue() == d) {
                    return d.floatValue();
                }
                throw mismatch(schema, value, path, null);
            case STRING:
                if (value instanceof String s) {
                    return s;
                }
                throw mismatch(schema, value, path, null);
            case BOOLEAN:
                if (value instanceof Boolean b) {
                    return b;
                }
                throw mismatch(schema, value, path, null);
            case NULL:
                if (value == null) {
                    return null;
                }
                throw mismatch(schema, value, path, null);
            case BYTES:
                if (value instanceof byte[] b) {
                    return ByteBuffer.wrap(b);
                }
                throw mismatch(schema, value, path, null);
            case FIXED:
                if (value instanceof byte[] b && b.length == schema.getFixedSize()) {
                    return new GenericData.Fixed(schema, b);
                }
                throw mismatch(schema, value, path, null);
            case ENUM:
                if (value instanceof String s && schema.getEnumSymbols().contains(s)) {
                    return new GenericData.EnumSymbol(schema, s);
                }
                throw mismatch(schema, value, path, null);
            default:
                throw new IllegalArgumentException(where(path) + "schema type " + schema.getType()
                        + " is not supported");
        }
    }

    /** The record of {@code schema} with the fields {@code attributes} give, defaults for the others. */
    static GenericRecord fill(Schema schema, Map<String, Object> attributes, String path) {
        List<String> unknown = new ArrayList<>();
        for (String key : attributes.keySet()) {
            if (schema.getField(key) == null) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            StringJoiner fields = new StringJoiner(", ", "[", "]");
            schema.getFields().forEach(f -> fields.add(f.name()));
            throw new IllegalArgumentException(where(path) + (unknown.size() == 1 ? "attribute " : "attributes ")
                    + unknown + " of " + (path.isEmpty() ? "the object" : "it") + " " + (unknown.size() == 1
                    ? "has no field" : "have no fields") + " in schema " + schema.getFullName() + " " + fields
                    + " (a registered version of the collection must hold " + (unknown.size() == 1 ? "it" : "them")
                    + ")");
        }
        GenericRecord record = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            String sub = path.isEmpty() ? f.name() : path + "." + f.name();
            if (attributes.containsKey(f.name())) {
                record.put(f.pos(), datum(f.schema(), attributes.get(f.name()), sub));
            } else if (f.hasDefaultValue()) {
                record.put(f.pos(), GenericData.get().getDefaultValue(f));
            } else {
                throw new IllegalArgumentException("field '" + sub + "': missing, and schema "
                        + schema.getFullName() + " has no default for it");
            }
        }
        return record;
    }

    private static Object union(Schema union, Object value, String path) {
        List<Schema> branches = union.getTypes();
        Schema.Type kind = kindOf(value);
        if (kind == null) {
            throw mismatch(union, value, path, null);
        }
        if (kind == Schema.Type.RECORD) {
            return unionRecord(union, value, path);
        }
        for (Schema.Type t : candidates(kind, value)) {
            for (Schema b : branches) {
                if (b.getType() == t) {
                    try {
                        return datum(b, value, path);
                    } catch (IllegalArgumentException e) {
                        if (t == Schema.Type.LONG || t == Schema.Type.INT || t == Schema.Type.FLOAT) {
                            continue; // the next numeric branch may fit
                        }
                        throw e;
                    }
                }
            }
        }
        for (Schema b : branches) {
            if (b.getType() == Schema.Type.RECORD && b.getFullName().equals(JSON_VALUE)) {
                return datum(b, value, path);
            }
        }
        if (value instanceof Map) {
            return unionRecord(union, value, path);
        }
        throw mismatch(union, value, path, null);
    }

    /** A dict or an object into a union: the map branch (dict), the record named like the class, the fitting one. */
    private static Object unionRecord(Schema union, Object value, String path) {
        List<Schema> records = union.getTypes().stream().filter(b -> b.getType() == Schema.Type.RECORD
                && !b.getFullName().equals(JSON_VALUE)).toList();
        if (value instanceof PythonObject o) {
            for (Schema r : records) {
                if (r.getName().equals(simpleName(o.name()))) {
                    return datum(r, value, path);
                }
            }
        } else {
            for (Schema b : union.getTypes()) {
                if (b.getType() == Schema.Type.MAP) {
                    return datum(b, value, path);
                }
            }
        }
        List<String> problems = new ArrayList<>();
        for (Schema r : records) {
            try {
                return datum(r, value, path);
            } catch (IllegalArgumentException e) {
                problems.add(r.getName() + ": " + e.getMessage());
            }
        }
        for (Schema b : union.getTypes()) {
            if (b.getType() == Schema.Type.RECORD && b.getFullName().equals(JSON_VALUE) && !(value instanceof PythonObject)) {
                return datum(b, value, path);
            }
        }
        throw new IllegalArgumentException(where(path) + describe(value) + " fits no record of " + union
                .getTypes().stream().map(Schema::getName).toList() + (problems.isEmpty() ? "" : " (" + String.join("; ",
                problems) + ")"));
    }

    private static List<Schema.Type> candidates(Schema.Type kind, Object value) {
        return switch (kind) {
            case LONG -> List.of(Schema.Type.LONG, Schema.Type.INT);
            case DOUBLE -> List.of(Schema.Type.DOUBLE, Schema.Type.FLOAT);
            case STRING -> List.of(Schema.Type.STRING, Schema.Type.ENUM);
            case BYTES -> List.of(Schema.Type.BYTES, Schema.Type.FIXED);
            case MAP -> List.of(Schema.Type.MAP);
            default -> List.of(kind);
        };
    }

    private static Schema.Type kindOf(Object value) {
        if (value == null) {
            return Schema.Type.NULL;
        }
        if (value instanceof Boolean) {
            return Schema.Type.BOOLEAN;
        }
        if (isInt(value)) {
            return Schema.Type.LONG;
        }
        if (value instanceof Double) {
            return Schema.Type.DOUBLE;
        }
        if (value instanceof String) {
            return Schema.Type.STRING;
        }
        if (value instanceof byte[]) {
            return Schema.Type.BYTES;
        }
        if (value instanceof List || value instanceof Object[]) {
            return Schema.Type.ARRAY;
        }
        if (value instanceof Map) {
            return Schema.Type.MAP;
        }
        if (value instanceof PythonObject) {
            return Schema.Type.RECORD;
        }
        return null; // a kind no item schema takes (a set, a complex number, ...)
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> attributes(Object value, Schema schema, String path) {
        if (value instanceof PythonObject o) {
            return o.attributes();
        }
        if (value instanceof Map<?, ?> map) {
            for (Object k : map.keySet()) {
                if (!(k instanceof String)) {
                    throw mismatch(schema, value, path, "a dict whose keys are not all str");
                }
            }
            return (Map<String, Object>) map;
        }
        throw mismatch(schema, value, path, null);
    }

    private static boolean isInt(Object value) {
        return value instanceof Integer || value instanceof Long || value instanceof BigInteger
                || value instanceof Short || value instanceof Byte;
    }

    private static Long asLong(Object value) {
        if (value instanceof BigInteger b) {
            return b.bitLength() < 64 ? b.longValue() : null;
        }
        return isInt(value) ? ((Number) value).longValue() : null;
    }

    private static String simpleName(String qualname) {
        int dot = qualname.lastIndexOf('.');
        return dot < 0 ? qualname : qualname.substring(dot + 1);
    }

    private static IllegalArgumentException mismatch(Schema schema, Object value, String path, String why) {
        return new IllegalArgumentException(where(path) + describe(value) + " does not fit schema type "
                + typeName(schema) + (why == null ? "" : " (" + why + ")"));
    }

    private static String where(String path) {
        return path.isEmpty() ? "" : "field '" + path + "': ";
    }

    private static String typeName(Schema schema) {
        return switch (schema.getType()) {
            case RECORD, ENUM, FIXED -> schema.getFullName();
            case UNION -> schema.getTypes().stream().map(AvroValues::typeName).toList().toString();
            case ARRAY -> "array<" + typeName(schema.getElementType()) + ">";
            case MAP -> "map<" + typeName(schema.getValueType()) + ">";
            default -> schema.getType().getName();
        };
    }

    static String describe(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof PythonObject o) {
            return "an object of " + o.className();
        }
        String type = value instanceof Boolean ? "bool" : isInt(value) ? "int" : value instanceof Double ? "float"
                : value instanceof String ? "str" : value instanceof byte[] ? "bytes" : value instanceof List ? "list"
                : value instanceof Object[] ? "tuple" : value instanceof Map ? "dict" : value instanceof Set ? "set"
                : value.getClass().getSimpleName();
        String text = value instanceof Map || value instanceof List || value instanceof Object[]
                || value instanceof byte[] ? "" : " " + (value instanceof String s ? "'" + s + "'" : value);
        if (text.length() > 60) {
            text = text.substring(0, 57) + "...";
        }
        return ("aeiou".indexOf(type.charAt(0)) >= 0 ? "an " : "a ") + type + text;
    }
}
