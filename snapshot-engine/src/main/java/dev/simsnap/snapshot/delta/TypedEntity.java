package dev.simsnap.snapshot.delta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.snapshot.json.CanonicalJson;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * A typed entity (Person, Stock, Market, MarketIndex, RunInformation) as one compact JSON fragment per schema field
 * (null: the field is absent). Its JSON is the fields in schema order, absent ones left out: exactly what
 * {@link CanonicalJson#compact} gives for the {@link PayloadJson#toJson} tree of the same values.
 */
public final class TypedEntity implements EntityState {

    private final Schema schema;
    private final String[] fragments;
    private String json;

    private TypedEntity(Schema schema, String[] fragments) {
        this.schema = schema;
        this.fragments = fragments;
    }

    /** An entity holding only {@code field} = {@code fragment} (or nothing when {@code field} is null). */
    static TypedEntity empty(Schema schema, String field, String fragment) {
        String[] fragments = new String[schema.getFields().size()];
        if (field != null) {
            fragments[schema.getField(field).pos()] = fragment;
        }
        return new TypedEntity(schema, fragments);
    }

    /** The payload record as an entity (UPSERT): every non-null field. */
    static TypedEntity of(IndexedRecord record) {
        Schema schema = record.getSchema();
        String[] fragments = new String[schema.getFields().size()];
        for (int i = 0; i < fragments.length; i++) {
            Object v = record.get(i);
            if (v != null) {
                fragments[i] = PayloadJson.compact(v);
            }
        }
        return new TypedEntity(schema, fragments);
    }

    /** A stored entity's tree: the schema's fields, in schema order; other keys and JSON nulls are dropped. */
    static TypedEntity of(Schema schema, ObjectNode node) {
        String[] fragments = new String[schema.getFields().size()];
        for (Schema.Field f : schema.getFields()) {
            JsonNode v = node.get(f.name());
            if (v != null && !v.isNull()) {
                fragments[f.pos()] = CanonicalJson.compact(v);
            }
        }
        return new TypedEntity(schema, fragments);
    }

    /** A copy with the named fields taken from {@code values} (PATCH): a null value removes the field. */
    TypedEntity patch(IndexedRecord values, List<String> fields) {
        String[] next = fragments.clone();
        for (String field : fields) {
            int pos = schema.getField(field).pos();
            Object v = values.get(values.getSchema().getField(field).pos());
            next[pos] = v == null ? null : PayloadJson.compact(v);
        }
        return new TypedEntity(schema, next);
    }

    /**
     * A copy with {@code numbers} added to the end of the number list {@code field} (APPEND; created when absent).
     * The list's earlier items are not rendered again: their text is extended.
     */
    TypedEntity append(String field, List<Double> numbers) {
        int pos = schema.getField(field).pos();
        String existing = fragments[pos];
        StringBuilder out;
        if (existing == null || existing.equals("[]")) {
            out = new StringBuilder(2 + numbers.size() * 12).append('[');
        } else {
            // A stored list is always a compact array: "[a,b,...]".
            out = new StringBuilder(existing.length() + numbers.size() * 12)
                    .append(existing, 0, existing.length() - 1);
            if (!numbers.isEmpty()) {
                out.append(',');
            }
        }
        for (int i = 0; i < numbers.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(CanonicalJson.number(numbers.get(i)));
        }
        String[] next = fragments.clone();
        next[pos] = out.append(']').toString();
        return new TypedEntity(schema, next);
    }

    /** Whether {@code field}'s current value is a JSON array or absent (what APPEND requires). */
    boolean isListOrAbsent(String field) {
        String f = fragments[schema.getField(field).pos()];
        return f == null || f.startsWith("[");
    }

    @Override
    public String json() {
        if (json == null) {
            StringBuilder out = new StringBuilder(256).append('{');
            boolean first = true;
            for (Schema.Field f : schema.getFields()) {
                String fragment = fragments[f.pos()];
                if (fragment != null) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    CanonicalJson.appendString(f.name(), out);
                    out.append(':').append(fragment);
                }
            }
            json = out.append('}').toString();
        }
        return json;
    }
}
