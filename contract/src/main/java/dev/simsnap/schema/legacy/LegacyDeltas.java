package dev.simsnap.schema.legacy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.LayoutEntry;
import dev.simsnap.model.Shape;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;

/**
 * The rules of one StateDelta v1 record, read from the legacy model ({@link LegacyKind}), and the legacy items it
 * makes. Checked by the engine when a record arrives ({@link Rules#HISTORY}: what history may hold; a delta that
 * breaks them is dead-lettered) and by the v1 producers before they send ({@link Rules#PRODUCER}: those rules and
 * what v1 producers never sent). Every failure is an {@link IllegalArgumentException} whose message starts with
 * {@code field '<name>': }.
 *
 * <p>{@link Rules#HISTORY}:
 * <ul>
 *   <li>worker id follows the run-id rule; iteration and sequence are &ge; 0; entity_id is not empty;</li>
 *   <li>a singleton's entity_id is its collection's name; a key field the payload carries (an int, e.g.
 *       {@code person_id}) makes the entity_id the canonical decimal of an int, equal to the payload's value;</li>
 *   <li>a {@code collection} is given exactly when the collection is keyed by one (DOCUMENT);</li>
 *   <li>every envelope value the model's layout puts into a file name ({@code {key}}, {@code {collection}}) follows
 *       the run-id rule;</li>
 *   <li>DELETE carries no payload; UPSERT and PATCH carry the collection's payload record (a DOCUMENT's JSON text is
 *       an object); PATCH names at least one field, none twice, each a field of the payload record (documents: any
 *       key; a named key missing from the payload removes it);</li>
 *   <li>APPEND carries ListAppend: a typed entity's field is a list of doubles of the item schema and the items are
 *       {@code numbers}; a document's field is any non-empty key and the items {@code json_items} (each JSON);</li>
 *   <li>no number is NaN or infinite (JSON cannot hold them).</li>
 * </ul>
 * {@link Rules#PRODUCER} adds: entity_id is at most 256 printable characters; patch_fields only on PATCH; an UPSERT
 * sets every field the item schema marks {@code "simsnap.required_on_upsert"} (the seed's own input fields); a PATCH
 * neither names a key field nor (documents) a key its payload lacks; an APPEND has at least one item.
 */
public final class LegacyDeltas {

    /** Which rules apply (see the class comment). */
    public enum Rules { HISTORY, PRODUCER }

    /** The field property marking what a v1 producer's UPSERT must set. */
    public static final String REQUIRED_ON_UPSERT = "simsnap.required_on_upsert";

    /** Reads document JSON as v1 did: duplicate keys and trailing tokens refused, fractions as doubles. */
    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .disable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final int MAX_ID_LENGTH = 256;
    /** Per legacy collection: what its rules need from the model, read once. */
    private static final Map<String, Facts> FACTS = facts();

    /**
     * @param payloadKeys    key fields the v1 payload record carries (e.g. {@code person_id})
     * @param envelopeKeys   key fields the v1 envelope gives ({@code id}: the entity_id; {@code collection}: the
     *                       DOCUMENT collection)
     * @param fileNameValues the placeholders of the layout entries made from the collection: values that become file
     *                       names
     */
    private record Facts(List<String> payloadKeys, List<String> envelopeKeys, Set<String> fileNameValues) {
    }

    private LegacyDeltas() {
    }

