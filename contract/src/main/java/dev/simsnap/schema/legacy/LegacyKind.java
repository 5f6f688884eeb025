package dev.simsnap.schema.legacy;

import dev.simsnap.model.BuiltInKinds;
import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.Shape;
import dev.simsnap.model.StateModel;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.StateDelta;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;

/**
 * The built-in legacy state model ({@code kinds/legacy/} in module contract) and how the records of the StateDelta
 * v1 contract ({@code entity_type} + {@code payload}, in runs whose {@code RunStarted.model} is null) map onto it.
 *
 * <ul>
 *   <li>Collections: each v1 {@link EntityType} is the collection named as the type in lower case ({@code PERSON}
 *       is {@code person}).</li>
 *   <li>Payload records: a collection's item schema has the full name of the v1 payload record it holds
 *       ({@link #payloadSchema}); the typed ones are that record exactly. A key field the payload record does not
 *       carry comes from the v1 envelope: {@code id} is the entity_id, {@code collection} the DOCUMENT collection.</li>
 *   <li>Item ids: a singleton's is {@code ""} (its v1 entity_id is the collection's name: {@code information},
 *       {@code market}); a document's is {@code <collection>/<entity_id>} (collections hold no {@code /}); any other
 *       is the v1 entity_id.</li>
 *   <li>Map order: items keep their maps in {@link #KEY_ORDER} and document objects in {@link String} order, the
 *       orders v1 wrote them in, so an item renders as v1 rendered it.</li>
 *   <li>Schema ids: legacy items are stored with <em>local</em> ids, {@code -1} for the schema of the model's first
 *       collection, {@code -2} for the second, and so on ({@link #schemaId}, {@link #schema}). Registries hand out
 *       positive ids, so a local id never names a registered schema, and keeping v1 history needs no registry write.
 *       Store values and checkpoints hold these ids: the descriptor's collections are only ever appended to.</li>
 * </ul>
 */
public final class LegacyKind {

    /**
     * The key order of v1 maps: keys that are canonical decimal integers ({@code 0}, {@code 7}, {@code -12}; never
     * {@code 007}, {@code +1}, {@code -0}) first, by numeric value (of any length), then every other key by
     * {@link String#compareTo}.
     */
    public static final Comparator<String> KEY_ORDER = LegacyKind::compareKeys;

    /** The collection of v1 DOCUMENT entities (JSON objects). */
    public static final String DOCUMENT = "document";

    private static final StateModel MODEL = BuiltInKinds.legacy();
    private static final List<CollectionSpec> COLLECTIONS = MODEL.collections();
    private static final Map<String, Schema> PAYLOADS = payloads();
    private static final Map<EntityType, CollectionSpec> BY_TYPE = byType();

    private LegacyKind() {
    }

    /** The legacy model. */
    public static StateModel model() {
        return MODEL;
    }

    /** The collection of a v1 entity type. */
    public static CollectionSpec collection(EntityType type) {
        return BY_TYPE.get(type);
    }

    /** The v1 entity_id of a singleton type ({@code information}, {@code market}): its collection's name. */
    public static String singletonId(EntityType type) {
        CollectionSpec c = collection(type);
        if (c.shape() != Shape.SINGLETON) {
            throw new IllegalArgumentException(type + " is not a singleton");
        }
        return c.name();
    }

    /** The v1 entity type of a legacy collection. */
    public static EntityType entityType(String collection) {
        return EntityType.valueOf(collection.toUpperCase(Locale.ROOT));
    }

    /** The item schema of a legacy collection (each has one). */
    public static Schema itemSchema(CollectionSpec collection) {
        return collection.latestSchema().orElseThrow();
    }

    /** The v1 payload record a collection's items are made from (the StateDelta payload branch of that name). */
    public static Schema payloadSchema(CollectionSpec collection) {
        return PAYLOADS.get(collection.name());
    }

