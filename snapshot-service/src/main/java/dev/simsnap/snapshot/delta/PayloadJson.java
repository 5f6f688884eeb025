package dev.simsnap.snapshot.delta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.snapshot.json.CanonicalJson;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;

/**
 * Avro record to canonical JSON: fields in schema order, null fields left out (null means "absent"), maps with
 * their keys in {@link #KEY_ORDER} (Avro maps carry no order, so one is imposed).
 */
public final class PayloadJson {

    /**
     * Map key order: keys that are canonical decimal integers first, numerically (so stock ids "2" &lt; "10"), then
     * every other key by {@link String#compareTo}.
     */
    public static final Comparator<String> KEY_ORDER = PayloadJson::compareKeys;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private PayloadJson() {
    }

    /** The record as an object node; throws {@link IllegalArgumentException} for NaN/Infinity values. */
    public static ObjectNode toJson(IndexedRecord record) {
        ObjectNode out = NODES.objectNode();
        for (org.apache.avro.Schema.Field field : record.getSchema().getFields()) {
            Object value = record.get(field.pos());
            if (value != null) {
                out.set(field.name(), value(value));
            }
        }
        return out;
    }

    /** One Avro value (as the specific/generic readers produce them) as JSON. */
    public static JsonNode value(Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof IndexedRecord record) {
            return toJson(record);
        }
        if (value instanceof CharSequence || value instanceof GenericEnumSymbol<?> || value instanceof Enum<?>) {
            return NODES.textNode(value.toString());
        }
        if (value instanceof Double d) {
            CanonicalJson.number(d); // rejects NaN/Infinity early, where the record can still be dead-lettered
            return NODES.numberNode(d);
        }
        if (value instanceof Float f) {
            CanonicalJson.number(f);
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
        if (value instanceof Map<?, ?> map) {
            List<String> keys = new ArrayList<>();
            map.keySet().forEach(k -> keys.add(k.toString()));
            keys.sort(KEY_ORDER);
            ObjectNode out = NODES.objectNode();
            for (String key : keys) {
                Object v = map.get(key);
                if (v == null && !map.containsKey(key)) {
                    v = lookupCharSequenceKey(map, key); // Utf8 keys when not read as String
                }
                out.set(key, value(v));
            }
            return out;
        }
        if (value instanceof Collection<?> items) {
            ArrayNode out = NODES.arrayNode();
            items.forEach(item -> out.add(value(item)));
            return out;
        }
        if (value instanceof GenericContainer) {
            throw new IllegalArgumentException("unsupported Avro value " + value.getClass().getName());
        }
        throw new IllegalArgumentException("unsupported value " + value.getClass().getName());
    }

    private static Object lookupCharSequenceKey(Map<?, ?> map, String key) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getKey().toString().equals(key)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static int compareKeys(String a, String b) {
        boolean na = isCanonicalInteger(a);
        boolean nb = isCanonicalInteger(b);
        if (na && nb) {
            int byLength = Integer.compare(numericLength(a), numericLength(b));
            boolean negA = a.startsWith("-");
            boolean negB = b.startsWith("-");
            if (negA != negB) {
                return negA ? -1 : 1;
            }
            int magnitude = byLength != 0 ? byLength : a.compareTo(b);
            return negA ? -magnitude : magnitude;
        }
        if (na != nb) {
            return na ? -1 : 1;
        }
        return a.compareTo(b);
    }

    private static int numericLength(String s) {
        return s.startsWith("-") ? s.length() - 1 : s.length();
    }

    /** True for "0", "7", "-12", never for "007", "+1", "-0" or "". */
    public static boolean isCanonicalInteger(String s) {
        int start = s.startsWith("-") ? 1 : 0;
        if (s.length() == start) {
            return false;
        }
        if (s.charAt(start) == '0' && (s.length() > start + 1 || start == 1)) {
            return false;
        }
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