    /** Checks {@code d} (a v1 delta: entity_type set) under {@code rules}; returns it. */
    public static StateDelta check(StateDelta d, Rules rules) {
        if (d.getEntityType() == null) {
            throw fail("entity_type", "is missing");
        }
        if (d.getOp() == null) {
            throw fail("op", "is missing");
        }
        if (!RunIds.isValid(d.getWorkerId())) {
            throw fail("worker_id", "invalid worker id '" + d.getWorkerId() + "'");
        }
        if (d.getIteration() < 0 || d.getSequence() < 0) {
            throw fail("iteration", "iteration and sequence must be >= 0");
        }
        CollectionSpec c = LegacyKind.collection(d.getEntityType());
        checkIds(d, c, rules);
        Object payload = d.getPayload();
        boolean producer = rules == Rules.PRODUCER;
        if (producer && d.getOp() != Operation.PATCH && !d.getPatchFields().isEmpty()) {
            throw fail("patch_fields", "only a PATCH names patch_fields, this is " + d.getOp());
        }
        switch (d.getOp()) {
            case DELETE -> {
                if (payload != null) {
                    throw fail("payload", "must be null for DELETE");
                }
            }
            case UPSERT -> {
                IndexedRecord record = checkRecord(d, c);
                if (producer) {
                    checkRequired(c, record);
                }
            }
            case PATCH -> checkPatch(d, c, checkRecord(d, c), producer);
            case APPEND -> checkAppend(d, c, payload, producer);
            default -> throw fail("op", "unsupported operation " + d.getOp());
        }
        return d;
    }

    /**
     * Checks an UPSERT payload of {@code type} on its own, as a producer's UPSERT would be (to check whole inputs
     * before anything is sent): the type's payload record, finite numbers, the fields an UPSERT must set.
     */
    public static void checkUpsertPayload(EntityType type, IndexedRecord payload) {
        CollectionSpec c = LegacyKind.collection(type);
        Schema expected = LegacyKind.payloadSchema(c);
        if (payload == null || !payload.getSchema().getFullName().equals(expected.getFullName())) {
            throw fail("payload", "a " + type + " payload must be " + expected.getName() + ", got "
                    + typeName(payload));
        }
        if (isDocument(c)) {
            requireFinite(parseObject(((GenericRecord) payload).get("json").toString(), "json"), "json");
            return;
        }
        for (Schema.Field f : payload.getSchema().getFields()) {
            requireFinite(payload.get(f.pos()), f.name());
        }
        checkRequired(c, payload);
    }

    private static void checkIds(StateDelta d, CollectionSpec c, Rules rules) {
        String id = d.getEntityId();
        if (id == null || id.isEmpty()) {
            throw fail("entity_id", "must not be empty");
        }
        if (rules == Rules.PRODUCER && (id.length() > MAX_ID_LENGTH || hasControlCharacter(id))) {
            throw fail("entity_id", "must be at most " + MAX_ID_LENGTH + " printable characters");
        }
        boolean keyedByCollection = envelopeKeys(c).contains("collection");
        if (keyedByCollection && d.getCollection() == null) {
            throw fail("collection", "a " + d.getEntityType() + " needs a collection");
        }
        if (!keyedByCollection && d.getCollection() != null) {
            throw fail("collection", "only DOCUMENT entities have a collection, this is " + d.getEntityType());
        }
        if (c.shape() == Shape.SINGLETON && !c.name().equals(id)) {
            throw fail("entity_id", "a " + d.getEntityType() + " entity has the id '" + c.name() + "', got '" + id
                    + "'");
        }
        for (String key : payloadKeys(c)) {
            if (!isIntId(id)) {
                throw fail("entity_id", "a " + d.getEntityType() + " id is the decimal " + key + " (an int), got '"
                        + id + "'");
            }
        }
        for (String name : fileNameValues(c)) {
            String value = name.equals("key") ? LegacyKind.itemId(d) : name.equals("collection") ? d.getCollection()
                    : name.equals("id") ? id : null;
            if (value != null && !RunIds.isValid(value)) {
                throw fail(name.equals("collection") ? "collection" : "entity_id", "names a file of the snapshot:"
                        + " use 1-128 characters of A-Z a-z 0-9 . _ - not starting with '.', got '" + value + "'");
            }
        }
    }

