package dev.simsnap.render.layout;

import dev.simsnap.engine.entity.SchemaLookup;
import dev.simsnap.engine.entity.StoredEntity;
import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.LayoutEntry;
import dev.simsnap.model.StateModel;
import dev.simsnap.render.json.JsonFormat;
import dev.simsnap.render.json.JsonWriter;
import dev.simsnap.render.json.OrderedGenericDatumReader;
import dev.simsnap.render.sqlite.SqliteRow;
import dev.simsnap.render.sqlite.SqliteTable;
import dev.simsnap.render.sqlite.SqliteTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;

/**
 * Renders a run's snapshot files from its state model's layout: relative path to bytes.
 *
 * <p>Every item is decoded with its own writer schema, so items written with different versions of a collection's
 * schema render each in its own shape. Records of the JSON value type {@code simsnap.json.Value} render as the value
 * they hold. The result depends only on the view's contents and the model: the same history gives the same bytes.
 * A collection without items writes no file (a run that never saved it has nothing to show).
 */
public final class LayoutRenderer {

    /** Full name of the record type that holds any JSON value (see the built-in descriptors). */
    public static final String JSON_VALUE = "simsnap.json.Value";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern SAFE_SEGMENT = Pattern.compile("[A-Za-z0-9_@-][A-Za-z0-9._@-]{0,199}");

    private final StateModel model;
    private final SchemaLookup schemas;
    private final Map<Integer, OrderedGenericDatumReader<Object>> readers = new ConcurrentHashMap<>();

    public LayoutRenderer(StateModel model, SchemaLookup schemas) {
        this.model = model;
        this.schemas = schemas;
    }

    /** Every file of the layout for {@code view}, by relative path, in path order. */
    public SortedMap<String, byte[]> render(RunView view) {
        SortedMap<String, byte[]> files = new TreeMap<>();
        for (LayoutEntry e : model.layout()) {
            switch (e.render()) {
                case JSON -> renderJson(e, view, files);
                case JSON_EACH -> renderEach(e, view, files);
                case GENERATIONS -> renderGenerations(e, view, files);
                case SQLITE -> renderSqlite(e, view, files);
            }
        }
        return files;
    }

    private void renderJson(LayoutEntry e, RunView view, Map<String, byte[]> files) {
        String name = e.from().get(0);
        CollectionSpec c = model.collection(name).orElseThrow();
        List<RunView.Item> items = view.items(name);
        JsonWriter writer = writer(e);
        if (!e.placeholders().isEmpty()) {
            // One file per group of items that fill the path in alike, each group in the collection's order.
            Map<String, List<RunView.Item>> groups = new LinkedHashMap<>();
            for (RunView.Item item : items) {
                String path = fill(e, null, -1, null, decode(item.value()));
                groups.computeIfAbsent(path, p -> new ArrayList<>()).add(item);
            }
            groups.forEach((path, group) -> {
                Object content = content(e, c, group, view);
                if (content != null) {
                    put(files, path, writer.toBytes(content));
                }
            });
            return;
        }
        if (items.isEmpty() && !writtenWhenEmpty(e, view)) {
            return;
        }
        Object content = content(e, c, items, view);
        if (content != null) {
            files.put(e.path(), writer.toBytes(content));
        }
    }

    /** Whether an entry whose collection has no items is written anyway ({@code "write_if"}). */
    private static boolean writtenWhenEmpty(LayoutEntry e, RunView view) {
        List<String> when = e.options().writeIf();
        if (when == null) {
            return false;
        }
        return when.isEmpty() || when.stream().anyMatch(other -> !view.items(other).isEmpty());
    }

    /**
     * What a json entry writes for {@code items}: a singleton's item (its fills alone when absent), else an array or
     * an object of them; null when a singleton's selected field is absent.
     */
    private Object content(LayoutEntry e, CollectionSpec c, List<RunView.Item> items, RunView view) {
        if (c.shape() == dev.simsnap.model.Shape.SINGLETON) {
            Object item = items.isEmpty() ? absent(c) : decode(items.get(0).value());
            return project(e, filled(e, item, view));
        }
        if (e.as() == LayoutEntry.As.OBJECT) {
            Map<String, Object> byId = new LinkedHashMap<>();
            for (RunView.Item item : items) {
                Object decoded = decode(item.value());
                Object v = project(e, filled(e, decoded, view));
                if (v != null || e.select().isEmpty()) {
                    byId.put(objectKey(e, item, decoded), v);
                }
            }
            return byId;
        }
        List<Object> list = new ArrayList<>();
        for (RunView.Item item : items) {
            Object v = project(e, filled(e, decode(item.value()), view));
            if (v != null || e.select().isEmpty()) {
                list.add(v);
            }
        }
        return list;
    }

