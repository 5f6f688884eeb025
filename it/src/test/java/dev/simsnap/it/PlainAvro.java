package dev.simsnap.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Plain JSON as the Java values a program using the worker library would build by hand: {@code Long} for a JSON
 * integer, {@code Double} for a JSON fraction or where the schema says double, {@code String}, {@code Boolean}, lists,
 * maps, {@link GenericRecord}s; a union is left to Avro ({@code GenericData.resolveUnion}) except a union of records,
 * where the record whose fields take every key is built. The JSON value record {@code simsnap.json.Value} wraps any
 * JSON value. Written for the tests, independently of the gateway's converter.
 */
final class PlainAvro {

    private static final String JSON_VALUE = "simsnap.json.Value";

    private PlainAvro() {
    }

    /** {@code json} as a value of {@code schema}. */
    static Object value(JsonNode json, Schema schema) {
        switch (schema.getType()) {
            case RECORD:
                return JSON_VALUE.equals(schema.getFullName()) ? jsonValue(json, schema) : record(json, schema);
            case UNION:
                if (json.isObject()) {
                    for (Schema branch : schema.getTypes()) {
                        if (branch.getType() == Schema.Type.RECORD && !JSON_VALUE.equals(branch.getFullName())
                                && fieldNames(branch).containsAll(keys(json))) {
                            return record(json, branch);
                        }
                    }
                    for (Schema branch : schema.getTypes()) {
                        if (branch.getType() == Schema.Type.MAP) {
                            return value(json, branch);
                        }
                    }
                    throw new IllegalArgumentException("no branch of " + schema + " takes " + json);
                }
                if (json.isArray()) {
                    for (Schema branch : schema.getTypes()) {
                        if (branch.getType() == Schema.Type.ARRAY) {
                            return value(json, branch);
                        }
                    }
                }
                return scalar(json);
            case ARRAY: {
                List<Object> out = new ArrayList<>();
                json.forEach(e -> out.add(value(e, schema.getElementType())));
                return out;
            }
            case MAP: {
                Map<String, Object> out = new LinkedHashMap<>();
                json.fields().forEachRemaining(e -> out.put(e.getKey(), value(e.getValue(), schema.getValueType())));
                return out;
            }
            case DOUBLE:
                return json.doubleValue();
            case LONG:
                return json.longValue();
            default:
                return scalar(json);
        }
    }

    /** {@code json} as a record of {@code schema} (a record, or a union whose record branches are tried in order). */
    static GenericRecord record(JsonNode json, Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            return (GenericRecord) value(json, schema);
        }
        Set<String> unknown = new java.util.TreeSet<>(keys(json));
        unknown.removeAll(fieldNames(schema));
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(schema.getFullName() + " has no fields " + unknown);
        }
        GenericRecord r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            JsonNode v = json.get(f.name());
            r.put(f.name(), v == null ? GenericData.get().getDefaultValue(f) : value(v, f.schema()));
        }
        return r;
    }

    private static GenericRecord jsonValue(JsonNode json, Schema valueSchema) {
        GenericRecord r = new GenericData.Record(valueSchema);
        Object v;
        if (json.isArray()) {
            List<Object> items = new ArrayList<>();
            json.forEach(e -> items.add(jsonValue(e, valueSchema)));
            v = items;
        } else if (json.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            json.fields().forEachRemaining(e -> map.put(e.getKey(), jsonValue(e.getValue(), valueSchema)));
            v = map;
        } else {
            v = scalar(json);
        }
        r.put("v", v);
        return r;
    }

    private static Object scalar(JsonNode json) {
        if (json.isNull()) {
            return null;
        }
        if (json.isBoolean()) {
            return json.booleanValue();
        }
        if (json.isIntegralNumber()) {
            return json.longValue();
        }
        if (json.isNumber()) {
            return json.doubleValue();
        }
        if (json.isTextual()) {
            return json.textValue();
        }
        throw new IllegalArgumentException("not a scalar: " + json);
    }

    private static Set<String> keys(JsonNode json) {
        Set<String> out = new java.util.LinkedHashSet<>();
        json.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static Set<String> fieldNames(Schema record) {
        Set<String> out = new java.util.HashSet<>();
        record.getFields().forEach(f -> out.add(f.name()));
        return out;
    }
}