    /** UPSERT and PATCH: the payload is the collection's payload record; its key fields equal the entity_id. */
    private static IndexedRecord checkRecord(StateDelta d, CollectionSpec c) {
        Schema expected = LegacyKind.payloadSchema(c);
        Object payload = d.getPayload();
        if (!(payload instanceof IndexedRecord record)
                || !record.getSchema().getFullName().equals(expected.getFullName())) {
            throw fail("payload", "a " + d.getEntityType() + " payload must be " + expected.getName() + ", got "
                    + typeName(payload));
        }
        if (isDocument(c)) {
            requireFinite(parseObject(((GenericRecord) record).get("json").toString(), "json"), "json");
            return record;
        }
        for (String key : payloadKeys(c)) {
            Object value = record.get(record.getSchema().getField(key).pos());
            if (!d.getEntityId().equals(String.valueOf(value))) {
                throw fail(key, "is " + value + " but the entity_id is '" + d.getEntityId() + "'");
            }
        }
        for (Schema.Field f : record.getSchema().getFields()) {
            requireFinite(record.get(f.pos()), f.name());
        }
        return record;
    }

    private static void checkRequired(CollectionSpec c, IndexedRecord record) {
        for (Schema.Field f : LegacyKind.itemSchema(c).getFields()) {
            if (Boolean.TRUE.equals(f.getObjectProp(REQUIRED_ON_UPSERT))) {
                Schema.Field p = record.getSchema().getField(f.name());
                if (p == null || record.get(p.pos()) == null) {
                    throw fail(f.name(), "is required in a " + LegacyKind.entityType(c.name())
                            + " upsert (a seed field)");
                }
            }
        }
    }

    private static void checkPatch(StateDelta d, CollectionSpec c, IndexedRecord record, boolean producer) {
        List<String> fields = d.getPatchFields();
        if (fields.isEmpty()) {
            throw fail("patch_fields", "a PATCH must name at least one field");
        }
        Set<String> seen = new HashSet<>();
        JsonNode document = isDocument(c) && producer ? parseObject(((GenericRecord) record).get("json").toString(),
                "json") : null;
        for (String field : fields) {
            if (!seen.add(field)) {
                throw fail(field, "is named twice in patch_fields");
            }
            if (isDocument(c)) {
                if (document != null && !document.has(field)) {
                    throw fail(field, "is named in patch_fields but the DOCUMENT payload has no such key");
                }
                continue;
            }
            if (record.getSchema().getField(field) == null) {
                throw fail(field, "is named in patch_fields but a " + d.getEntityType() + " payload ("
                        + record.getSchema().getName() + ") has no such field");
            }
            if (producer && c.key().contains(field)) {
                throw fail(field, "is the entity id and cannot be patched");
            }
        }
    }

    private static void checkAppend(StateDelta d, CollectionSpec c, Object payload, boolean producer) {
        if (!(payload instanceof ListAppend append)) {
            throw fail("payload", "APPEND needs a ListAppend payload, got " + typeName(payload));
        }
        String field = append.getField();
        if (field == null || field.isEmpty()) {
            throw fail("field", "an APPEND must name the list field");
        }
        if (isDocument(c)) {
            if (!append.getNumbers().isEmpty()) {
                throw fail("numbers", "a DOCUMENT append carries json_items, not numbers");
            }
            if (producer && append.getJsonItems().isEmpty()) {
                throw fail("json_items", "an APPEND needs at least one item");
            }
            for (String item : append.getJsonItems()) {
                requireFinite(parse(item, "json_items"), "json_items");
            }
            return;
        }
        Schema.Field target = LegacyKind.itemSchema(c).getField(field);
        if (target == null || isEnvelope(c, field)) {
            throw fail(field, "a " + d.getEntityType() + " has no such field to append to");
        }
        if (!isNumberList(target.schema())) {
            throw fail(field, "is not a list of numbers of " + d.getEntityType());
        }
        if (!append.getJsonItems().isEmpty()) {
            throw fail("json_items", "a " + d.getEntityType() + " append carries numbers, not json_items");
        }
        if (producer && append.getNumbers().isEmpty()) {
            throw fail("numbers", "an APPEND needs at least one item");
        }
        for (Double n : append.getNumbers()) {
            if (n == null || !Double.isFinite(n)) {
                throw fail(field, "items must be finite numbers, got " + n);
            }
        }
    }