    /** The key of an item in an {@code "as": "object"} file: its entity id, or the field {@code "object_key"} names. */
    private static String objectKey(LayoutEntry e, RunView.Item item, Object decoded) {
        String field = e.options().objectKey();
        if (field == null) {
            return item.id();
        }
        if (!(decoded instanceof GenericRecord r) || r.getSchema().getField(field) == null || r.get(field) == null) {
            throw new IllegalStateException("layout entry " + e.path() + ": item '" + item.id() + "' has no "
                    + field + " to key it by");
        }
        return r.get(field).toString();
    }

    /** An absent singleton: a record of its newest declared schema with every field null (fills apply to it). */
    private static Object absent(CollectionSpec c) {
        Schema schema = c.latestSchema().orElse(null);
        return schema == null || schema.getType() != Schema.Type.RECORD ? null
                : new org.apache.avro.generic.GenericData.Record(schema);
    }

    /** The item with the entry's {@code "fill"} values in its null fields (a copy; the item itself is unchanged). */
    private static Object filled(LayoutEntry e, Object item, RunView view) {
        Map<String, String> fill = e.options().fill();
        if (fill.isEmpty() || !(item instanceof GenericRecord r)) {
            return item;
        }
        org.apache.avro.generic.GenericData.Record copy = new org.apache.avro.generic.GenericData.Record(
                r.getSchema());
        for (Schema.Field f : r.getSchema().getFields()) {
            copy.put(f.pos(), r.get(f.pos()));
        }
        fill.forEach((field, source) -> {
            Schema.Field f = r.getSchema().getField(field);
            if (f != null && copy.get(f.pos()) == null) {
                copy.put(f.pos(), source.equals("step") ? (Object) view.step()
                        : view.clock().get(source.substring("clock.".length())));
            }
        });
        return copy;
    }

    private void renderEach(LayoutEntry e, RunView view, Map<String, byte[]> files) {
        List<RunView.Item> items = view.items(e.from().get(0));
        JsonWriter writer = writer(e);
        for (int position = 0; position < items.size(); position++) {
            RunView.Item item = items.get(position);
            Object value = decode(item.value());
            Object content = project(e, filled(e, value, view));
            if (content == null) {
                continue;
            }
            String path = items.size() == 1 && e.options().singlePath() != null ? e.options().singlePath()
                    : fill(e, item.id(), position, null, value);
            put(files, path, writer.toBytes(content));
        }
    }

    private void renderGenerations(LayoutEntry e, RunView view, Map<String, byte[]> files) {
        JsonWriter writer = writer(e);
        for (Map.Entry<Long, List<StoredEntity>> g : view.generations(e.from().get(0)).entrySet()) {
            List<Object> members = new ArrayList<>();
            for (StoredEntity m : g.getValue()) {
                Object v = project(e, decode(m));
                if (v != null || e.select().isEmpty()) {
                    members.add(v);
                }
            }
            put(files, fill(e, null, -1, g.getKey(), null), writer.toBytes(members));
        }
    }

