package dev.simsnap.producer;

import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.Shape;
import dev.simsnap.model.step.StepDigest;
import dev.simsnap.schema.delta.Operation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * One step (one save) of one worker of a v2 run: changes to the run's collections, validated and encoded as they
 * are added (an invalid change throws {@link IllegalArgumentException} naming collection and field and is not
 * kept), sent only by {@link #commit()}: every StateDelta v2 and the IterationCommitted in ONE Kafka transaction.
 * Nothing is sent before commit, so an abandoned step writes nothing. Not thread-safe.
 */
public final class Step {

    /** One change as it will be sent (and digested). */
    /**
     * Most encoded bytes of one change (the service holds an item whole while applying and rendering it); larger
     * changes are refused before anything is sent. Items grow past it by appends, which have no such limit.
     */
    public static final int MAX_ITEM_BYTES = 64 * 1024 * 1024;
    /** Most characters of an entity id (it is part of store and output keys; the service refuses longer ones). */
    public static final int MAX_ENTITY_ID_CHARS = 4096;

    record Change(String collection, String entityId, Operation op, List<String> fields, byte[] item) {
    }

    private final SimsnapWorker worker;
    private final CollectionSchemas schemas;
    private final long step;
    private final Map<String, Long> clock;
    private final List<Change> changes = new ArrayList<>();
    /** Each collection's latest registered version, fixed at its first use in the step (see {@link #latest}). */
    private final Map<String, CollectionSchemas.Writer> latest = new java.util.HashMap<>();
    private long latestAsOf = -1;
    /** This step's encoder: one buffer and encoder for all its changes. */
    private final ChangeEncoder encoder = new ChangeEncoder();
    private boolean done;

    Step(SimsnapWorker worker, CollectionSchemas schemas, long step, Map<String, Long> clock) {
        this.worker = worker;
        this.schemas = schemas;
        this.step = step;
        this.clock = java.util.Collections.unmodifiableMap(new TreeMap<>(clock));
    }

    /** The step number. */
    public long step() {
        return step;
    }

    /** The simulation's clock at this step. */
    public Map<String, Long> clock() {
        return clock;
    }

    /** Changes added so far. */
    public int size() {
        return changes.size();
    }

    List<Change> changes() {
        return changes;
    }

    // ---- keyed and singleton collections -----------------------------------------------------------------------

    /**
     * UPSERT: replaces the item. Keyed: entity id = the key field values joined by '/'; singleton: "". The writer
     * schema is the item's schema, which must be a registered version of the collection's subject or a branch of a
     * registered union (nothing is registered implicitly).
     */
    public Step upsert(String collection, GenericRecord item) {
        CollectionSpec spec = spec(collection, Shape.KEYED, Shape.SINGLETON);
        Objects.requireNonNull(item, "item");
        String id = spec.shape() == Shape.SINGLETON ? "" : keyOf(spec, item);
        return add(collection, id, Operation.UPSERT, List.of(), framedItem(collection, item));
    }

    /** PATCH: sets each dotted path to its value, encoded with the collection's latest registered schema. */
    public Step patch(String collection, String id, Map<String, ?> pathValues) {
        spec(collection, Shape.KEYED, Shape.SINGLETON);
        return patchWith(collection, checkId(collection, id), latest(collection), pathValues);
    }

    /** PATCH encoded with {@code writer}, which must be a registered version of the collection's subject. */
    public Step patch(String collection, String id, Schema writer, Map<String, ?> pathValues) {
        spec(collection, Shape.KEYED, Shape.SINGLETON);
        return patchWith(collection, checkId(collection, id), exact(collection, writer), pathValues);
    }

    /** APPEND: adds {@code items} to the end of the array at {@code path} (latest registered schema). */
    public Step append(String collection, String id, String path, List<?> items) {
        spec(collection, Shape.KEYED, Shape.SINGLETON);
        String entity = checkId(collection, id);
        CollectionSchemas.Writer w = latest(collection);
        requireOneRecord(collection, entity, w, "an APPEND");
        byte[] framed;
        try {
            framed = encoder.append(w.id(), w.schema(), path, items);
        } catch (IllegalArgumentException e) {
            throw bad(collection, entity, "field '" + path + "'", e);
        }
        return add(collection, entity, Operation.APPEND, List.of(path), framed);
    }

    /** DELETE of an item. */
    public Step delete(String collection, String id) {
        spec(collection, Shape.KEYED, Shape.SINGLETON);
        return add(collection, checkId(collection, id), Operation.DELETE, List.of(), null);
    }

    // ---- rows collections --------------------------------------------------------------------------------------

    /** Inserts (or replaces) row {@code rowId}: UPSERT with entity id = the row id in decimal. */
    public Step insertRow(String collection, long rowId, GenericRecord row) {
        spec(collection, Shape.ROWS);
        Objects.requireNonNull(row, "row");
        return add(collection, Long.toString(rowId), Operation.UPSERT, List.of(), framedItem(collection, row));
    }

    /** Updates columns of row {@code rowId}: PATCH with the columns as paths. */
    public Step updateRow(String collection, long rowId, Map<String, ?> columns) {
        spec(collection, Shape.ROWS);
        return patchWith(collection, Long.toString(rowId), latest(collection), columns);
    }

    /** Deletes row {@code rowId}. */
    public Step deleteRow(String collection, long rowId) {
        spec(collection, Shape.ROWS);
        return add(collection, Long.toString(rowId), Operation.DELETE, List.of(), null);
    }

    /**
     * Sends the step's StateDeltas and IterationCommitted in one transaction — or, for a re-sent step with the
     * content of the committed one, nothing (ALREADY_COMMITTED).
     *
     * @throws StepConflictException   when a step of this number was committed with different content
     * @throws IllegalArgumentException when the step is not the worker's next one
     */
    public StepResult commit() {
        if (done) {
            throw new IllegalStateException("step " + step + " was already committed");
        }
        StepResult result = worker.commitStep(this);
        done = true;
        return result;
    }

    /** The step's content digest (changes in order, then the clock). */
    byte[] digest() {
        StepDigest d = new StepDigest();
        for (Change c : changes) {
            d.change(c.collection(), c.entityId(), c.op().name(), c.fields(), c.item());
        }
        return d.finish(clock);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private Step patchWith(String collection, String id, CollectionSchemas.Writer writer, Map<String, ?> pathValues) {
        requireOneRecord(collection, id, writer, "a PATCH");
        if (pathValues == null || pathValues.isEmpty()) {
            throw new IllegalArgumentException("collection '" + collection + "', entity '" + id
                    + "': a patch sets at least one path");
        }
        int n = pathValues.size();
        String[] paths = new String[n];
        Object[] values = new Object[n];
        Schema[] at = new Schema[n];
        int i = 0;
        for (Map.Entry<String, ?> e : pathValues.entrySet()) {
            paths[i] = e.getKey();
            values[i] = e.getValue();
            try {
                Schema s = schemas.pathSchema(writer.schema(), paths[i]);
                if (!GenericData.get().validate(s, values[i])) {
                    throw new IllegalArgumentException("value " + brief(values[i]) + " does not match the schema "
                            + s + " at the path");
                }
                at[i] = s;
            } catch (IllegalArgumentException ex) {
                throw bad(collection, id, "field '" + paths[i] + "'", ex);
            }
            i++;
        }
        List<String> fields = List.of(paths); // immutable already: add() keeps it without a copy
        byte[] framed;
        try {
            // resolved and checked just above
            framed = encoder.patch(writer.id(), fields, Arrays.asList(at), Arrays.asList(values));
        } catch (IllegalArgumentException e) {
            throw bad(collection, id, "patch", e);
        }
        return add(collection, id, Operation.PATCH, fields, framed);
    }

    /**
     * The collection's latest registered version, as known at the step's first PATCH or APPEND of the collection (or
     * again after this worker registered a schema): asking the registry for every change made each change cost
     * registry round trips. The answer may be up to 1 s old ({@link CollectionSchemas#recentLatest}), so a version
     * another process registers is used from this worker's first step that begins up to 1 s later.
     */
    private CollectionSchemas.Writer latest(String collection) {
        long now = schemas.registrations();
        if (now != latestAsOf) {
            latest.clear();
            latestAsOf = now;
        }
        CollectionSchemas.Writer w = latest.get(collection);
        if (w == null) {
            w = schemas.recentLatest(collection);
            latest.put(collection, w);
        }
        return w;
    }

    /**
     * Refuses a PATCH or APPEND whose writer schema is a union of records (a collection of several classes, e.g. the
     * trading arena's Person | Broker): the service applies them only with one record schema and would dead-letter
     * the change after the step was committed, so it is refused here, before anything is sent.
     */
    private static void requireOneRecord(String collection, String id, CollectionSchemas.Writer w, String what) {
        if (w.schema().getType() == Schema.Type.UNION) {
            StringJoiner names = new StringJoiner(" | ");
            w.schema().getTypes().forEach(t -> names.add(t.getName()));
            throw new IllegalArgumentException("collection '" + collection + "', entity '" + id + "': its items are"
                    + " a union of records (" + names + "), and " + what + " needs one record schema: upsert the"
                    + " whole item instead");
        }
    }

    private CollectionSchemas.Writer exact(String collection, Schema writer) {
        CollectionSchemas.Writer w = schemas.writerFor(collection, writer);
        if (!w.schema().equals(writer)) {
            throw new IllegalArgumentException("collection '" + collection + "': patches are encoded with a registered"
                    + " version itself, not a branch of the registered union " + w.schema().getFullName()
                    + "; upsert the whole item instead");
        }
        return w;
    }

    private byte[] framedItem(String collection, GenericRecord item) {
        Schema schema = item.getSchema();
        String invalid = AvroValues.firstInvalid(schema, item, "");
        if (invalid != null) {
            throw new IllegalArgumentException("collection '" + collection + "': " + invalid);
        }
        CollectionSchemas.Writer w = schemas.writerFor(collection, schema);
        try {
            return encoder.upsert(w.id(), w.schema(), item); // checked just above, as encodeUpsert would
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("collection '" + collection + "': " + e.getMessage(), e);
        }
    }

    private static String keyOf(CollectionSpec spec, GenericRecord item) {
        StringJoiner id = new StringJoiner("/");
        for (String k : spec.key()) {
            if (item.getSchema().getField(k) == null || item.get(k) == null) {
                throw new IllegalArgumentException("collection '" + spec.name() + "': key field '" + k
                        + "' is missing from the item");
            }
            id.add(item.get(k).toString());
        }
        return id.toString();
    }

    private String checkId(String collection, String id) {
        CollectionSpec spec = schemas.spec(collection);
        if (spec.shape() == Shape.SINGLETON) {
            if (id != null && !id.isEmpty()) {
                throw new IllegalArgumentException("collection '" + collection + "' is a singleton: its entity id is \"\","
                        + " not '" + id + "'");
            }
            return "";
        }
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("collection '" + collection + "': field 'id' is required");
        }
        return id;
    }

    private CollectionSpec spec(String collection, Shape... shapes) {
        if (done) {
            throw new IllegalStateException("step " + step + " was already committed");
        }
        CollectionSpec spec = schemas.spec(collection);
        for (Shape s : shapes) {
            if (spec.shape() == s) {
                return spec;
            }
        }
        String hint = switch (spec.shape()) {
            case ROWS -> "use insertRow/updateRow/deleteRow";
            case GENERATIONS -> "use saveGeneration";
            default -> "use upsert/patch/append/delete";
        };
        throw new IllegalArgumentException("collection '" + collection + "' is " + spec.shape().label()
                + ": this operation is not for it (" + hint + ")");
    }

    private Step add(String collection, String id, Operation op, List<String> fields, byte[] item) {
        if (id.length() > MAX_ENTITY_ID_CHARS) {
            throw new IllegalArgumentException("collection '" + collection + "': the entity id has " + id.length()
                    + " characters; at most " + MAX_ENTITY_ID_CHARS);
        }
        if (item != null && item.length > MAX_ITEM_BYTES) {
            throw new IllegalArgumentException("collection '" + collection + "', entity '" + brief(id) + "': the "
                    + "change encodes to " + item.length + " bytes; at most " + MAX_ITEM_BYTES + " per change");
        }
        changes.add(new Change(collection, id, op, List.copyOf(fields), item)); // List.of lists are kept, not copied
        return this;
    }

    private static IllegalArgumentException bad(String collection, String id, String what, IllegalArgumentException e) {
        return new IllegalArgumentException("collection '" + collection + "', entity '" + id + "', " + what + ": "
                + e.getMessage(), e);
    }

    private static String brief(Object v) {
        String s = v == null ? "null" : v.getClass().getSimpleName() + " " + v;
        return s.length() <= 100 ? s : s.substring(0, 100) + "...";
    }
}
