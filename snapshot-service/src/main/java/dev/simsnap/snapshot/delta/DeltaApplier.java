package dev.simsnap.snapshot.delta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.snapshot.json.CanonicalJson;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Applies one already {@link DeltaCheck checked} delta to an entity's canonical JSON. Pure: the input node is not
 * modified.
 *
 * <ul>
 *   <li>UPSERT: the entity becomes the payload (typed: schema field order, null fields absent; document: the JSON
 *       object with keys sorted recursively).</li>
 *   <li>PATCH: for each name in patch_fields, in schema order for typed entities: a non-null payload value is set,
 *       a null one removes the field. Documents: a listed key present in the payload object is set (JSON null is a
 *       value), a listed key missing from it is removed. Other fields are untouched.</li>
 *   <li>DELETE: the entity is gone (returns null).</li>
 *   <li>APPEND: the items are added to the end of the named list (created when absent).</li>
 *   <li>PATCH/APPEND on an absent entity start from an empty one (typed PERSON/STOCK: holding only the id field),
 *       so the result never depends on whether an earlier UPSERT was seen.</li>
 * </ul>
 */
public final class DeltaApplier {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private DeltaApplier() {
    }

    /** Thrown for a DOCUMENT APPEND to a field that holds a non-list value. */
    public static final class NotAListException extends Exception {
        private static final long serialVersionUID = 1L;

        NotAListException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Returns the entity after the delta, or null when it no longer exists.
     *
     * @param current the entity before (null when absent)
     */
    public static ObjectNode apply(ObjectNode current, StateDelta d) throws NotAListException {
        EntityType type = d.getEntityType();
        Optional<Schema> schema = EntitySchemas.schemaOf(type);
        switch (d.getOp()) {
            case DELETE:
                return null;
            case UPSERT:
                return payloadJson(d);
            case PATCH: {
                ObjectNode next = current == null ? empty(d) : current.deepCopy();
                ObjectNode values = payloadJson(d);
                for (String field : d.getPatchFields()) {
                    JsonNode v = values.get(field);
                    if (v == null) {
                        next.remove(field);
                    } else {
                        next.set(field, v);
                    }
                }
                return schema.map(s -> ordered(next, s)).orElseGet(() -> (ObjectNode) CanonicalJson.sortedKeys(next));
            }
            case APPEND: {
                ObjectNode next = current == null ? empty(d) : current.deepCopy();
                ListAppend append = (ListAppend) d.getPayload();
                JsonNode existing = next.get(append.getField());
                ArrayNode list;
                if (existing == null || existing.isNull()) {
                    list = NODES.arrayNode();
                } else if (existing.isArray()) {
                    list = (ArrayNode) existing;
                } else {
                    throw new NotAListException("field '" + append.getField() + "' holds " + existing.getNodeType());
                }
                if (schema.isPresent()) {
                    append.getNumbers().forEach(n -> list.add(NODES.numberNode(n)));
                } else {
                    append.getJsonItems().forEach(item -> list.add(CanonicalJson.sortedKeys(CanonicalJson.parse(item))));
                }
                next.set(append.getField(), list);
                return schema.map(s -> ordered(next, s)).orElse(next);
            }
            default:
                throw new IllegalArgumentException("unknown op " + d.getOp());
        }
    }

    private static ObjectNode payloadJson(StateDelta d) {
        Object payload = d.getPayload();
        if (payload instanceof Document doc) {
            return (ObjectNode) CanonicalJson.sortedKeys(CanonicalJson.parseObject(doc.getJson()));
        }
        return PayloadJson.toJson((SpecificRecord) payload);
    }

    private static ObjectNode empty(StateDelta d) {
        ObjectNode node = NODES.objectNode();
        EntitySchemas.idField(d.getEntityType())
                .ifPresent(f -> node.put(f, Integer.parseInt(d.getEntityId())));
        return node;
    }

    /** A copy of {@code node} with its keys in schema field order (unknown keys dropped). */
    static ObjectNode ordered(ObjectNode node, Schema schema) {
        ObjectNode out = NODES.objectNode();
        for (Schema.Field f : schema.getFields()) {
            JsonNode v = node.get(f.name());
            if (v != null && !v.isNull()) {
                out.set(f.name(), v);
            }
        }
        return out;
    }
}
