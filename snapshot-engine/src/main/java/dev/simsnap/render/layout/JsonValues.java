package dev.simsnap.render.layout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * Replaces every {@code simsnap.json.Value} record in a decoded Avro value by the JSON value it holds (and a
 * {@code simsnap.json.BigInteger}, an integer beyond 64 bits, by its {@link java.math.BigInteger}).
 */
public final class JsonValues {

    /** Full name of the record holding an integer beyond 64 bits as its decimal digits. */
    public static final String BIG_INTEGER = "simsnap.json.BigInteger";

    private JsonValues() {
    }

    /** {@code value} with each {@code simsnap.json.Value} record replaced by its value (records holding one: maps). */
    public static Object unwrap(Object value) {
        if (value instanceof GenericRecord r) {
            if (LayoutRenderer.JSON_VALUE.equals(r.getSchema().getFullName())) {
                return unwrap(r.get(0));
            }
            if (BIG_INTEGER.equals(r.getSchema().getFullName())) {
                return new java.math.BigInteger(r.get(0).toString());
            }
            if (!mayHoldJsonValues(r.getSchema())) {
                return r;
            }
            Map<String, Object> fields = new LinkedHashMap<>();
            for (org.apache.avro.Schema.Field f : r.getSchema().getFields()) {
                fields.put(f.name(), unwrap(r.get(f.pos())));
            }
            return fields;
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(k, unwrap(v)));
            return out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(v -> out.add(unwrap(v)));
            return out;
        }
        return value;
    }

    private static final java.util.Map<org.apache.avro.Schema, Boolean> HOLDS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Whether a record schema refers to the JSON value type anywhere (cached: schemas are immutable). */
    private static boolean mayHoldJsonValues(org.apache.avro.Schema schema) {
        return HOLDS.computeIfAbsent(schema, s -> s.toString().contains("\"" + LayoutRenderer.JSON_VALUE + "\"")
                || s.toString().contains("\"name\":\"Value\",\"namespace\":\"simsnap.json\""));
    }
}
