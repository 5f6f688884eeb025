package dev.simsnap.snapshot.replay;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/** The inverse of {@link dev.simsnap.snapshot.delta.PayloadJson}: an entity's canonical JSON back to its Avro record. */
final class JsonToAvro {

    private JsonToAvro() {
    }

    static SpecificRecord record(JsonNode json, Schema schema) {
        return (SpecificRecord) convert(json, schema, schema.getName());
    }

    private static Object convert(JsonNode v, Schema s, String path) {
        switch (s.getType()) {
            case UNION: {
                if (v == null || v.isNull()) {
                    if (s.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL)) {
                        return null;
                    }
                    throw new IllegalArgumentException(path + ": null not allowed");
                }
                IllegalArgumentException last = null;
                for (Schema branch : s.getTypes()) {
                    if (branch.getType() == Schema.Type.NULL) {
                        continue;
                    }
                    try {
                        return convert(v, branch, path);
                    } catch (IllegalArgumentException e) {
                        last = e;
                    }
                }
                throw last != null ? last : new IllegalArgumentException(path + ": no union branch fits");
            }
            case RECORD: {
                if (v == null || !v.isObject()) {
                    throw new IllegalArgumentException(path + ": expected an object");
                }
                Object record = SpecificData.get().newRecord(null, s);
                for (Schema.Field f : s.getFields()) {
                    JsonNode fv = v.get(f.name());
                    Object value;
                    if (fv == null || fv.isNull()) {
                        if (f.hasDefaultValue()) {
                            value = SpecificData.get().getDefaultValue(f);
                        } else {
                            value = convert(fv, f.schema(), path + "." + f.name());
                        }
                    } else {
                        value = convert(fv, f.schema(), path + "." + f.name());
                    }
                    ((org.apache.avro.generic.IndexedRecord) record).put(f.pos(), value);
                }
                return record;
            }
            case ARRAY: {
                require(v != null && v.isArray(), path, "an array");
                List<Object> out = new ArrayList<>();
                int i = 0;
                for (JsonNode item : v) {
                    out.add(convert(item, s.getElementType(), path + "[" + i++ + "]"));
                }
                return out;
            }
            case MAP: {
                require(v != null && v.isObject(), path, "an object");
                Map<String, Object> out = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    out.put(e.getKey(), convert(e.getValue(), s.getValueType(), path + "." + e.getKey()));
                }
                return out;
            }
            case ENUM:
                require(v != null && v.isTextual(), path, "an enum symbol");
                return SpecificData.get().createEnum(v.asText(), s);
            case STRING:
                require(v != null && v.isTextual(), path, "a string");
                return v.asText();
            case INT:
                require(v != null && v.isIntegralNumber() && v.canConvertToInt(), path, "an int");
                return v.intValue();
            case LONG:
                require(v != null && v.isIntegralNumber() && v.canConvertToLong(), path, "a long");
                return v.longValue();
            case DOUBLE:
                require(v != null && v.isNumber(), path, "a number");
                return v.doubleValue();
            case FLOAT:
                require(v != null && v.isNumber(), path, "a number");
                return v.floatValue();
            case BOOLEAN:
                require(v != null && v.isBoolean(), path, "a boolean");
                return v.booleanValue();
            case NULL:
                require(v == null || v.isNull(), path, "null");
                return null;
            default:
                throw new IllegalArgumentException(path + ": unsupported schema type " + s.getType());
        }
    }

    private static void require(boolean ok, String path, String what) {
        if (!ok) {
            throw new IllegalArgumentException(path + ": expected " + what);
        }
    }
}