    // ---- items ---------------------------------------------------------------------------------------------------

    /** The item an UPSERT of {@code d} makes (maps in the legacy order); {@code d} must have passed {@link #check}. */
    public static GenericRecord item(StateDelta d) {
        CollectionSpec c = LegacyKind.collection(d.getEntityType());
        Schema schema = LegacyKind.itemSchema(c);
        GenericData.Record item = new GenericData.Record(schema);
        if (isDocument(c)) {
            item.put("json", document(parseObject(((Document) d.getPayload()).getJson(), "json"), schema));
        } else {
            IndexedRecord payload = (IndexedRecord) d.getPayload();
            for (Schema.Field f : payload.getSchema().getFields()) {
                item.put(f.name(), LegacyKind.sortedMaps(payload.get(f.pos())));
            }
        }
        putEnvelope(c, d, item);
        return item;
    }

    /**
     * The item a PATCH or APPEND of an absent entity starts from: every field null (a document: no key), except the
     * key fields, which take the entity's id.
     */
    public static GenericRecord empty(StateDelta d) {
        CollectionSpec c = LegacyKind.collection(d.getEntityType());
        Schema schema = LegacyKind.itemSchema(c);
        GenericData.Record item = new GenericData.Record(schema);
        if (isDocument(c)) {
            item.put("json", new LinkedHashMap<String, Object>());
        }
        for (String key : payloadKeys(c)) {
            item.put(key, Integer.parseInt(d.getEntityId()));
        }
        putEnvelope(c, d, item);
        return item;
    }

    /** A typed PATCH's values: the payload's value of each patch field, in order (maps in the legacy order). */
    public static List<Object> patchValues(StateDelta d) {
        IndexedRecord payload = (IndexedRecord) d.getPayload();
        List<Object> values = new ArrayList<>(d.getPatchFields().size());
        for (String field : d.getPatchFields()) {
            values.add(LegacyKind.sortedMaps(payload.get(payload.getSchema().getField(field).pos())));
        }
        return values;
    }

    /**
     * A document after a PATCH: each named key present in the payload takes its value (a JSON null is a value),
     * each named key missing from it is removed; keys stay sorted.
     */
    @SuppressWarnings("unchecked")
    public static GenericRecord patchedDocument(GenericRecord current, StateDelta d) {
        Schema schema = current.getSchema();
        Map<String, Object> json = strings((Map<?, ?>) current.get("json"));
        JsonNode values = parseObject(((Document) d.getPayload()).getJson(), "json");
        Schema valueSchema = schema.getField("json").schema().getValueType();
        for (String key : d.getPatchFields()) {
            JsonNode v = values.get(key);
            if (v == null) {
                json.remove(key);
            } else {
                json.put(key, value(v, valueSchema));
            }
        }
        return withJson(current, new TreeMap<>(json));
    }

    /** Thrown for a document APPEND to a key that holds something other than a list (or null). */
    public static final class NotAList extends Exception {
        private static final long serialVersionUID = 1L;

        NotAList(String message) {
            super(message, null, false, false);
        }
    }

