package dev.simsnap.producer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.model.item.JsonToItem;
import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.legacy.LegacyKind;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Reads a v1 delta given as JSON (what the ingest gateway accepts, PROTOCOL.md §6.2) into the parts of a {@link
 * dev.simsnap.schema.delta.StateDelta}; run, worker, sequence, iteration and virtual date come from the worker.
 *
 * <p>Shape: {@code {"entity_type": "PERSON", "entity_id": "3", "op": "PATCH", "patch_fields": ["cash"],
 * "payload": {"person_id": 3, "cash": 10.5}}}. {@code collection} is required for DOCUMENT. The payload is plain
 * JSON converted by {@link JsonToItem} against the v1 payload record of the entity type's collection in the legacy
 * model ({@link LegacyKind#payloadSchema}: Person, Stock, Market, MarketIndex, RunInformation); for DOCUMENT it is
 * any JSON object; for APPEND it is ListAppend: {@code {"field": "past_stock_last_prices", "numbers": [10.5]}}
 * (documents: {@code "json_items": [...]}, each item any JSON value). Unknown keys are rejected.
 */
public final class JsonDeltas {

    private static final Set<String> KEYS = Set.of("entity_type", "entity_id", "collection", "op", "patch_fields",
            "payload");

    private JsonDeltas() {
    }

    /** The parts of one delta. */
    public record Parsed(EntityType type, String entityId, String collection, Operation op, List<String> patchFields,
                         Object payload) {
    }

    /**
     * Parses and converts; the result is still checked ({@code LegacyDeltas}) when added to an iteration.
     *
     * @throws IllegalArgumentException naming the field
     */
    public static Parsed parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("field 'delta': must be a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KEYS.contains(name)) {
                throw new IllegalArgumentException("field '" + name + "': not a delta field (expected " + KEYS
                        + "; run, worker, sequence, iteration and virtual date are set by the worker)");
            }
        }
        EntityType type = entityType(text(node, "entity_type", true));
        String id = text(node, "entity_id", true);
        String collection = text(node, "collection", false);
        Operation op = operation(text(node, "op", true));
        List<String> patchFields = new ArrayList<>();
        JsonNode fields = node.get("patch_fields");
        if (fields != null && !fields.isNull()) {
            if (!fields.isArray()) {
                throw new IllegalArgumentException("field 'patch_fields': expected an array of strings");
            }
            for (JsonNode f : fields) {
                if (!f.isTextual()) {
                    throw new IllegalArgumentException("field 'patch_fields': expected strings, got " + f);
                }
                patchFields.add(f.textValue());
            }
        }
        Object payload = payload(type, op, node.get("payload"));
        return new Parsed(type, id, collection, op, patchFields, payload);
    }

    /** A generic record of a generated class's schema as an instance of that class. */
    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecord> T specific(GenericRecord record) {
        return (T) SpecificData.get().deepCopy(record.getSchema(), record);
    }

    private static Object payload(EntityType type, Operation op, JsonNode node) {
        if (op == Operation.DELETE) {
            if (node != null && !node.isNull()) {
                throw new IllegalArgumentException("field 'payload': must be absent or null for DELETE");
            }
            return null;
        }
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("field 'payload': required for " + op);
        }
        boolean document = type == EntityType.DOCUMENT;
        if (op == Operation.APPEND) {
            if (document) {
                return documentAppend(node);
            }
            return specific(JsonToItem.record(node, ListAppend.getClassSchema(), "payload"));
        }
        if (document) {
            if (!node.isObject()) {
                throw new IllegalArgumentException("field 'payload': a DOCUMENT payload must be a JSON object");
            }
            return new Document(node.toString());
        }
        return specific(JsonToItem.record(node, LegacyKind.payloadSchema(LegacyKind.collection(type)), "payload"));
    }

    // Document items are any JSON values; carry them as JSON text.
    private static ListAppend documentAppend(JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("field 'payload': expected an object {field, json_items}");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("field") && !name.equals("json_items")) {
                throw new IllegalArgumentException("field 'payload." + name + "': a DOCUMENT append has only "
                        + "'field' and 'json_items'");
            }
        }
        JsonNode items = node.get("json_items");
        if (items == null || !items.isArray()) {
            throw new IllegalArgumentException("field 'payload.json_items': expected an array");
        }
        List<String> texts = new ArrayList<>();
        items.forEach(item -> texts.add(item.toString()));
        return new ListAppend(text(node, "field", true), List.of(), texts);
    }

    /** An entity type by name (the enum symbol, case-insensitive). */
    private static EntityType entityType(String name) {
        for (EntityType type : EntityType.values()) {
            if (type.name().equalsIgnoreCase(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException("field 'entity_type': unknown entity type '" + name + "' (expected one of "
                + List.of(EntityType.values()) + ")");
    }

    private static Operation operation(String name) {
        try {
            return Operation.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("field 'op': unknown operation '" + name + "' (expected one of "
                    + List.of(Operation.values()) + ")");
        }
    }

    private static String text(JsonNode node, String field, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new IllegalArgumentException("field '" + field + "' is missing");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "': expected a string, got " + value);
        }
        return value.textValue();
    }
}
