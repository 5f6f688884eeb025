package dev.simsnap.model.item;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * The bodies of a {@code StateDelta} v2 {@code item} (see {@code docs/state-models.md}), without the Confluent
 * framing: pure Avro, no registry. The framing ({@code 0x00}, 4-byte schema id) is added and removed by the caller
 * ({@code dev.simsnap.serde.WireFormat} in module confluent).
 *
 * <h2>Bodies</h2>
 * Every body is the <em>standard</em> Avro binary encoding, so any language's Avro library can produce it:
 * <ul>
 *   <li>{@code UPSERT}: the whole item, encoded with the writer schema.</li>
 *   <li>{@code PATCH} with paths {@code p1..pn}: the value of each path, in order, each encoded with
 *       {@link #pathSchema pathSchema(writer, pi)} and concatenated; byte for byte the encoding of a record whose
 *       fields have those schemas, in that order.</li>
 *   <li>{@code APPEND} on path {@code p}: an Avro array whose items schema is the element type of the array at
 *       {@code p} (the path's schema is an array, or a union with exactly one array branch).</li>
 *   <li>{@code DELETE}: no body.</li>
 * </ul>
 *
 * <h2>Paths</h2>
 * A path is dot-separated non-empty segments. Each segment steps into a record by field name or into a map by key
 * ({@code identity.cash}: {@code identity} is a record field or a map key, {@code cash} a field of that record or a
 * key of that map). When the schema at a step is a union, the step goes into the single non-null branch that can take
 * it (a record that has that field, or a map); none or more than one such branch is an error. Map keys containing a
 * dot cannot be addressed. The value at a path may have any schema, unions included.
 *
 * <p>Decoded values follow Avro's generic representation: strings as {@link org.apache.avro.util.Utf8}, records as
 * {@link GenericRecord}, arrays as {@link GenericData.Array}, maps as {@link java.util.Map} with {@code Utf8} keys.
 *
 * <p>All methods are static, thread-safe, and throw {@link IllegalArgumentException} for a bad path, a value that
 * does not conform to the schema at its path ({@link GenericData#validate}), or a body that does not decode
 * (truncated, corrupt, trailing bytes); messages name the path and the schema.
 */
public final class ItemCodec {

    private static final int MAX_SCHEMA_TEXT = 300;

    private ItemCodec() {
    }

    // ---------------------------------------------------------------- paths

    /** The schema of the value at {@code dottedPath} in {@code itemSchema}; see the class comment for the rules. */
    public static Schema pathSchema(Schema itemSchema, String dottedPath) {
        return resolve(itemSchema, dottedPath).schema();
    }

    /**
     * Resolves {@code dottedPath} step by step in {@code itemSchema}.
     *
     * @throws IllegalArgumentException naming the path, the failing step and the schema there, when a segment is
     *                                  empty, a record has no such field, a union has no branch or several branches
     *                                  that can take the step, or a step is taken in a schema that is neither a
     *                                  record nor a map
     */
    public static ItemPath resolve(Schema itemSchema, String dottedPath) {
        Objects.requireNonNull(itemSchema, "itemSchema");
        if (dottedPath == null || dottedPath.isEmpty()) {
            throw new IllegalArgumentException("Empty path in item schema " + describe(itemSchema)
                    + ": a path names at least one record field or map key");
        }
        String[] segments = dottedPath.split("\\.", -1);
        List<ItemPath.Step> steps = new ArrayList<>(segments.length);
        Schema current = itemSchema;
        StringBuilder walked = new StringBuilder();
        for (String segment : segments) {
            if (segment.isEmpty()) {
                throw new IllegalArgumentException("Path '" + dottedPath + "' has an empty segment (item schema "
                        + describe(itemSchema) + ")");
            }
            Schema container = stepInto(current, segment, dottedPath, walked, itemSchema);
            if (container.getType() == Schema.Type.RECORD) {
                Schema.Field field = container.getField(segment);
                steps.add(new ItemPath.Step(segment, container, field, field.schema()));
                current = field.schema();
            } else {
                steps.add(new ItemPath.Step(segment, container, null, container.getValueType()));
                current = container.getValueType();
            }
            if (walked.length() > 0) {
                walked.append('.');
            }
            walked.append(segment);
        }
        return new ItemPath(itemSchema, dottedPath, steps);
    }

    /** The record or map (union narrowed) in which {@code segment} is taken from {@code schema}. */
    private static Schema stepInto(Schema schema, String segment, String path, CharSequence walked, Schema item) {
        switch (schema.getType()) {
            case RECORD:
                if (schema.getField(segment) == null) {
                    throw new IllegalArgumentException(where(path, segment, walked) + ": record " + describe(schema)
                            + " has no field '" + segment + "' (item schema " + item.getFullName() + ")");
                }
                return schema;
            case MAP:
                return schema;
            case UNION: {
                Schema found = null;
                int count = 0;
                for (Schema branch : schema.getTypes()) {
                    boolean takes = branch.getType() == Schema.Type.MAP
                            || branch.getType() == Schema.Type.RECORD && branch.getField(segment) != null;
                    if (takes) {
                        found = branch;
                        count++;
                    }
                }
                if (count == 1) {
                    return found;
                }
                throw new IllegalArgumentException(where(path, segment, walked) + ": "
                        + (count == 0 ? "no branch" : count + " branches (ambiguous)") + " of union "
                        + describe(schema) + " can take the step (a record with field '" + segment + "' or a map)"
                        + " (item schema " + item.getFullName() + ")");
            }
            default:
                throw new IllegalArgumentException(where(path, segment, walked) + ": the schema there is "
                        + describe(schema) + ", not a record or a map (item schema " + item.getFullName() + ")");
        }
    }

    private static String where(String path, String segment, CharSequence walked) {
        return "Path '" + path + "', step '" + segment + "' (at " + (walked.length() == 0 ? "the item root"
                : "'" + walked + "'") + ")";
    }

    /**
     * The array schema at {@code path} for an APPEND: the path's schema when it is an array, or the one array branch
     * of a union.
     *
     * @throws IllegalArgumentException when the path does not resolve, or its schema is neither an array nor a union
     *                                  with exactly one array branch
     */
    public static Schema appendArraySchema(Schema writer, String path) {
        return arrayOf(resolve(writer, path));
    }

    /** The array schema at a resolved path; see {@link #appendArraySchema}. */
    public static Schema arrayOf(ItemPath path) {
        Schema schema = path.schema();
        if (schema.getType() == Schema.Type.ARRAY) {
            return schema;
        }
        if (schema.getType() == Schema.Type.UNION) {
            Schema found = null;
            int count = 0;
            for (Schema branch : schema.getTypes()) {
                if (branch.getType() == Schema.Type.ARRAY) {
                    found = branch;
                    count++;
                }
            }
            if (count == 1) {
                return found;
            }
            throw new IllegalArgumentException("APPEND path '" + path.path() + "' is the union " + describe(schema)
                    + " with " + count + " array branches; it needs exactly one (item schema "
                    + path.itemSchema().getFullName() + ")");
        }
        throw new IllegalArgumentException("APPEND path '" + path.path() + "' is " + describe(schema)
                + ", not an array (item schema " + path.itemSchema().getFullName() + ")");
    }

    // ---------------------------------------------------------------- UPSERT

    /** The Avro binary encoding of {@code item} with {@code writer}. */
    public static byte[] encodeUpsert(Schema writer, GenericRecord item) {
        Objects.requireNonNull(item, "item");
        check(writer, item, "(the item)");
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        write(writer, item, encoder, "(the item)");
        flush(encoder);
        return out.toByteArray();
    }

    /** Decodes an UPSERT body written with {@code writer}. */
    public static GenericRecord decodeUpsert(Schema writer, byte[] body) {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(body, null);
        Object value = read(writer, decoder, "(the item)");
        requireEnd(decoder, body.length, "UPSERT body of " + writer.getFullName());
        if (!(value instanceof GenericRecord)) {
            throw new IllegalArgumentException("Item schema " + describe(writer) + " is not a record schema");
        }
        return (GenericRecord) value;
    }

    // ---------------------------------------------------------------- PATCH

    /**
     * The PATCH body: each value encoded with the schema at its path in {@code writer}, concatenated in order.
     *
     * @throws IllegalArgumentException when the lists differ in size, a path does not resolve, or a value does not
     *                                  conform to the schema at its path
     */
    public static byte[] encodePatch(Schema writer, List<String> paths, List<?> values) {
        if (paths.size() != values.size()) {
            throw new IllegalArgumentException("PATCH has " + paths.size() + " paths but " + values.size() + " values");
        }
        List<Schema> schemas = new ArrayList<>(paths.size());
        for (int i = 0; i < paths.size(); i++) {
            Schema s = pathSchema(writer, paths.get(i));
            check(s, values.get(i), paths.get(i));
            schemas.add(s);
        }
        return encodeResolvedPatch(paths, schemas, values);
    }

    /**
     * The PATCH body of values whose paths are resolved and checked already: {@code schemas.get(i)} is
     * {@link #pathSchema} of {@code paths.get(i)} in the writer, and {@code values.get(i)} conforms to it. The bytes
     * {@link #encodePatch} gives, without resolving and checking each path again (a worker that checks every value
     * before it encodes it did that work twice).
     *
     * @throws IllegalArgumentException when a value cannot be encoded with its schema
     */
    public static byte[] encodeResolvedPatch(List<String> paths, List<Schema> schemas, List<?> values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        for (int i = 0; i < paths.size(); i++) {
            write(schemas.get(i), values.get(i), encoder, paths.get(i));
        }
        flush(encoder);
        return out.toByteArray();
    }

    /**
     * Decodes a PATCH body: one value per path, each with the schema at its path in {@code writer}.
     *
     * @throws IllegalArgumentException when a path does not resolve or the body is not exactly those values
     */
    public static List<Object> decodePatch(Schema writer, List<String> paths, byte[] body) {
        List<Schema> schemas = new ArrayList<>(paths.size());
        for (String path : paths) {
            schemas.add(pathSchema(writer, path));
        }
        return decodeValues(schemas, paths, body, writer);
    }

    /** {@link #decodePatch} over already resolved paths (the caller caches them). */
    public static List<Object> decodePatch(List<ItemPath> paths, byte[] body) {
        List<Schema> schemas = new ArrayList<>(paths.size());
        List<String> names = new ArrayList<>(paths.size());
        for (ItemPath p : paths) {
            schemas.add(p.schema());
            names.add(p.path());
        }
        return decodeValues(schemas, names, body, paths.isEmpty() ? null : paths.get(0).itemSchema());
    }

    private static List<Object> decodeValues(List<Schema> schemas, List<String> paths, byte[] body, Schema writer) {
        Objects.requireNonNull(body, "body");
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(body, null);
        List<Object> values = new ArrayList<>(schemas.size());
        for (int i = 0; i < schemas.size(); i++) {
            values.add(read(schemas.get(i), decoder, paths.get(i)));
        }
        requireEnd(decoder, body.length, "PATCH body for paths " + paths
                + (writer == null ? "" : " of " + writer.getFullName()));
        return values;
    }

    // ---------------------------------------------------------------- APPEND

    /**
     * The APPEND body: {@code items} as an Avro array of the element type of the array at {@code path}.
     *
     * @throws IllegalArgumentException when the path does not resolve to an array (or a union with exactly one array
     *                                  branch), or an item does not conform to the element type
     */
    public static byte[] encodeAppend(Schema writer, String path, List<?> items) {
        Schema array = appendArraySchema(writer, path);
        Schema element = array.getElementType();
        // Checked item by item: one message for the bad one instead of a walk over the whole list.
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            if (!GenericData.get().validate(element, item)) {
                throw new IllegalArgumentException("APPEND path '" + path + "', item " + i + " (" + brief(item)
                        + ") does not conform to the element schema " + describe(element));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + items.size() * 8);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        write(array, items, encoder, path);
        flush(encoder);
        return out.toByteArray();
    }

    /** Decodes an APPEND body: the items to add to the array at {@code path}. */
    public static List<Object> decodeAppend(Schema writer, String path, byte[] body) {
        return decodeArray(appendArraySchema(writer, path), path, body);
    }

    /** Decodes an APPEND body with the array schema from {@link #appendArraySchema} (the caller caches it). */
    @SuppressWarnings("unchecked")
    public static List<Object> decodeArray(Schema arraySchema, String path, byte[] body) {
        Objects.requireNonNull(body, "body");
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(body, null);
        Object value = read(arraySchema, decoder, path);
        requireEnd(decoder, body.length, "APPEND body for path '" + path + "'");
        return (List<Object>) value;
    }

    // ---------------------------------------------------------------- helpers

    private static void check(Schema schema, Object value, String path) {
        if (!GenericData.get().validate(schema, value)) {
            throw new IllegalArgumentException("Value at path '" + path + "' (" + brief(value)
                    + ") does not conform to its schema " + describe(schema));
        }
    }

    private static void write(Schema schema, Object value, BinaryEncoder encoder, String path) {
        try {
            new GenericDatumWriter<>(schema, GenericData.get()).write(value, encoder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Value at path '" + path + "' cannot be encoded with "
                    + describe(schema) + ": " + e, e);
        }
    }

    private static Object read(Schema schema, BinaryDecoder decoder, String path) {
        try {
            return new GenericDatumReader<Object>(schema, schema, MapsInOrder.INSTANCE).read(null, decoder);
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new IllegalArgumentException("Body does not decode at path '" + path + "' with schema "
                    + describe(schema) + ": " + e, e);
        }
    }

    /**
     * Avro's generic data, except that maps decode as {@code LinkedHashMap}s: a PATCH or APPEND value that is (or
     * holds) a map keeps the order its entries were written in, which the entity it goes into keeps and renders.
     */
    private static final class MapsInOrder extends GenericData {
        static final MapsInOrder INSTANCE = new MapsInOrder();

        @Override
        public Object newMap(Object old, int size) {
            return new java.util.LinkedHashMap<>(Math.max(16, (int) (size / 0.75f) + 1));
        }
    }

    private static void requireEnd(BinaryDecoder decoder, int length, String what) {
        boolean end;
        try {
            end = decoder.isEnd();
        } catch (IOException e) {
            end = false;
        }
        if (!end) {
            throw new IllegalArgumentException(what + ": trailing bytes after the encoded values (body of " + length
                    + " bytes)");
        }
    }

    private static void flush(BinaryEncoder encoder) {
        try {
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A schema for a message: a named type by name (records with their fields), others as JSON, shortened. */
    static String describe(Schema schema) {
        String text;
        if (schema.getType() == Schema.Type.RECORD) {
            List<String> names = new ArrayList<>();
            schema.getFields().forEach(f -> names.add(f.name()));
            text = schema.getFullName() + " " + names;
        } else if (schema.getType() == Schema.Type.ENUM || schema.getType() == Schema.Type.FIXED) {
            text = schema.getFullName();
        } else {
            text = schema.toString();
        }
        return text.length() <= MAX_SCHEMA_TEXT ? text : text.substring(0, MAX_SCHEMA_TEXT) + "...";
    }

    private static String brief(Object value) {
        String text = value == null ? "null" : value.getClass().getSimpleName() + " " + value;
        return text.length() <= 120 ? text : text.substring(0, 120) + "...";
    }
}
