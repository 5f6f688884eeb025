package dev.simsnap.engine.entity;

import dev.simsnap.engine.entity.RejectedChange.Reason;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.model.item.ItemPath;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Applies one {@link Change} to one stored entity, on Avro (see "Stores hold Avro" in {@code docs/state-models.md}).
 *
 * <ul>
 *   <li>{@code UPSERT}: the result is the change's body under the change's writer schema id, as given (not decoded,
 *       not re-encoded). The writer id must be known and a record schema.</li>
 *   <li>{@code PATCH}: the entity must exist ({@code patch-missing-entity}). It is decoded with its own schema and,
 *       when that is not the change's writer schema, resolved to the writer schema (Avro schema resolution; a pair
 *       Avro cannot resolve is {@code schema-not-resolvable}). Each path is then set, in order, to its value:
 *       records by field, maps by key (a missing key is created). A path through a missing container (a null in a
 *       union, a missing map key, another union branch) creates it: an empty map, or a record of its fields'
 *       defaults ({@code bad-path} when a field has none). The result is re-encoded with the writer schema and
 *       carries the writer id.</li>
 *   <li>{@code APPEND}: the entity must exist ({@code append-missing-entity}); resolved as for PATCH; the path is an
 *       array, or a union with exactly one array branch (a null there, or a missing map key, starts an empty
 *       array); the items are appended; re-encoded with the writer schema, writer id.</li>
 *   <li>{@code DELETE}: the result is {@code null}. The entity must exist ({@code delete-missing-entity}): a step's
 *       deltas are applied once (a re-sent step is recognised by its digest before), so deleting nothing means the
 *       producer's view of the state is wrong, which is worth saying rather than hiding.</li>
 * </ul>
 * Every refusal is a {@link RejectedChange} with a {@link Reason}; the stored entity is then left as it was.
 *
 * <p>Speed: schemas, resolved paths, datum readers (per schema and per schema pair), datum writers and the
 * compatibility verdict of each schema pair are cached; entities whose id equals the writer id are decoded without
 * resolution. Everything is streamed Avro binary (no JSON), so entities with millions of array items work; Avro
 * 1.12 decodes arrays of primitives into primitive-backed arrays. Thread-safe.
 */
public final class EntityOps {

    private final SchemaLookup schemas;
    /**
     * Decodes maps as {@code LinkedHashMap}s: an entity is decoded, changed and encoded again, and its maps must keep
     * the order their entries were written in (a Python dict's order, which the snapshot renders), where Avro's own
     * {@code HashMap} would re-encode them in hash order.
     */
    private static final GenericData MAPS_IN_ORDER = dev.simsnap.render.json.OrderedGenericDatumReader.Data.get();

    private final ConcurrentMap<Integer, Codec> codecs = new ConcurrentHashMap<>();
    private final ConcurrentMap<Long, Resolution> resolutions = new ConcurrentHashMap<>();

    public EntityOps(SchemaLookup schemas) {
        this.schemas = Objects.requireNonNull(schemas, "schemas");
    }

    /**
     * The entity after {@code change}; {@code null} when the change deletes it.
     *
     * @param current the stored entity, or null when there is none
     * @throws RejectedChange when the change cannot be applied (see the class comment)
     */
    public StoredEntity apply(StoredEntity current, Change change) {
        Applied applied = applyDecoded(current, change);
        return applied == null ? null : applied.entity();
    }

    /**
     * The entity after {@code change}, as {@link #apply} gives it, together with its value: the record this call
     * decoded (UPSERT, while checking the body) or changed (PATCH, APPEND) and encoded into {@code entity}. That
     * value is what decoding the entity's body with its writer schema would give (maps in their written order), so
     * a caller that shows the entity can render it without decoding the body again. {@code null} when the change
     * deletes the entity.
     *
     * @throws RejectedChange when the change cannot be applied (see the class comment)
     */
    public Applied applyDecoded(StoredEntity current, Change change) {
        Objects.requireNonNull(change, "change");
        switch (change.op()) {
            case UPSERT:
                return upsert(change);
            case DELETE:
                return delete(current, change);
            case PATCH:
                return patch(current, change);
            case APPEND:
                return append(current, change);
            default:
                throw new IllegalArgumentException("unknown op " + change.op());
        }
    }