    /** A document after an APPEND: the items (keys sorted) added to the end of the list at the field. */
    public static GenericRecord appendedDocument(GenericRecord current, StateDelta d) throws NotAList {
        ListAppend append = (ListAppend) d.getPayload();
        Schema valueSchema = current.getSchema().getField("json").schema().getValueType();
        Map<String, Object> json = strings((Map<?, ?>) current.get("json"));
        Object existing = json.get(append.getField());
        Object held = existing instanceof GenericRecord r ? r.get("v") : null;
        List<Object> list = new ArrayList<>();
        if (held instanceof List<?> items) {
            list.addAll(items);
        } else if (held != null) {
            throw new NotAList("field '" + append.getField() + "' holds " + jsonType(held));
        }
        for (String item : append.getJsonItems()) {
            list.add(value(parse(item, "json_items"), valueSchema));
        }
        GenericData.Record v = new GenericData.Record(valueSchema);
        v.put("v", list);
        json.put(append.getField(), v);
        return withJson(current, new TreeMap<>(json));
    }

    /** An APPEND's numbers. */
    public static List<Double> appendedNumbers(StateDelta d) {
        return ((ListAppend) d.getPayload()).getNumbers();
    }

    private static GenericRecord withJson(GenericRecord current, Map<String, Object> json) {
        GenericData.Record out = new GenericData.Record(current.getSchema());
        for (Schema.Field f : current.getSchema().getFields()) {
            out.put(f.pos(), current.get(f.pos()));
        }
        out.put("json", new LinkedHashMap<>(json));
        return out;
    }

