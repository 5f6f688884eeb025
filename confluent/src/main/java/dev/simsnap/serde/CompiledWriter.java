package dev.simsnap.serde;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.Encoder;

/**
 * Writes generated (specific) records with exactly the encoder calls, and so exactly the bytes, of Avro's
 * {@code SpecificDatumWriter} for the same writer schema, but with the schema interpreted once: {@link #compile}
 * turns the schema into a tree of nodes, one per schema node, each handling one Java type.
 *
 * <p>Why: on the producer's hot path {@code SpecificDatumWriter} spends most of its time re-reading the schema for
 * every value (union branch chosen by type name, conversion look-ups, a type switch), and it iterates maps through
 * {@code entrySet()}, which on a {@code TreeMap}/{@code HashMap} allocates a view and stores it in the map. When the
 * map is long-lived (already in the old generation) that store is an old-to-young reference the next young GC must
 * scan; with many such maps those scans dominated the pauses. Here maps of those JDK classes are walked with
 * {@link Map#forEach}, which allocates nothing and writes nothing into the map (their {@code forEach} visits entries
 * in the same order as their {@code entrySet()} iterator).
 *
 * <p>Exactness: each node accepts only the Java types for which {@code SpecificDatumWriter} makes the same encoder
 * calls: {@code String} for string, {@code Integer} int, {@code Long} long, {@code Float} float, {@code Double}
 * double, {@code Boolean} boolean, {@code Enum} enum (its ordinal), {@code ByteBuffer} bytes (its remaining bytes,
 * position unchanged), {@code IndexedRecord} whose schema has the record's full name, {@code Collection} array,
 * {@code Map} with {@code String} keys. Anything else (a
 * {@code Utf8}, a {@code null} where the schema has no null, a collection whose size changes while it is written,
 * any exception) makes {@link #write} return false, and the caller encodes the datum again from scratch with
 * Avro's writer, so unusual data still gets Avro's own bytes or Avro's own exception. Schemas with logical types
 * or fixed are not compiled at all ({@link #compile} returns null).
 *
 * <p>Immutable once compiled (apart from benign caches of already verified schema instances); thread-safe.
 */
final class CompiledWriter {

    private final Node root;

    private CompiledWriter(Node root) {
        this.root = root;
    }

    /**
     * Compiles {@code schema}; {@code model} resolves union branches of non-record values (as the Avro writer built
     * on it would). Returns null when the schema has a logical type or fixed anywhere.
     */
    static CompiledWriter compile(Schema schema, GenericData model) {
        if (!supported(schema, new IdentityHashMap<>())) {
            return null;
        }
        return new CompiledWriter(node(schema, model, new IdentityHashMap<>()));
    }