    /**
     * An applied change's result: the entity to store and its decoded value. The value belongs to the caller (no
     * later call of this class reads or changes it); it must not be changed while it is meant to equal the entity.
     */
    public record Applied(StoredEntity entity, GenericRecord value) {
    }

    // ---------------------------------------------------------------- ops

    private Applied upsert(Change change) {
        requireShape(change, change.paths().isEmpty(), "UPSERT takes no paths");
        requireShape(change, change.bodyArray() != null, "UPSERT needs a body");
        Schema schema = schemas.byId(change.writerSchemaId());
        if (schema == null) {
            throw new RejectedChange(Reason.UNKNOWN_SCHEMA, "the writer schema id " + change.writerSchemaId()
                    + " is not in the registry");
        }
        if (!isItemSchema(schema)) {
            throw new RejectedChange(Reason.BAD_CHANGE, "the writer schema id " + change.writerSchemaId() + " is a "
                    + schema.getType() + " schema; items are records or unions of records");
        }
        // Checked here, not when the item is next read: a stored body that does not decode would fail every later
        // render of the run (its current-state record, snapshots), and the apply step itself.
        GenericRecord value;
        try {
            value = ItemCodec.decodeUpsert(schema, change.bodyArray());
        } catch (IllegalArgumentException e) {
            throw new RejectedChange(Reason.BAD_BODY, "UPSERT body (" + change.bodyArray().length + " bytes) with"
                    + " writer schema id " + change.writerSchemaId() + ": " + e.getMessage(), e);
        }
        return new Applied(StoredEntity.owning(change.writerSchemaId(), change.bodyArray()), value);
    }

    /** A record, or a union of records (a collection holding objects of several classes, e.g. Person | Broker). */
    private static boolean isItemSchema(Schema schema) {
        return schema.getType() == Schema.Type.RECORD || schema.getType() == Schema.Type.UNION
                && schema.getTypes().stream().allMatch(t -> t.getType() == Schema.Type.RECORD);
    }

    private static Applied delete(StoredEntity current, Change change) {
        requireShape(change, change.paths().isEmpty(), "DELETE takes no paths");
        if (current == null) {
            throw new RejectedChange(Reason.DELETE_MISSING_ENTITY, "DELETE of an entity that does not exist");
        }
        return null;
    }

    private Applied patch(StoredEntity current, Change change) {
        requireShape(change, !change.paths().isEmpty(), "PATCH needs at least one path");
        requireShape(change, change.bodyArray() != null, "PATCH needs a body");
        if (current == null) {
            throw new RejectedChange(Reason.PATCH_MISSING_ENTITY, "PATCH " + change.paths()
                    + " of an entity that does not exist");
        }
        Codec writer = codec(change.writerSchemaId(), "writer");
        List<ItemPath> paths = new ArrayList<>(change.paths().size());
        for (String p : change.paths()) {
            paths.add(writer.path(p));
        }
        List<Object> values;
        try {
            values = ItemCodec.decodePatch(paths, change.bodyArray());
        } catch (IllegalArgumentException e) {
            throw new RejectedChange(Reason.BAD_BODY, "PATCH body (" + change.bodyArray().length + " bytes) for "
                    + change.paths() + " with writer schema id " + writer.id + ": " + e.getMessage(), e);
        }
        GenericRecord entity = decodeAs(current, writer);
        for (int i = 0; i < paths.size(); i++) {
            ItemPath path = paths.get(i);
            Object container = walkToParent(entity, path);
            put(container, path.last(), values.get(i));
        }
        return new Applied(StoredEntity.owning(writer.id, writer.encode(entity,
                current.bodyLength() + change.bodyArray().length + 16)), entity);
    }