    /** The local schema id the items of {@code collection} are stored with. */
    public static int schemaId(CollectionSpec collection) {
        int at = COLLECTIONS.indexOf(collection);
        if (at < 0) {
            throw new IllegalArgumentException(collection + " is not a legacy collection");
        }
        return -(at + 1);
    }

    /** The item schema with local id {@code id}, or null when {@code id} is not a local id. */
    public static Schema schema(int id) {
        int at = -id - 1;
        return id < 0 && at < COLLECTIONS.size() ? itemSchema(COLLECTIONS.get(at)) : null;
    }

    /** The id of the item a v1 delta addresses in its collection (see the class comment). */
    public static String itemId(StateDelta d) {
        return itemId(collection(d.getEntityType()), d.getEntityId(), d.getCollection());
    }

    /** The item id of v1 entity {@code entityId} (of DOCUMENT collection {@code documents}) in {@code collection}. */
    public static String itemId(CollectionSpec collection, String entityId, String documents) {
        if (collection.shape() == Shape.SINGLETON) {
            return "";
        }
        return collection.name().equals(DOCUMENT) ? documents + "/" + entityId : entityId;
    }

    /** A v1 entity's address: its type, its entity_id and (DOCUMENT) its collection. */
    public record Address(EntityType type, String entityId, String collection) {
    }

    /** The v1 address of item {@code itemId} of {@code collection} (the inverse of {@link #itemId}). */
    public static Address address(CollectionSpec collection, String itemId) {
        EntityType type = entityType(collection.name());
        if (collection.shape() == Shape.SINGLETON) {
            return new Address(type, collection.name(), null);
        }
        if (collection.name().equals(DOCUMENT)) {
            int cut = itemId.indexOf('/');
            return new Address(type, itemId.substring(cut + 1), itemId.substring(0, cut));
        }
        return new Address(type, itemId, null);
    }

    /**
     * What a legacy item shows as the v1 entity (its JSON in current-state records, REST reads and forks): a typed
     * item as a record of its v1 payload schema (a market index without {@code id}), a document as its JSON object
     * (a map of {@code simsnap.json.Value}s).
     */
    public static Object view(CollectionSpec collection, GenericRecord item) {
        if (collection.name().equals(DOCUMENT)) {
            return item.get("json");
        }
        Schema payload = payloadSchema(collection);
        if (payload.getFields().size() == item.getSchema().getFields().size()) {
            return item;
        }
        GenericData.Record view = new GenericData.Record(payload);
        for (Schema.Field f : payload.getFields()) {
            view.put(f.pos(), item.get(f.name()));
        }
        return view;
    }

    /**
     * {@code value} (an Avro value as the specific or generic readers make them) with every map, at any depth,
     * replaced by a copy in {@link #KEY_ORDER}; records are copied as {@link GenericData.Record}s of their schema,
     * lists holding a map or record copied, other values (lists of numbers or strings too) kept as they are.
     */
    public static Object sortedMaps(Object value) {
        if (value instanceof IndexedRecord r) {
            GenericData.Record copy = new GenericData.Record(r.getSchema());
            for (Schema.Field f : r.getSchema().getFields()) {
                copy.put(f.pos(), sortedMaps(r.get(f.pos())));
            }
            return copy;
        }
        if (value instanceof Map<?, ?> map) {
            return sortedMap(map);
        }
        if (value instanceof Collection<?> items) {
            if (!holdsContainers(items)) {
                return items; // a list of numbers or strings holds no map: nothing to order
            }
            List<Object> out = new ArrayList<>(items.size());
            items.forEach(v -> out.add(sortedMaps(v)));
            return out;
        }
        return value;
    }

    private static boolean holdsContainers(Collection<?> items) {
        for (Object v : items) {
            if (v instanceof Map<?, ?> || v instanceof IndexedRecord || v instanceof Collection<?>) {
                return true;
            }
        }
        return false;
    }

    /** Largest key the packed sort of {@link #sortedMap} takes (40 bits), and the index bits beside it. */
    private static final long PACKED_KEY_LIMIT = 1L << 40;
    private static final int INDEX_BITS = 23;