    private static Map<String, Object> strings(Map<?, ?> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(k.toString(), v));
        return out;
    }

    /** The key fields a v1 envelope gives ({@code id}, {@code collection}) as the delta says them. */
    private static void putEnvelope(CollectionSpec c, StateDelta d, GenericData.Record item) {
        for (String key : envelopeKeys(c)) {
            item.put(key, key.equals("collection") ? d.getCollection() : d.getEntityId());
        }
    }

    /** A JSON object as a map of {@code simsnap.json.Value}s, the keys of every object sorted (String order). */
    private static Map<String, Object> document(JsonNode object, Schema itemSchema) {
        Schema valueSchema = itemSchema.getField("json").schema().getValueType();
        Map<String, Object> out = new LinkedHashMap<>();
        new TreeMap<String, JsonNode>(fields(object)).forEach((k, v) -> out.put(k, value(v, valueSchema)));
        return out;
    }

    private static Map<String, JsonNode> fields(JsonNode object) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** One JSON value as a {@code simsnap.json.Value} record. */
    private static GenericRecord value(JsonNode json, Schema valueSchema) {
        GenericData.Record record = new GenericData.Record(valueSchema);
        Object v;
        if (json.isNull()) {
            v = null;
        } else if (json.isBoolean()) {
            v = json.booleanValue();
        } else if (json.isIntegralNumber()) {
            if (json.canConvertToLong()) {
                v = json.longValue();
            } else {
                GenericData.Record big = new GenericData.Record(branch(valueSchema, Schema.Type.RECORD));
                big.put("decimal", json.bigIntegerValue().toString());
                v = big;
            }
        } else if (json.isNumber()) {
            v = json.doubleValue();
        } else if (json.isTextual()) {
            v = json.textValue();
        } else if (json.isArray()) {
            List<Object> items = new ArrayList<>(json.size());
            json.forEach(item -> items.add(value(item, valueSchema)));
            v = items;
        } else if (json.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            new TreeMap<String, JsonNode>(fields(json)).forEach((k, item) -> map.put(k, value(item, valueSchema)));
            v = map;
        } else {
            throw fail("json", "unsupported JSON value " + json.getNodeType());
        }
        record.put("v", v);
        return record;
    }

    private static Schema branch(Schema valueSchema, Schema.Type type) {
        for (Schema s : valueSchema.getField("v").schema().getTypes()) {
            if (s.getType() == type) {
                return s;
            }
        }
        throw new IllegalStateException("the JSON value schema has no " + type + " branch");
    }

    private static String jsonType(Object held) {
        if (held instanceof Map<?, ?>) {
            return "OBJECT";
        }
        if (held instanceof CharSequence) {
            return "STRING";
        }
        if (held instanceof Boolean) {
            return "BOOLEAN";
        }
        return "NUMBER";
    }

    // ---- model facts ---------------------------------------------------------------------------------------------

    private static boolean isDocument(CollectionSpec c) {
        return c.name().equals(LegacyKind.DOCUMENT);
    }

    private static Map<String, Facts> facts() {
        Map<String, Facts> out = new java.util.HashMap<>();
        for (CollectionSpec c : LegacyKind.model().collections()) {
            Schema payload = LegacyKind.payloadSchema(c);
            Set<String> names = new LinkedHashSet<>();
            for (LayoutEntry e : LegacyKind.model().layout()) {
                if (e.from().contains(c.name())) {
                    names.addAll(e.placeholders());
                }
            }
            out.put(c.name(), new Facts(c.key().stream().filter(k -> payload.getField(k) != null).toList(),
                    c.key().stream().filter(k -> payload.getField(k) == null).toList(), Set.copyOf(names)));
        }
        return out;
    }

    private static List<String> payloadKeys(CollectionSpec c) {
        return FACTS.get(c.name()).payloadKeys();
    }

    private static List<String> envelopeKeys(CollectionSpec c) {
        return FACTS.get(c.name()).envelopeKeys();
    }

    private static boolean isEnvelope(CollectionSpec c, String field) {
        return envelopeKeys(c).contains(field);
    }

    private static Set<String> fileNameValues(CollectionSpec c) {
        return FACTS.get(c.name()).fileNameValues();
    }

    private static boolean isNumberList(Schema schema) {
        for (Schema branch : schema.getType() == Schema.Type.UNION ? schema.getTypes() : List.of(schema)) {
            if (branch.getType() == Schema.Type.ARRAY && branch.getElementType().getType() == Schema.Type.DOUBLE) {
                return true;
            }
        }
        return false;
    }

    /** A canonical decimal int: {@code 0}, {@code 7}, {@code -12}, within int range. */
    private static boolean isIntId(String id) {
        if (!LegacyKind.isCanonicalInteger(id) || id.length() > 11) {
            return false;
        }
        try {
            Integer.parseInt(id);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    // ---- numbers and JSON ----------------------------------------------------------------------------------------

    /**
     * NaN and infinities have no JSON form: refused anywhere in an Avro value ({@link IllegalArgumentException}
     * naming {@code field}).
     */
    public static void requireFinite(Object value, String field) {
        if (value instanceof Double d && !Double.isFinite(d) || value instanceof Float f && !Float.isFinite(f)) {
            throw fail(field, "must be a finite number, got " + value);
        } else if (value instanceof IndexedRecord r) {
            for (Schema.Field f : r.getSchema().getFields()) {
                requireFinite(r.get(f.pos()), field);
            }
        } else if (value instanceof Map<?, ?> map) {
            // forEach, not values(): values() stores a view object in the map, a write into a possibly long-lived
            // payload (a producer's model) that the next young GC then has to scan.
            map.forEach((k, v) -> requireFinite(v, field));
        } else if (value instanceof java.util.Collection<?> items) {
            for (Object item : items) {
                requireFinite(item, field);
            }
        }
    }

    private static void requireFinite(JsonNode json, String field) {
        if (json.isFloatingPointNumber() && !Double.isFinite(json.doubleValue())) {
            throw fail(field, "JSON cannot hold " + json.doubleValue());
        }
        if (json.isContainerNode()) {
            json.forEach(item -> requireFinite(item, field));
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
            JsonNode node = JSON.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw fail(field, "is empty");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw fail(field, "is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static boolean hasControlCharacter(String id) {
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static String typeName(Object payload) {
        return payload == null ? "null" : payload instanceof IndexedRecord r ? r.getSchema().getName()
                : payload.getClass().getSimpleName();
    }

    private static IllegalArgumentException fail(String field, String problem) {
        return new IllegalArgumentException("field '" + field + "': " + problem);
    }
}