    /**
     * Writes {@code datum} to {@code out}. Returns false when the datum must be left to Avro's writer; {@code out}
     * then holds part of a datum and must be discarded.
     *
     * @throws IOException when {@code out} fails
     */
    boolean write(Object datum, Encoder out) throws IOException {
        try {
            root.write(datum, out);
            return true;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean supported(Schema schema, IdentityHashMap<Schema, Boolean> seen) {
        if (schema.getLogicalType() != null) {
            return false;
        }
        switch (schema.getType()) {
            case FIXED:
                return false;
            case RECORD:
                if (seen.put(schema, Boolean.TRUE) != null) {
                    return true; // recursive reference: checked where it started
                }
                for (Schema.Field field : schema.getFields()) {
                    if (!supported(field.schema(), seen)) {
                        return false;
                    }
                }
                return true;
            case ARRAY:
                return supported(schema.getElementType(), seen);
            case MAP:
                return supported(schema.getValueType(), seen);
            case UNION:
                for (Schema branch : schema.getTypes()) {
                    if (!supported(branch, seen)) {
                        return false;
                    }
                }
                return true;
            default:
                return true;
        }
    }

    private static Node node(Schema schema, GenericData model, IdentityHashMap<Schema, RecordNode> records) {
        switch (schema.getType()) {
            case NULL:
                return NULL;
            case BOOLEAN:
                return BOOLEAN;
            case INT:
                return INT;
            case LONG:
                return LONG;
            case FLOAT:
                return FLOAT;
            case DOUBLE:
                return DOUBLE;
            case STRING:
                return STRING;
            case BYTES:
                return BYTES;
            case ENUM:
                return ENUM;
            case ARRAY:
                return new ArrayNode(node(schema.getElementType(), model, records));
            case MAP:
                return new MapNode(node(schema.getValueType(), model, records));
            case RECORD: {
                RecordNode known = records.get(schema);
                if (known != null) {
                    return known;
                }
                RecordNode record = new RecordNode(schema);
                records.put(schema, record); // before the fields, so a recursive schema finds it
                List<Schema.Field> fields = schema.getFields();
                int[] positions = new int[fields.size()];
                Node[] nodes = new Node[fields.size()];
                for (int i = 0; i < nodes.length; i++) {
                    positions[i] = fields.get(i).pos();
                    nodes[i] = node(fields.get(i).schema(), model, records);
                }
                record.init(positions, nodes);
                return record;
            }
            case UNION: {
                List<Schema> branches = schema.getTypes();
                Node[] nodes = new Node[branches.size()];
                for (int i = 0; i < nodes.length; i++) {
                    nodes[i] = node(branches.get(i), model, records);
                }
                if (branches.size() == 2 && (branches.get(0).getType() == Schema.Type.NULL)
                        != (branches.get(1).getType() == Schema.Type.NULL)) {
                    int nullIndex = branches.get(0).getType() == Schema.Type.NULL ? 0 : 1;
                    return new NullableNode(nullIndex, 1 - nullIndex, nodes[1 - nullIndex]);
                }
                return new UnionNode(schema, nodes, model);
            }
            default:
                throw new IllegalArgumentException("not compiled: " + schema.getType());
        }
    }

    /** Writes one value of one schema node; throws (any RuntimeException) when the value is left to Avro. */
    private interface Node {
        void write(Object datum, Encoder out) throws IOException;
    }

    /** The "leave it to Avro" signal: preallocated and without a stack trace, since it is control flow. */
    private static final class LeaveToAvro extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LeaveToAvro() {
            super("left to Avro's writer", null, false, false);
        }
    }

    private static final LeaveToAvro LEAVE = new LeaveToAvro();

    // Avro writes a null-typed value with writeNull whatever it is; a non-null one is left to Avro's judgement.
    private static final Node NULL = (datum, out) -> {
        if (datum != null) {
            throw LEAVE;
        }
        out.writeNull();
    };

    private static final Node BOOLEAN = (datum, out) -> {
        if (!(datum instanceof Boolean)) {
            throw LEAVE;
        }
        out.writeBoolean((Boolean) datum);
    };

    private static final Node INT = (datum, out) -> {
        if (!(datum instanceof Integer)) {
            throw LEAVE;
        }
        out.writeInt((Integer) datum);
    };

    private static final Node LONG = (datum, out) -> {
        if (!(datum instanceof Long)) {
            throw LEAVE;
        }
        out.writeLong((Long) datum);
    };

    private static final Node FLOAT = (datum, out) -> {
        if (!(datum instanceof Float)) {
            throw LEAVE;
        }
        out.writeFloat((Float) datum);
    };

    private static final Node DOUBLE = (datum, out) -> {
        if (!(datum instanceof Double)) {
            throw LEAVE;
        }
        out.writeDouble((Double) datum);
    };

    private static final Node STRING = (datum, out) -> {
        if (!(datum instanceof String)) {
            throw LEAVE;
        }
        out.writeString((String) datum);
    };

    // GenericDatumWriter.writeBytes: Encoder.writeBytes(ByteBuffer), the bytes from position to limit.
    private static final Node BYTES = (datum, out) -> {
        if (!(datum instanceof java.nio.ByteBuffer)) {
            throw LEAVE;
        }
        out.writeBytes((java.nio.ByteBuffer) datum);
    };

    // SpecificDatumWriter writes any java.lang.Enum as its ordinal (generated enums list the symbols in order).
    private static final Node ENUM = (datum, out) -> {
        if (!(datum instanceof Enum)) {
            throw LEAVE;
        }
        out.writeEnum(((Enum<?>) datum).ordinal());
    };

    /** Fields in schema order, each read by position, as GenericDatumWriter.writeRecord does. */
    private static final class RecordNode implements Node {
        private final Schema schema;
        private final String fullName;
        private int[] positions;
        private Node[] fields;
        // A datum schema instance already seen to carry fullName. Generated classes parse their own copy of nested
        // schemas, so identity with `schema` rarely holds; racy but only ever set to a verified instance.
        private Schema verified;

        RecordNode(Schema schema) {
            this.schema = schema;
            this.fullName = schema.getFullName();
        }

        void init(int[] positions, Node[] fields) {
            this.positions = positions;
            this.fields = fields;
        }

        @Override
        public void write(Object datum, Encoder out) throws IOException {
            if (!(datum instanceof IndexedRecord)) {
                throw LEAVE;
            }
            IndexedRecord record = (IndexedRecord) datum;
            Schema own = record.getSchema();
            if (own != schema && own != verified) {
                if (!fullName.equals(own.getFullName())) {
                    throw LEAVE;
                }
                verified = own;
            }
            for (int i = 0; i < fields.length; i++) {
                fields[i].write(record.get(positions[i]), out);
            }
        }
    }

    /** {@code ["null", T]} or {@code [T, "null"]}: the branch follows from null-ness alone. */
    private static final class NullableNode implements Node {
        private final int nullIndex;
        private final int valueIndex;
        private final Node value;

        NullableNode(int nullIndex, int valueIndex, Node value) {
            this.nullIndex = nullIndex;
            this.valueIndex = valueIndex;
            this.value = value;
        }

        @Override
        public void write(Object datum, Encoder out) throws IOException {
            if (datum == null) {
                out.writeIndex(nullIndex);
                out.writeNull();
            } else {
                // A value of another type than T is rejected by T's node, and Avro then reports it.
                out.writeIndex(valueIndex);
                value.write(datum, out);
            }
        }
    }

    /** Any other union: records by full name (as GenericData.resolveUnion), other values through the model. */
    private static final class UnionNode implements Node {
        private final Schema union;
        private final Node[] branches;
        private final GenericData model;

        UnionNode(Schema union, Node[] branches, GenericData model) {
            this.union = union;
            this.branches = branches;
            this.model = model;
        }

        @Override
        public void write(Object datum, Encoder out) throws IOException {
            int index;
            if (datum instanceof IndexedRecord) {
                Integer named = union.getIndexNamed(((IndexedRecord) datum).getSchema().getFullName());
                if (named == null) {
                    throw LEAVE;
                }
                index = named;
            } else {
                index = model.resolveUnion(union, datum);
            }
            out.writeIndex(index);
            branches[index].write(datum, out);
        }
    }

    /** Item count, the items, end marker, as GenericDatumWriter.writeArray. */
    private static final class ArrayNode implements Node {
        private final Node element;

        ArrayNode(Node element) {
            this.element = element;
        }

        @Override
        public void write(Object datum, Encoder out) throws IOException {
            if (!(datum instanceof Collection)) {
                throw LEAVE;
            }
            Collection<?> items = (Collection<?>) datum;
            int size = items.size();
            out.writeArrayStart();
            out.setItemCount(size);
            if (items instanceof List && items instanceof RandomAccess) {
                List<?> list = (List<?>) items;
                for (int i = 0; i < size; i++) {
                    out.startItem();
                    element.write(list.get(i), out);
                }
                if (list.size() != size) {
                    throw LEAVE;
                }
            } else {
                int written = 0;
                for (Object item : items) {
                    out.startItem();
                    element.write(item, out);
                    written++;
                }
                if (written != size) {
                    throw LEAVE;
                }
            }
            out.writeArrayEnd();
        }
    }

    /** Item count, key/value pairs, end marker, as GenericDatumWriter.writeMap. */
    private static final class MapNode implements Node {
        private final Node value;

        MapNode(Node value) {
            this.value = value;
        }

        @Override
        public void write(Object datum, Encoder out) throws IOException {
            if (!(datum instanceof Map)) {
                throw LEAVE;
            }
            Map<?, ?> map = (Map<?, ?>) datum;
            int size = map.size();
            out.writeMapStart();
            out.setItemCount(size);
            Class<?> type = map.getClass();
            int written;
            if (type == TreeMap.class || type == HashMap.class || type == LinkedHashMap.class) {
                Entries entries = new Entries(out, value);
                map.forEach(entries); // no entrySet view stored in the (possibly old) map
                written = entries.written;
            } else {
                written = 0;
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    writeEntry(entry.getKey(), entry.getValue(), out, value);
                    written++;
                }
            }
            if (written != size) {
                throw LEAVE;
            }
            out.writeMapEnd();
        }

        static void writeEntry(Object key, Object item, Encoder out, Node value) throws IOException {
            if (!(key instanceof String)) {
                throw LEAVE;
            }
            out.startItem();
            out.writeString((String) key);
            value.write(item, out);
        }
    }

    private static final class Entries implements BiConsumer<Object, Object> {
        private final Encoder out;
        private final Node value;
        int written;

        Entries(Encoder out, Node value) {
            this.out = out;
            this.value = value;
        }

        @Override
        public void accept(Object key, Object item) {
            try {
                MapNode.writeEntry(key, item, out, value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            written++;
        }
    }
}
