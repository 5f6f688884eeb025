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
            CanonicalJson.requireFinite(d); // rejects NaN/Infinity early, where the record can still be dead-lettered
            return NODES.numberNode(d);
        }
        if (value instanceof Float f) {
            CanonicalJson.requireFinite(f);
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
            return mapJson(map);
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

    /** Largest key that {@link #mapJson}'s packed sort takes (40 bits), and the index bits next to it. */
    private static final long PACKED_KEY_LIMIT = 1L << 40;
    private static final int INDEX_BITS = 23;

    /** A map's entries as parallel arrays, and the positions in {@link #KEY_ORDER}. */
    private record SortedMap(String[] keys, Object[] values, int[] order) {
    }

    /**
     * The map's entries in {@link #KEY_ORDER}. Maps keyed by stock id (every key a small non-negative canonical
     * integer) are sorted as packed primitives (key, position): the same order without classifying keys on every
     * comparison. Any other map goes through the comparator.
     */
    private static SortedMap sorted(Map<?, ?> map) {
        int n = map.size();
        String[] keys = new String[n];
        Object[] values = new Object[n];
        long[] packed = new long[n];
        boolean packable = n < (1 << INDEX_BITS);
        int i = 0;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = e.getKey().toString();
            keys[i] = key;
            values[i] = e.getValue();
            if (packable) {
                long number = key.length() <= 12 && isCanonicalInteger(key) ? Long.parseLong(key) : -1;
                if (number < 0 || number >= PACKED_KEY_LIMIT) {
                    packable = false;
                } else {
                    packed[i] = number << INDEX_BITS | i;
                }
            }
            i++;
        }
        int[] order = new int[n];
        if (packable) {
            java.util.Arrays.sort(packed);
            for (int j = 0; j < n; j++) {
                order[j] = (int) (packed[j] & ((1 << INDEX_BITS) - 1));
            }
        } else {
            Integer[] boxed = new Integer[n];
            for (int j = 0; j < n; j++) {
                boxed[j] = j;
            }
            java.util.Arrays.sort(boxed, (x, y) -> KEY_ORDER.compare(keys[x], keys[y]));
            for (int j = 0; j < n; j++) {
                order[j] = boxed[j];
            }
        }
        return new SortedMap(keys, values, order);
    }

    private static ObjectNode mapJson(Map<?, ?> map) {
        SortedMap sorted = sorted(map);
        ObjectNode out = NODES.objectNode();
        for (int at : sorted.order()) {
            out.set(sorted.keys()[at], value(sorted.values()[at]));
        }
        return out;
    }

    /**
     * The compact canonical JSON of one Avro value: the same text as {@code CanonicalJson.compact(value(v))},
     * written directly without building a tree. Throws {@link IllegalArgumentException} for NaN/Infinity.
     */
    public static String compact(Object value) {
        StringBuilder out = new StringBuilder(64);
        appendCompact(value, out);
        return out.toString();
    }

    private static void appendCompact(Object value, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Double d) {
            out.append(CanonicalJson.number(d));
        } else if (value instanceof Long || value instanceof Integer) {
            out.append(((Number) value).longValue());
        } else if (value instanceof CharSequence || value instanceof GenericEnumSymbol<?> || value instanceof Enum<?>) {
            CanonicalJson.appendString(value.toString(), out);
        } else if (value instanceof IndexedRecord record) {
            out.append('{');
            boolean first = true;
            for (org.apache.avro.Schema.Field field : record.getSchema().getFields()) {
                Object v = record.get(field.pos());
                if (v != null) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    CanonicalJson.appendString(field.name(), out);
                    out.append(':');
                    appendCompact(v, out);
                }
            }
            out.append('}');
        } else if (value instanceof Map<?, ?> map) {
            SortedMap sorted = sorted(map);
            out.append('{');
            for (int j = 0; j < sorted.order().length; j++) {
                int at = sorted.order()[j];
                if (j > 0) {
                    out.append(',');
                }
                CanonicalJson.appendString(sorted.keys()[at], out);
                out.append(':');
                appendCompact(sorted.values()[at], out);
            }
            out.append('}');
        } else if (value instanceof Collection<?> items) {
            out.append('[');
            boolean first = true;
            for (Object item : items) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                appendCompact(item, out);
            }
            out.append(']');
        } else if (value instanceof Float f) {
            out.append(CanonicalJson.number(f.doubleValue()));
        } else if (value instanceof Boolean b) {
            out.append(b.booleanValue());
        } else {
            value(value); // throws the same error as the tree path
        }
    }

    /**
     * Throws {@link IllegalArgumentException} when the record holds a NaN or infinite number anywhere, as
     * {@link #toJson} would, without building the JSON.
     */
    public static void requireFinite(IndexedRecord record) {
        for (org.apache.avro.Schema.Field field : record.getSchema().getFields()) {
            requireFiniteValue(record.get(field.pos()));
        }
    }

    private static void requireFiniteValue(Object value) {
        if (value instanceof Double d) {
            CanonicalJson.requireFinite(d);
        } else if (value instanceof Float f) {
            CanonicalJson.requireFinite(f);
        } else if (value instanceof IndexedRecord record) {
            requireFinite(record);
        } else if (value instanceof Map<?, ?> map) {
            for (Object v : map.values()) {
                requireFiniteValue(v);
            }
        } else if (value instanceof Collection<?> items) {
            for (Object item : items) {
                requireFiniteValue(item);
            }
        }
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
