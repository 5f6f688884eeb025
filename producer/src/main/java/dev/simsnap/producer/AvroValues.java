package dev.simsnap.producer;

import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;

/** Finds where a value breaks its Avro schema, to name the field in an error. */
final class AvroValues {

    private AvroValues() {
    }

    /** A message naming the first field that does not match, or null when {@code value} matches {@code schema}. */
    static String firstInvalid(Schema schema, Object value, String path) {
        if (GenericData.get().validate(schema, value)) {
            return null;
        }
        String here = path.isEmpty() ? "the item" : "field '" + path + "'";
        switch (schema.getType()) {
            case RECORD:
                if (value instanceof IndexedRecord r) {
                    if (!r.getSchema().getFullName().equals(schema.getFullName())) {
                        return here + ": a " + r.getSchema().getFullName() + " where " + schema.getFullName()
                                + " is expected";
                    }
                    for (Schema.Field f : schema.getFields()) {
                        Object v = r.getSchema().getField(f.name()) == null ? null : r.get(f.pos());
                        String sub = firstInvalid(f.schema(), v, path.isEmpty() ? f.name() : path + "." + f.name());
                        if (sub != null) {
                            return sub;
                        }
                    }
                }
                break;
            case ARRAY:
                if (value instanceof Collection<?> c) {
                    int i = 0;
                    for (Object item : c) {
                        String sub = firstInvalid(schema.getElementType(), item, path + "[" + i++ + "]");
                        if (sub != null) {
                            return sub;
                        }
                    }
                }
                break;
            case MAP:
                if (value instanceof Map<?, ?> m) {
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        String sub = firstInvalid(schema.getValueType(), e.getValue(),
                                path.isEmpty() ? String.valueOf(e.getKey()) : path + "." + e.getKey());
                        if (sub != null) {
                            return sub;
                        }
                    }
                }
                break;
            default:
                break;
        }
        String shown = value == null ? "null" : value.getClass().getSimpleName() + " " + value;
        if (shown.length() > 100) {
            shown = shown.substring(0, 100) + "...";
        }
        return here + ": " + shown + " does not match its schema " + brief(schema);
    }

    private static String brief(Schema s) {
        String text = s.getType() == Schema.Type.RECORD ? s.getFullName() : s.toString();
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
