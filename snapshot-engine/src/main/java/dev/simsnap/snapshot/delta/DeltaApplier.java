package dev.simsnap.snapshot.delta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.snapshot.json.CanonicalJson;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Applies one already {@link DeltaCheck checked} delta to an entity's state. Pure: the input is not modified
 * (states are immutable).
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
    public static EntityState apply(EntityState current, StateDelta d) throws NotAListException {
        Optional<Schema> schema = EntitySchemas.schemaOf(d.getEntityType());
        if (d.getOp() == Operation.DELETE) {
            return null;
        }
        return schema.isPresent()
                ? applyTyped(schema.get(), (TypedEntity) current, d)
                : applyDocument((DocumentEntity) current, d);
    }

    private static TypedEntity applyTyped(Schema schema, TypedEntity current, StateDelta d) throws NotAListException {
        switch (d.getOp()) {
            case UPSERT:
                return TypedEntity.of((SpecificRecord) d.getPayload());
            case PATCH:
                return (current == null ? emptyTyped(schema, d) : current)
                        .patch((SpecificRecord) d.getPayload(), d.getPatchFields());
            case APPEND: {
                TypedEntity base = current == null ? emptyTyped(schema, d) : current;
                ListAppend append = (ListAppend) d.getPayload();
                if (!base.isListOrAbsent(append.getField())) {
                    throw new NotAListException("field '" + append.getField() + "' holds a non-list value");
                }
                return base.append(append.getField(), append.getNumbers());
            }
            default:
                throw new IllegalArgumentException("unknown op " + d.getOp());
        }
    }

    private static DocumentEntity applyDocument(DocumentEntity current, StateDelta d) throws NotAListException {
        switch (d.getOp()) {
            case UPSERT:
                return new DocumentEntity(documentJson(d));
            case PATCH: {
                // A shallow copy is enough here and below: nodes are never modified once built.
                ObjectNode next = current == null ? NODES.objectNode() : shallowCopy(current.node());
                ObjectNode values = documentJson(d);
                for (String field : d.getPatchFields()) {
                    JsonNode v = values.get(field);
                    if (v == null) {
                        next.remove(field);
                    } else {
                        next.set(field, v);
                    }
                }
                return new DocumentEntity((ObjectNode) CanonicalJson.sortedKeys(next));
            }
            case APPEND: {
                ObjectNode next = current == null ? NODES.objectNode() : shallowCopy(current.node());
                ListAppend append = (ListAppend) d.getPayload();
                JsonNode existing = next.get(append.getField());
                ArrayNode list;
                if (existing == null || existing.isNull()) {
                    list = NODES.arrayNode();
                } else if (existing.isArray()) {
                    list = NODES.arrayNode(existing.size() + append.getJsonItems().size());
                    list.addAll((ArrayNode) existing); // a new list: the old one may be shared
                } else {
                    throw new NotAListException("field '" + append.getField() + "' holds " + existing.getNodeType());
                }
                append.getJsonItems().forEach(item -> list.add(CanonicalJson.sortedKeys(CanonicalJson.parse(item))));
                next.set(append.getField(), list);
                return new DocumentEntity(next);
            }
            default:
                throw new IllegalArgumentException("unknown op " + d.getOp());
        }
    }

    private static ObjectNode documentJson(StateDelta d) {
        return (ObjectNode) CanonicalJson.sortedKeys(CanonicalJson.parseObject(((Document) d.getPayload()).getJson()));
    }

    /** A new object holding the same (shared, never modified) child nodes. */
    private static ObjectNode shallowCopy(ObjectNode node) {
        ObjectNode copy = NODES.objectNode();
        copy.setAll(node);
        return copy;
    }

    /** PERSON/STOCK start from their id field alone; other typed entities from nothing. */
    private static TypedEntity emptyTyped(Schema schema, StateDelta d) {
        Optional<String> idField = EntitySchemas.idField(d.getEntityType());
        return TypedEntity.empty(schema, idField.orElse(null),
                idField.isPresent() ? Integer.toString(Integer.parseInt(d.getEntityId())) : null);
    }
}