    private Applied append(StoredEntity current, Change change) {
        requireShape(change, change.paths().size() == 1, "APPEND needs exactly one path");
        requireShape(change, change.bodyArray() != null, "APPEND needs a body");
        String p = change.paths().get(0);
        if (current == null) {
            throw new RejectedChange(Reason.APPEND_MISSING_ENTITY, "APPEND to '" + p
                    + "' of an entity that does not exist");
        }
        Codec writer = codec(change.writerSchemaId(), "writer");
        ItemPath path = writer.path(p);
        Schema arraySchema = writer.array(path);
        List<Object> items;
        try {
            items = ItemCodec.decodeArray(arraySchema, p, change.bodyArray());
        } catch (IllegalArgumentException e) {
            throw new RejectedChange(Reason.BAD_BODY, "APPEND body (" + change.bodyArray().length + " bytes) for '"
                    + p + "' with writer schema id " + writer.id + ": " + e.getMessage(), e);
        }
        GenericRecord entity = decodeAs(current, writer);
        Object container = walkToParent(entity, path);
        Object existing = get(container, path.last());
        if (existing instanceof List<?>) {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) existing;
            list.addAll(items);
        } else {
            // Null (or another union branch, or a missing map key): the array starts here.
            @SuppressWarnings("unchecked")
            List<Object> fresh = (List<Object>) GenericData.get().newArray(null, items.size(), arraySchema);
            fresh.addAll(items);
            put(container, path.last(), fresh);
        }
        return new Applied(StoredEntity.owning(writer.id, writer.encode(entity,
                current.bodyLength() + change.bodyArray().length + 16)), entity);
    }

    private static void requireShape(Change change, boolean ok, String rule) {
        if (!ok) {
            throw new RejectedChange(Reason.BAD_CHANGE, rule + ": " + change);
        }
    }

    // ---------------------------------------------------------------- decoding, resolution

    /** The stored entity as a record of the writer schema: decoded directly, or resolved from its own schema. */
    private GenericRecord decodeAs(StoredEntity current, Codec writer) {
        GenericDatumReader<Object> reader;
        if (current.schemaId() == writer.id) {
            reader = writer.sameReader;
        } else {
            Codec stored = codec(current.schemaId(), "stored entity's");
            reader = resolution(stored, writer).reader();
        }
        byte[] body = current.bodyArray();
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(body, null);
        try {
            return (GenericRecord) reader.read(null, decoder);
        } catch (AvroTypeException e) {
            throw new RejectedChange(Reason.SCHEMA_NOT_RESOLVABLE, "stored entity (schema id "
                    + current.schemaId() + ") does not resolve to writer schema id " + writer.id + ": "
                    + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new RejectedChange(Reason.CORRUPT_ENTITY, "stored entity body (" + body.length + " bytes, schema id "
                    + current.schemaId() + ") does not decode: " + e, e);
        }
    }

    private Resolution resolution(Codec from, Codec to) {
        long key = ((long) from.id << 32) | (to.id & 0xFFFFFFFFL);
        Resolution r = resolutions.get(key);
        if (r == null) {
            SchemaCompatibility.SchemaPairCompatibility pair =
                    SchemaCompatibility.checkReaderWriterCompatibility(to.schema, from.schema);
            r = pair.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE
                    ? new Resolution(new GenericDatumReader<>(from.schema, to.schema, MAPS_IN_ORDER), null)
                    : new Resolution(null, "schema id " + from.id + " (" + from.schema.getFullName()
                    + ") cannot be resolved to writer schema id " + to.id + ": "
                    + pair.getResult().getIncompatibilities());
            resolutions.putIfAbsent(key, r);
        }
        return r;
    }

    /** A cached verdict for one (stored id, writer id) pair: a resolving reader, or why there is none. */
    private record Resolution(GenericDatumReader<Object> resolver, String problem) {
        GenericDatumReader<Object> reader() {
            if (resolver == null) {
                throw new RejectedChange(Reason.SCHEMA_NOT_RESOLVABLE, problem);
            }
            return resolver;
        }
    }

    private Codec codec(int id, String role) {
        Codec c = codecs.get(id);
        if (c != null) {
            return c;
        }
        Schema schema = schemas.byId(id);
        if (schema == null) {
            throw new RejectedChange(Reason.UNKNOWN_SCHEMA, "the " + role + " schema id " + id
                    + " is not in the registry");
        }
        if (schema.getType() == Schema.Type.UNION && isItemSchema(schema)) {
            throw new RejectedChange(Reason.BAD_CHANGE, "the " + role + " schema id " + id + " is a union of records"
                    + " (several classes in one collection): PATCH and APPEND need one record schema; UPSERT the item");
        }
        if (schema.getType() != Schema.Type.RECORD) {
            throw new RejectedChange(Reason.BAD_CHANGE, "the " + role + " schema id " + id + " is a "
                    + schema.getType() + " schema; items are records");
        }
        Codec created = new Codec(id, schema);
        Codec raced = codecs.putIfAbsent(id, created);
        return raced != null ? raced : created;
    }

    /** What one schema id needs, made once: datum reader and writer, resolved paths, append array schemas. */
    private static final class Codec {
        final int id;
        final Schema schema;
        final GenericDatumReader<Object> sameReader;
        final GenericDatumWriter<Object> writer;
        private final ConcurrentMap<String, Object> paths = new ConcurrentHashMap<>();
        private final ConcurrentMap<String, Object> arrays = new ConcurrentHashMap<>();

        Codec(int id, Schema schema) {
            this.id = id;
            this.schema = schema;
            this.sameReader = new GenericDatumReader<>(schema, schema, MAPS_IN_ORDER);
            this.writer = new GenericDatumWriter<>(schema, GenericData.get());
        }

        /** The resolved path; a path that does not resolve is remembered too (as its message). */
        ItemPath path(String dotted) {
            Object p = paths.computeIfAbsent(dotted, d -> {
                try {
                    return ItemCodec.resolve(schema, d);
                } catch (IllegalArgumentException e) {
                    return e.getMessage();
                }
            });
            if (p instanceof String message) {
                throw new RejectedChange(Reason.BAD_PATH, "writer schema id " + id + ": " + message);
            }
            return (ItemPath) p;
        }

        Schema array(ItemPath path) {
            Object a = arrays.computeIfAbsent(path.path(), d -> {
                try {
                    return ItemCodec.arrayOf(path);
                } catch (IllegalArgumentException e) {
                    return e.getMessage();
                }
            });
            if (a instanceof String message) {
                throw new RejectedChange(Reason.BAD_PATH, "writer schema id " + id + ": " + message);
            }
            return (Schema) a;
        }

        byte[] encode(GenericRecord entity, int sizeHint) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, sizeHint));
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            try {
                writer.write(entity, encoder);
                encoder.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }
    }

    // ---------------------------------------------------------------- walking values

    /**
     * The record or map that holds the path's last step, creating missing containers on the way (see the class
     * comment).
     */
    private static Object walkToParent(GenericRecord entity, ItemPath path) {
        Object container = entity;
        List<ItemPath.Step> steps = path.steps();
        for (int i = 0; i < steps.size() - 1; i++) {
            ItemPath.Step step = steps.get(i);
            Schema next = steps.get(i + 1).container();
            Object child = get(container, step);
            if (!isA(child, next)) {
                child = create(next, path);
                put(container, step, child);
            }
            container = child;
        }
        return container;
    }

    private static boolean isA(Object value, Schema containerSchema) {
        if (containerSchema.getType() == Schema.Type.MAP) {
            return value instanceof Map<?, ?>;
        }
        return value instanceof GenericRecord r && r.getSchema().getFullName().equals(containerSchema.getFullName());
    }

    private static Object create(Schema containerSchema, ItemPath path) {
        if (containerSchema.getType() == Schema.Type.MAP) {
            return new LinkedHashMap<Utf8, Object>();
        }
        GenericData.Record record = new GenericData.Record(containerSchema);
        for (Schema.Field f : containerSchema.getFields()) {
            Object defaultValue;
            try {
                defaultValue = GenericData.get().getDefaultValue(f);
            } catch (AvroRuntimeException e) {
                throw new RejectedChange(Reason.BAD_PATH, "path '" + path.path() + "' goes through a missing "
                        + containerSchema.getFullName() + " record, which cannot be created: field '" + f.name()
                        + "' has no default", e);
            }
            // Avro caches default values per field: copy so that later puts do not change the cached one.
            record.put(f.pos(), GenericData.get().deepCopy(f.schema(), defaultValue));
        }
        return record;
    }

    private static Object get(Object container, ItemPath.Step step) {
        if (step.isMapKey()) {
            Map<?, ?> map = (Map<?, ?>) container;
            Object v = map.get(new Utf8(step.name()));
            // Maps Avro decodes have Utf8 keys; a map built from a schema default may have String keys.
            return v != null ? v : map.get(step.name());
        }
        return ((GenericRecord) container).get(step.name());
    }

    @SuppressWarnings("unchecked")
    private static void put(Object container, ItemPath.Step step, Object value) {
        if (step.isMapKey()) {
            Map<Object, Object> map = (Map<Object, Object>) container;
            map.remove(step.name());
            map.put(new Utf8(step.name()), value);
        } else {
            ((GenericRecord) container).put(step.name(), value);
        }
    }
}
