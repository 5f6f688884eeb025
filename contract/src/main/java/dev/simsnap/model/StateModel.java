package dev.simsnap.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A kind of simulation's declared state: its collections, the compatibility level its subjects evolve under, the
 * names of its own clock fields and the layout of its snapshot folders. See {@code docs/state-models.md}.
 *
 * <p>Immutable. {@link #parse} reads a descriptor ({@code kind.json}); {@link #toJson()} writes the self-contained
 * form a run records in {@code RunStarted.model} (schemas inline), which {@link #parse} reads back to an equal model.
 */
public final class StateModel {

    private static final Pattern KIND = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final Set<String> TOP_FIELDS = Set.of("kind", "doc", "compatibility", "clock", "collections",
            "layout");
    private static final Set<String> COLLECTION_FIELDS = Set.of("name", "shape", "key", "order", "schemas",
            "compatibility", "doc");
    private static final Set<String> LAYOUT_FIELDS = Set.of("path", "render", "from", "as", "format", "indent",
            "trailing_newline", "ensure_ascii", "fields", "select", "omit_null_fields", "fill", "write_if",
            "object_key", "single_path", "doc");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String kind;
    private final String doc;
    private final String compatibility;
    private final List<String> clock;
    private final Map<String, CollectionSpec> collections;
    private final List<LayoutEntry> layout;

    private StateModel(String kind, String doc, String compatibility, List<String> clock,
                       Map<String, CollectionSpec> collections, List<LayoutEntry> layout) {
        this.kind = kind;
        this.doc = doc;
        this.compatibility = compatibility;
        this.clock = List.copyOf(clock);
        this.collections = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(collections));
        this.layout = List.copyOf(layout);
    }

    /** Builds and checks a model (every layout entry's collections exist and have a shape it can render). */
    public static StateModel of(String kind, String doc, String compatibility, List<String> clock,
                                List<CollectionSpec> collections, List<LayoutEntry> layout) {
        if (kind == null || !KIND.matcher(kind).matches()) {
            throw new IllegalArgumentException("kind '" + kind + "' must be 1-64 characters of [a-z0-9-], starting"
                    + " with a letter or digit");
        }
        Map<String, CollectionSpec> byName = new LinkedHashMap<>();
        for (CollectionSpec c : collections) {
            if (byName.put(c.name(), c) != null) {
                throw new IllegalArgumentException("kind '" + kind + "': collection '" + c.name() + "' is declared twice");
            }
            if (!c.subject().equals(CollectionSpec.subjectOf(kind, c.name()))) {
                throw new IllegalArgumentException("collection '" + c.name() + "' belongs to another kind");
            }
        }
        if (byName.isEmpty()) {
            throw new IllegalArgumentException("kind '" + kind + "' declares no collection");
        }
        if (Set.copyOf(clock).size() != clock.size()) {
            throw new IllegalArgumentException("kind '" + kind + "': clock fields repeat: " + clock);
        }
        Set<String> paths = new java.util.HashSet<>();
        for (LayoutEntry e : layout) {
            if (!paths.add(e.path())) {
                throw new IllegalArgumentException("kind '" + kind + "': layout path '" + e.path() + "' appears twice");
            }
            for (String name : e.from()) {
                CollectionSpec c = byName.get(name);
                if (c == null) {
                    throw new IllegalArgumentException("layout entry '" + e.path() + "' names collection '" + name
                            + "', which kind '" + kind + "' does not declare");
                }
                checkRenderable(e, c);
            }
            List<String> writeIf = e.options().writeIf();
            for (String name : writeIf == null ? List.<String>of() : writeIf) {
                if (!byName.containsKey(name)) {
                    throw new IllegalArgumentException("layout entry '" + e.path() + "': \"write_if\" names collection '"
                            + name + "', which kind '" + kind + "' does not declare");
                }
            }
        }
        return new StateModel(kind, doc == null ? "" : doc,
                Compatibility.check(compatibility == null ? Compatibility.DEFAULT : compatibility), clock,
                byName, layout);
    }

    private static void checkRenderable(LayoutEntry e, CollectionSpec c) {
        boolean ok = switch (e.render()) {
            case JSON -> c.shape() != Shape.GENERATIONS;
            case JSON_EACH -> c.shape() == Shape.KEYED || c.shape() == Shape.ROWS;
            case SQLITE -> c.shape() == Shape.ROWS;
            case GENERATIONS -> c.shape() == Shape.GENERATIONS;
        };
        if (!ok) {
            throw new IllegalArgumentException("layout entry '" + e.path() + "': " + e.render().label()
                    + " cannot render collection '" + c.name() + "' of shape " + c.shape().label());
        }
    }

    /**
     * Reads a descriptor.
     *
     * @param descriptor the descriptor's JSON text
     * @param files      reads a schema file named in {@code "schemas"} (a path relative to the descriptor); inline
     *                   schemas (JSON objects or arrays) need no file
     * @throws IllegalArgumentException naming what is wrong and where
     */
    public static StateModel parse(String descriptor, Function<String, String> files) {
        JsonNode root;
        try {
            root = MAPPER.readTree(descriptor);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("descriptor is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("descriptor must be a JSON object");
        }
        unknownFields(root, TOP_FIELDS, "descriptor");
        String kind = text(root, "kind", true, "descriptor");
        List<CollectionSpec> collections = new ArrayList<>();
        JsonNode cs = root.path("collections");
        if (!cs.isArray()) {
            throw new IllegalArgumentException("kind '" + kind + "': \"collections\" must be an array");
        }
        for (JsonNode c : cs) {
            collections.add(parseCollection(kind, c, files));
        }
        List<LayoutEntry> layout = new ArrayList<>();
        JsonNode ls = root.path("layout");
        if (!ls.isMissingNode() && !ls.isArray()) {
            throw new IllegalArgumentException("kind '" + kind + "': \"layout\" must be an array");
        }
        for (JsonNode l : ls) {
            layout.add(parseLayout(l));
        }
        return of(kind, text(root, "doc", false, "descriptor"), text(root, "compatibility", false, "descriptor"),
                strings(root, "clock", "descriptor"), collections, layout);
    }

    private static CollectionSpec parseCollection(String kind, JsonNode c, Function<String, String> files) {
        if (!c.isObject()) {
            throw new IllegalArgumentException("kind '" + kind + "': each collection must be a JSON object");
        }
        String name = text(c, "name", true, "collection");
        String where = "collection '" + name + "'";
        unknownFields(c, COLLECTION_FIELDS, where);
        Shape shape = Shape.parse(text(c, "shape", true, where));
        String order = text(c, "order", false, where);
        List<Schema> schemas = new ArrayList<>();
        JsonNode ss = c.path("schemas");
        if (!ss.isMissingNode() && !ss.isArray()) {
            throw new IllegalArgumentException(where + ": \"schemas\" must be an array");
        }
        for (JsonNode s : ss) {
            String text;
            String source;
            if (s.isTextual()) {
                source = s.asText();
                text = Objects.requireNonNull(files.apply(source), () -> where + ": schema file " + source + " not found");
            } else if (s.isObject() || s.isArray()) {
                source = "inline schema";
                text = s.toString();
            } else {
                throw new IllegalArgumentException(where + ": a schema is a file name or an inline Avro schema");
            }
            try {
                schemas.add(new Schema.Parser().parse(text));
            } catch (SchemaParseException | NullPointerException e) {
                // Avro 1.12 reports an unknown type name as a NullPointerException ("Unknown schema: ...").
                throw new IllegalArgumentException(where + ": " + source + " is not a valid Avro schema: "
                        + e.getMessage());
            }
        }
        return CollectionSpec.of(kind, name, shape, strings(c, "key", where),
                order == null ? null : Order.parse(order), schemas, text(c, "compatibility", false, where));
    }

    private static LayoutEntry parseLayout(JsonNode l) {
        if (!l.isObject()) {
            throw new IllegalArgumentException("each layout entry must be a JSON object");
        }
        String path = text(l, "path", true, "layout entry");
        String where = "layout entry '" + path + "'";
        unknownFields(l, LAYOUT_FIELDS, where);
        Render render = Render.parse(text(l, "render", true, where));
        JsonNode fromNode = l.path("from");
        List<String> from = fromNode.isTextual() ? List.of(fromNode.asText()) : strings(l, "from", where);
        String as = text(l, "as", false, where);
        String format = text(l, "format", false, where);
        Integer indent = 2;
        if (l.has("indent")) {
            JsonNode i = l.get("indent");
            if (!i.isNull() && !i.isInt()) {
                throw new IllegalArgumentException(where + ": \"indent\" must be a whole number or null");
            }
            indent = i.isNull() ? null : i.asInt();
        }
        List<String> fields = l.has("fields") ? strings(l, "fields", where) : null;
        return LayoutEntry.of(path, render, from,
                as == null ? null : LayoutEntry.As.valueOf(enumName(as, where, "as", "array", "object")),
                format == null ? null : LayoutEntry.Format.valueOf(enumName(format, where, "format", "python",
                        "canonical")),
                indent, bool(l, "trailing_newline", false, where), bool(l, "ensure_ascii", true, where), fields,
                text(l, "select", false, where), new LayoutEntry.Options(bool(l, "omit_null_fields", false, where),
                        fill(l, where), writeIf(l, where), text(l, "object_key", false, where),
                        text(l, "single_path", false, where)));
    }

    private static Map<String, String> fill(JsonNode l, String where) {
        JsonNode f = l.get("fill");
        Map<String, String> out = new LinkedHashMap<>();
        if (f == null || f.isNull()) {
            return out;
        }
        if (!f.isObject()) {
            throw new IllegalArgumentException(where + ": \"fill\" must be an object of field to \"step\" or"
                    + " \"clock.<field>\"");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = f.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new IllegalArgumentException(where + ": \"fill\" of '" + e.getKey() + "' must be a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** {@code "write_if"}: absent (null), {@code "always"} (an empty list) or a list of collections. */
    private static List<String> writeIf(JsonNode l, String where) {
        JsonNode w = l.get("write_if");
        if (w == null || w.isNull()) {
            return null;
        }
        if (w.isTextual()) {
            if (!w.asText().equals("always")) {
                throw new IllegalArgumentException(where + ": \"write_if\" must be \"always\" or a list of"
                        + " collections");
            }
            return List.of();
        }
        return strings(l, "write_if", where);
    }

    private static String enumName(String value, String where, String field, String... allowed) {
        if (!List.of(allowed).contains(value)) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" must be one of " + List.of(allowed));
        }
        return value.toUpperCase(java.util.Locale.ROOT);
    }

    private static void unknownFields(JsonNode node, Set<String> known, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new IllegalArgumentException(where + ": unknown field \"" + f + "\"");
            }
        }
    }

    private static String text(JsonNode node, String field, boolean required, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException(where + ": \"" + field + "\" is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" must be a string");
        }
        return v.asText();
    }

    private static boolean bool(JsonNode node, String field, boolean dflt, String where) {
        JsonNode v = node.get(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" must be true or false");
        }
        return v.asBoolean();
    }

    private static List<String> strings(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : v) {
            if (!s.isTextual()) {
                throw new IllegalArgumentException(where + ": \"" + field + "\" must be an array of strings");
            }
            out.add(s.asText());
        }
        return out;
    }

    /**
     * Reads the descriptor {@code kind.json} in {@code directory}, with the schema files it names beside it.
     *
     * @throws java.io.UncheckedIOException when the descriptor cannot be read
     */
    public static StateModel load(java.nio.file.Path directory) {
        java.nio.file.Path dir = directory.toAbsolutePath().normalize();
        String descriptor;
        try {
            descriptor = java.nio.file.Files.readString(dir.resolve("kind.json"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + dir.resolve("kind.json"), e);
        }
        return parse(descriptor, file -> {
            java.nio.file.Path p = dir.resolve(file).normalize();
            if (!p.startsWith(dir) || !java.nio.file.Files.isRegularFile(p)) {
                return null;
            }
            try {
                return java.nio.file.Files.readString(p);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot read " + p, e);
            }
        });
    }

    /** The self-contained form (schemas inline), as compact JSON with a fixed field order. */
    public String toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("kind", kind);
        if (!doc.isEmpty()) {
            root.put("doc", doc);
        }
        root.put("compatibility", compatibility);
        ArrayNode clockNode = root.putArray("clock");
        clock.forEach(clockNode::add);
        ArrayNode cs = root.putArray("collections");
        for (CollectionSpec c : collections.values()) {
            ObjectNode cn = cs.addObject();
            cn.put("name", c.name());
            cn.put("shape", c.shape().label());
            if (!c.key().isEmpty()) {
                ArrayNode k = cn.putArray("key");
                c.key().forEach(k::add);
            }
            if (c.order() != Order.KEY) {
                cn.put("order", c.order().label());
            }
            c.compatibility().ifPresent(level -> cn.put("compatibility", level));
            ArrayNode ss = cn.putArray("schemas");
            for (Schema s : c.schemas()) {
                try {
                    ss.add(MAPPER.readTree(s.toString()));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        ArrayNode ls = root.putArray("layout");
        for (LayoutEntry e : layout) {
            ObjectNode ln = ls.addObject();
            ln.put("path", e.path());
            ln.put("render", e.render().label());
            ArrayNode from = ln.putArray("from");
            e.from().forEach(from::add);
            ln.put("as", e.as().name().toLowerCase(java.util.Locale.ROOT));
            ln.put("format", e.format().name().toLowerCase(java.util.Locale.ROOT));
            if (e.indent().isPresent()) {
                ln.put("indent", e.indent().get());
            } else {
                ln.putNull("indent");
            }
            ln.put("trailing_newline", e.trailingNewline());
            ln.put("ensure_ascii", e.ensureAscii());
            e.fields().ifPresent(fs -> {
                ArrayNode fn = ln.putArray("fields");
                fs.forEach(fn::add);
            });
            e.select().ifPresent(field -> ln.put("select", field));
            LayoutEntry.Options o = e.options();
            if (o.omitNullFields()) {
                ln.put("omit_null_fields", true);
            }
            if (!o.fill().isEmpty()) {
                ObjectNode fill = ln.putObject("fill");
                o.fill().forEach(fill::put);
            }
            if (o.writeIf() != null) {
                if (o.writeIf().isEmpty()) {
                    ln.put("write_if", "always");
                } else {
                    ArrayNode w = ln.putArray("write_if");
                    o.writeIf().forEach(w::add);
                }
            }
            if (o.objectKey() != null) {
                ln.put("object_key", o.objectKey());
            }
            if (o.singlePath() != null) {
                ln.put("single_path", o.singlePath());
            }
        }
        return root.toString();
    }

    public String kind() {
        return kind;
    }

    public String doc() {
        return doc;
    }

    /** The level every subject of the kind evolves under unless its collection overrides it. */
    public String compatibility() {
        return compatibility;
    }

    /** The level {@code collection}'s subject evolves under. */
    public String compatibility(CollectionSpec collection) {
        return collection.compatibility().orElse(compatibility);
    }

    /** The simulation's own clock fields, most significant first (may be empty). */
    public List<String> clock() {
        return clock;
    }

    /** Collections in declaration order. */
    public List<CollectionSpec> collections() {
        return List.copyOf(collections.values());
    }

    public Optional<CollectionSpec> collection(String name) {
        return Optional.ofNullable(collections.get(name));
    }

    public List<LayoutEntry> layout() {
        return layout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateModel m && kind.equals(m.kind) && doc.equals(m.doc)
                && compatibility.equals(m.compatibility) && clock.equals(m.clock)
                && collections.equals(m.collections) && layout.equals(m.layout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, doc, compatibility, clock, collections, layout);
    }

    @Override
    public String toString() {
        return "StateModel{" + kind + ", collections=" + collections.keySet() + "}";
    }
}