    private void renderSqlite(LayoutEntry e, RunView view, Map<String, byte[]> files) {
        List<SqliteTable> tables = new ArrayList<>();
        for (String name : e.from()) {
            List<RunView.Item> items = view.items(name);
            // A table's newest schema version is the one with the highest id among its rows (registry ids only grow
            // within a subject); with no rows, the declared one.
            Schema newest = null;
            int newestId = Integer.MIN_VALUE;
            List<SqliteRow> rows = new ArrayList<>();
            for (RunView.Item item : items) {
                StoredEntity v = item.value();
                if (v.schemaId() > newestId) {
                    newestId = v.schemaId();
                    newest = schema(v.schemaId());
                }
                rows.add(new SqliteRow(Long.parseLong(item.id()), (GenericRecord) decode(v)));
            }
            if (newest == null) {
                newest = model.collection(name).orElseThrow().latestSchema().orElse(null);
                if (newest == null) {
                    continue;
                }
            }
            tables.add(SqliteTable.of(newest, rows));
        }
        if (tables.isEmpty()) {
            return;
        }
        try {
            Path dir = Files.createTempDirectory("simsnap-sqlite");
            try {
                Path db = dir.resolve("data.db");
                SqliteTables.write(db, tables);
                files.put(e.path(), Files.readAllBytes(db));
            } finally {
                try (var paths = Files.walk(dir)) {
                    for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("writing " + e.path() + ": " + ex.getMessage(), ex);
        }
    }

    private static void put(Map<String, byte[]> files, String path, byte[] bytes) {
        if (files.putIfAbsent(path, bytes) != null) {
            throw new IllegalStateException("two items render to the same file " + path
                    + ": the layout's placeholders do not tell them apart");
        }
    }

    /** The path with its placeholders filled; a value that could leave the folder is refused. */
    private static String fill(LayoutEntry e, String id, int position, Long generation, Object item) {
        Matcher m = PLACEHOLDER.matcher(e.path());
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value = switch (name) {
                case "key" -> id;
                case "position" -> position < 0 ? null : Integer.toString(position);
                case "generation" -> generation == null ? null : Long.toString(generation);
                case "class" -> item instanceof GenericRecord r ? r.getSchema().getName() : null;
                default -> item instanceof GenericRecord r && r.getSchema().getField(name) != null
                        && r.get(name) != null ? r.get(name).toString() : null;
            };
            if (value == null) {
                throw new IllegalStateException("layout path " + e.path() + ": no value for {" + name + "}");
            }
            value = value.replace('/', '_');
            if (!SAFE_SEGMENT.matcher(value).matches()) {
                throw new IllegalStateException("layout path " + e.path() + ": {" + name + "} = '" + value
                        + "' is not a safe file name part");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The item as the entry writes it: whole, its selected field, or its listed fields. */
    private static Object project(LayoutEntry e, Object item) {
        if (e.select().isPresent()) {
            if (!(item instanceof GenericRecord r) || r.getSchema().getField(e.select().get()) == null) {
                return null;
            }
            return JsonValues.unwrap(r.get(e.select().get()));
        }
        if (e.fields().isPresent() && item instanceof GenericRecord r) {
            Map<String, Object> projected = new LinkedHashMap<>();
            for (String f : e.fields().get()) {
                if (r.getSchema().getField(f) != null && (r.get(f) != null || !e.options().omitNullFields())) {
                    projected.put(f, JsonValues.unwrap(r.get(f)));
                }
            }
            return projected;
        }
        return JsonValues.unwrap(item);
    }

    private JsonWriter writer(LayoutEntry e) {
        JsonFormat format;
        if (e.format() == LayoutEntry.Format.CANONICAL) {
            format = e.indent().isPresent() ? JsonFormat.canonical() : JsonFormat.canonicalCompact();
            format = format.trailingNewline(e.trailingNewline());
        } else {
            format = JsonFormat.python(e.indent().orElse(null)).ensureAscii(e.ensureAscii())
                    .trailingNewline(e.trailingNewline());
        }
        return JsonWriter.of(format.omitNullFields(e.options().omitNullFields()));
    }

    private Object decode(StoredEntity value) {
        OrderedGenericDatumReader<Object> reader = readers.computeIfAbsent(value.schemaId(),
                id -> new OrderedGenericDatumReader<>(schema(id)));
        try {
            return reader.read(null, DecoderFactory.get().binaryDecoder(value.body(), null));
        } catch (IOException | RuntimeException ex) {
            throw new IllegalStateException("item with schema id " + value.schemaId() + " does not decode: "
                    + ex.getMessage(), ex);
        }
    }

    private Schema schema(int id) {
        Schema s = schemas.byId(id);
        if (s == null) {
            throw new IllegalStateException("schema id " + id + " is not in the registry");
        }
        return s;
    }
}