    /**
     * A copy of {@code map} in {@link #KEY_ORDER}. Maps keyed by stock id (every key a small non-negative canonical
     * integer) are sorted as packed primitives (key, position): the same order without classifying keys on every
     * comparison. Any other map goes through the comparator.
     */
    private static Map<String, Object> sortedMap(Map<?, ?> map) {
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
        String[] sortedKeys = new String[n];
        Object[] sortedValues = new Object[n];
        for (int j = 0; j < n; j++) {
            Object v = values[order[j]];
            sortedKeys[j] = keys[order[j]];
            sortedValues[j] = v instanceof Map<?, ?> || v instanceof IndexedRecord || v instanceof Collection<?>
                    ? sortedMaps(v) : v;
        }
        return new OrderedEntries(sortedKeys, sortedValues);
    }

    /**
     * A read-only map over two arrays, iterated in their order: what the Avro writer walks, made without hashing
     * every key (v1 maps are rebuilt for every change that carries one). Lookups are linear.
     */
    private static final class OrderedEntries extends java.util.AbstractMap<String, Object> {
        private final String[] keys;
        private final Object[] values;

        OrderedEntries(String[] keys, Object[] values) {
            this.keys = keys;
            this.values = values;
        }

        @Override
        public java.util.Set<Map.Entry<String, Object>> entrySet() {
            return new java.util.AbstractSet<>() {
                @Override
                public java.util.Iterator<Map.Entry<String, Object>> iterator() {
                    return new java.util.Iterator<>() {
                        private int at;

                        @Override
                        public boolean hasNext() {
                            return at < keys.length;
                        }

                        @Override
                        public Map.Entry<String, Object> next() {
                            if (at >= keys.length) {
                                throw new java.util.NoSuchElementException();
                            }
                            Map.Entry<String, Object> e = new java.util.AbstractMap.SimpleImmutableEntry<>(keys[at],
                                    values[at]);
                            at++;
                            return e;
                        }
                    };
                }

                @Override
                public int size() {
                    return keys.length;
                }
            };
        }
    }

    private static Map<EntityType, CollectionSpec> byType() {
        Map<EntityType, CollectionSpec> out = new java.util.EnumMap<>(EntityType.class);
        for (EntityType type : EntityType.values()) {
            out.put(type, MODEL.collection(type.name().toLowerCase(Locale.ROOT)).orElseThrow(
                    () -> new IllegalStateException("the legacy model has no collection for entity type " + type)));
        }
        return out;
    }

    private static Map<String, Schema> payloads() {
        Map<String, Schema> byName = new LinkedHashMap<>();
        for (Schema branch : StateDelta.getClassSchema().getField("payload").schema().getTypes()) {
            byName.put(branch.getFullName(), branch);
        }
        Map<String, Schema> out = new LinkedHashMap<>();
        for (CollectionSpec c : COLLECTIONS) {
            Schema payload = byName.get(itemSchema(c).getFullName());
            if (payload == null) {
                throw new IllegalStateException("legacy collection '" + c.name() + "' holds "
                        + itemSchema(c).getFullName() + ", which is no StateDelta v1 payload record");
            }
            out.put(c.name(), payload);
        }
        return out;
    }

    private static int compareKeys(String a, String b) {
        boolean na = isCanonicalInteger(a);
        boolean nb = isCanonicalInteger(b);
        if (na && nb) {
            boolean negA = a.startsWith("-");
            boolean negB = b.startsWith("-");
            if (negA != negB) {
                return negA ? -1 : 1;
            }
            int byLength = Integer.compare(a.length(), b.length());
            int magnitude = byLength != 0 ? byLength : a.compareTo(b);
            return negA ? -magnitude : magnitude;
        }
        if (na != nb) {
            return na ? -1 : 1;
        }
        return a.compareTo(b);
    }

    /** True for {@code "0"}, {@code "7"}, {@code "-12"}; never for {@code "007"}, {@code "+1"}, {@code "-0"}, {@code ""}. */
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
