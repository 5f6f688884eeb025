package dev.simsnap.producer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.StateDelta;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Checks a {@link StateDelta} before it is sent. Every failure is an {@link IllegalArgumentException} whose
 * message names the offending field in single quotes.
 *
 * <p>Rules: the payload record matches the entity type; PERSON/STOCK ids equal the payload's
 * {@code person_id}/{@code stock_id}; INFORMATION and MARKET use the ids {@code information} and {@code market};
 * DOCUMENT needs a collection (a valid id, it becomes a file name), other types none; UPSERT sets every seed field
 * ({@link EntityRules#requiredOnUpsert}); PATCH names at least one field the payload has (for DOCUMENT, a top-level
 * key of its JSON object), never the id field; DELETE has no payload; APPEND extends a list field of the type
 * (numbers for typed entities, JSON items for documents); numbers are finite (every double of the payload: double
 * fields, items of double arrays, values of double maps).
 */
public final class DeltaValidator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ID_LENGTH = 256;
    private static final int SMALL_PATCH = 8;
    // Payload schema -> positions of its fields that can hold doubles. A handful of generated schemas.
    private static final Map<Schema, int[]> DOUBLE_FIELDS = new ConcurrentHashMap<>();

    private DeltaValidator() {
    }

    /** Validates {@code delta}; returns it unchanged. */
    public static StateDelta validate(StateDelta delta) {
        EntityType type = delta.getEntityType();
        if (type == null) {
            throw fail("entity_type", "is missing");
        }
        if (delta.getOp() == null) {
            throw fail("op", "is missing");
        }
        checkId(type, delta.getEntityId());
        checkCollection(type, delta.getCollection());
        Object payload = delta.getPayload();
        switch (delta.getOp()) {
            case DELETE:
                if (payload != null) {
                    throw fail("payload", "must be null for DELETE");
                }
                requireNoPatchFields(delta);
                break;
            case APPEND:
                if (!(payload instanceof ListAppend)) {
                    throw fail("payload", "APPEND needs a ListAppend payload, got " + typeName(payload));
                }
                requireNoPatchFields(delta);
                checkAppend(type, (ListAppend) payload);
                break;
            case UPSERT:
            case PATCH:
                SpecificRecord record = checkPayloadType(type, payload);
                checkIdMatches(type, delta.getEntityId(), record);
                checkFinite(record);
                if (delta.getOp() == dev.simsnap.schema.delta.Operation.UPSERT) {
                    requireNoPatchFields(delta);
                    checkRequired(type, record);
                } else {
                    checkPatch(type, record, delta.getPatchFields());
                }
                break;
            default:
                throw fail("op", "unsupported operation " + delta.getOp());
        }
        return delta;
    }

    /** Checks an UPSERT payload of {@code type} alone (used to validate whole inputs before anything is sent). */
    public static void validateUpsertPayload(EntityType type, SpecificRecord payload) {
        SpecificRecord record = checkPayloadType(type, payload);
        checkFinite(record);
        checkRequired(type, record);
    }

    private static void checkId(EntityType type, String id) {
        if (id == null || id.isEmpty()) {
            throw fail("entity_id", "must not be empty");
        }
        if (id.length() > MAX_ID_LENGTH || hasControlCharacter(id)) {
            throw fail("entity_id", "must be at most " + MAX_ID_LENGTH + " printable characters");
        }
        String singleton = EntityRules.singletonId(type);
        if (singleton != null && !singleton.equals(id)) {
            throw fail("entity_id", "a " + type + " entity has the id '" + singleton + "', got '" + id + "'");
        }
        if (EntityRules.idField(type) != null) {
            try {
                Integer.parseInt(id);
            } catch (NumberFormatException e) {
                throw fail("entity_id", "a " + type + " id is the decimal " + EntityRules.idField(type)
                        + ", got '" + id + "'");
            }
        }
    }

    private static void checkCollection(EntityType type, String collection) {
        if (type == EntityType.DOCUMENT) {
            if (!RunIds.isValid(collection)) {
                throw fail("collection", "a DOCUMENT needs a collection of 1-128 characters of A-Z a-z 0-9 . _ - "
                        + "not starting with '.', got '" + collection + "'");
            }
        } else if (collection != null) {
            throw fail("collection", "only DOCUMENT entities have a collection, this is " + type);
        }
    }

    private static SpecificRecord checkPayloadType(EntityType type, Object payload) {
        Schema expected = EntityRules.payloadSchema(type);
        if (!(payload instanceof SpecificRecord)
                || !((SpecificRecord) payload).getSchema().getFullName().equals(expected.getFullName())) {
            throw fail("payload", "a " + type + " payload must be " + expected.getName() + ", got "
                    + typeName(payload));
        }
        return (SpecificRecord) payload;
    }

    private static void checkIdMatches(EntityType type, String id, SpecificRecord record) {
        String idField = EntityRules.idField(type);
        if (idField != null) {
            Object value = record.get(record.getSchema().getField(idField).pos());
            if (!id.equals(String.valueOf(value))) {
                throw fail(idField, "is " + value + " but the entity_id is '" + id + "'");
            }
        }
    }

    private static void checkRequired(EntityType type, SpecificRecord record) {
        for (String field : EntityRules.requiredOnUpsert(type)) {
            if (record.get(record.getSchema().getField(field).pos()) == null) {
                throw fail(field, "is required in a " + type + " upsert (a seed field)");
            }
        }
        if (type == EntityType.DOCUMENT) {
            parseObject(((Document) record).getJson(), "json");
        }
    }

    private static void checkPatch(EntityType type, SpecificRecord record, List<String> fields) {
        if (fields == null || fields.isEmpty()) {
            throw fail("patch_fields", "a PATCH must name at least one field");
        }
        // Typed payloads have at most a few fields: a pairwise check beats building a set for every PATCH.
        Set<String> seen = fields.size() > SMALL_PATCH ? new HashSet<>() : null;
        JsonNode document = type == EntityType.DOCUMENT ? parseObject(((Document) record).getJson(), "json") : null;
        for (int i = 0; i < fields.size(); i++) {
            String field = fields.get(i);
            if (seen != null ? !seen.add(field) : namedBefore(fields, i)) {
                throw fail(field, "is named twice in patch_fields");
            }
            if (document != null) {
                if (!document.has(field)) {
                    throw fail(field, "is named in patch_fields but the DOCUMENT payload has no such key");
                }
                continue;
            }
            if (record.getSchema().getField(field) == null) {
                throw fail(field, "is named in patch_fields but a " + type + " payload ("
                        + record.getSchema().getName() + ") has no such field");
            }
            if (field.equals(EntityRules.idField(type))) {
                throw fail(field, "is the entity id and cannot be patched");
            }
        }
    }

    private static void checkAppend(EntityType type, ListAppend append) {
        String field = append.getField();
        if (field == null || field.isEmpty()) {
            throw fail("field", "an APPEND must name the list field");
        }
        if (type == EntityType.DOCUMENT) {
            if (!append.getNumbers().isEmpty()) {
                throw fail("numbers", "a DOCUMENT append carries json_items, not numbers");
            }
            if (append.getJsonItems().isEmpty()) {
                throw fail("json_items", "an APPEND needs at least one item");
            }
            for (String item : append.getJsonItems()) {
                parse(item, "json_items");
            }
            return;
        }
        Schema.Field target = EntityRules.payloadSchema(type).getField(field);
        if (target == null) {
            throw fail(field, "a " + type + " has no such field to append to");
        }
        if (!isNumberList(target.schema())) {
            throw fail(field, "is not a list field of " + type + " (its type is " + describe(target.schema()) + ")");
        }
        if (!append.getJsonItems().isEmpty()) {
            throw fail("json_items", "a " + type + " append carries numbers, not json_items");
        }
        if (append.getNumbers().isEmpty()) {
            throw fail("numbers", "an APPEND needs at least one item");
        }
        for (Double number : append.getNumbers()) {
            if (number == null || !Double.isFinite(number)) {
                throw fail(field, "items must be finite numbers, got " + number);
            }
        }
    }

    private static boolean isNumberList(Schema schema) {
        for (Schema branch : schema.getType() == Schema.Type.UNION ? schema.getTypes() : List.of(schema)) {
            if (branch.getType() == Schema.Type.ARRAY && branch.getElementType().getType() == Schema.Type.DOUBLE) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            for (Schema branch : schema.getTypes()) {
                if (branch.getType() != Schema.Type.NULL) {
                    return branch.getType().getName();
                }
            }
        }
        return schema.getType().getName();
    }

    private static void requireNoPatchFields(StateDelta delta) {
        if (delta.getPatchFields() != null && !delta.getPatchFields().isEmpty()) {
            throw fail("patch_fields", "only a PATCH names patch_fields, this is " + delta.getOp());
        }
    }

    private static boolean namedBefore(List<String> fields, int index) {
        for (int i = 0; i < index; i++) {
            if (Objects.equals(fields.get(i), fields.get(index))) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasControlCharacter(String id) {
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /**
     * NaN and infinities have no JSON form, so a snapshot could not be written. Checks every field of
     * {@code record}'s schema that can hold a double (double, or an array or map of doubles, possibly in a union):
     * a Double value must be finite, and so must every Double item of a collection or value of a map. Fields of
     * other types cannot hold a Double and are skipped.
     */
    private static void checkFinite(SpecificRecord record) {
        Schema schema = record.getSchema();
        int[] positions = DOUBLE_FIELDS.get(schema);
        if (positions == null) {
            positions = doubleFields(schema);
            DOUBLE_FIELDS.put(schema, positions);
        }
        for (int pos : positions) {
            Object value = record.get(pos);
            if (value instanceof Double) {
                if (!Double.isFinite((Double) value)) {
                    throw fail(schema.getFields().get(pos).name(), "must be a finite number, got " + value);
                }
            } else if (value instanceof List && value instanceof RandomAccess) {
                List<?> items = (List<?>) value;
                for (int i = 0; i < items.size(); i++) {
                    checkFiniteItem(schema, pos, items.get(i));
                }
            } else if (value instanceof Collection) {
                for (Object item : (Collection<?>) value) {
                    checkFiniteItem(schema, pos, item);
                }
            } else if (value instanceof Map) {
                // forEach, not values(): values() stores a view object in the map, a write into a possibly
                // long-lived payload that the next young GC then has to scan.
                ((Map<?, ?>) value).forEach((key, item) -> checkFiniteItem(schema, pos, item));
            }
        }
    }

    private static void checkFiniteItem(Schema schema, int pos, Object item) {
        if (item instanceof Double && !Double.isFinite((Double) item)) {
            throw fail(schema.getFields().get(pos).name(), "must hold finite numbers, got " + item);
        }
    }

    /** Positions of the fields of {@code record} whose type can hold a double, in field order. */
    private static int[] doubleFields(Schema record) {
        List<Schema.Field> fields = record.getFields();
        int[] positions = new int[fields.size()];
        int n = 0;
        for (Schema.Field field : fields) {
            if (holdsDoubles(field.schema())) {
                positions[n++] = field.pos();
            }
        }
        return Arrays.copyOf(positions, n);
    }

    private static boolean holdsDoubles(Schema schema) {
        switch (schema.getType()) {
            case DOUBLE:
                return true;
            case ARRAY:
                return schema.getElementType().getType() == Schema.Type.DOUBLE;
            case MAP:
                return schema.getValueType().getType() == Schema.Type.DOUBLE;
            case UNION:
                for (Schema branch : schema.getTypes()) {
                    if (holdsDoubles(branch)) {
                        return true;
                    }
                }
                return false;
            default:
                return false;
        }
    }

    private static JsonNode parseObject(String json, String field) {
        JsonNode node = parse(json, field);
        if (!node.isObject()) {
            throw fail(field, "must be a JSON object, got " + node.getNodeType());
        }
        return node;
    }

    private static JsonNode parse(String json, String field) {
        if (json == null) {
            throw fail(field, "must not be null");
        }
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw fail(field, "is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String typeName(Object payload) {
        return payload == null ? "null" : payload instanceof SpecificRecord
                ? ((SpecificRecord) payload).getSchema().getName() : payload.getClass().getSimpleName();
    }

    static IllegalArgumentException fail(String field, String problem) {
        return new IllegalArgumentException("field '" + field + "': " + problem);
    }
}
