package dev.simsnap.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One file (or family of files) of a snapshot folder: where it goes, what it is made from and how it is formatted.
 *
 * <p>Immutable. {@link #path()} is relative to the snapshot folder, {@code /}-separated, and may hold placeholders
 * ({@code {key}}, {@code {position}}, {@code {generation}}, {@code {class}} or an item field); a value substituted
 * for a placeholder never contains {@code /} or starts with {@code .}, so a layout cannot write outside its folder.
 */
public final class LayoutEntry {

    /** How numbers, strings and whitespace are written. */
    public enum Format {
        /** The bytes of Python's {@code json.dumps}: float {@code repr}, ints as ints, {@code ensure_ascii} as set. */
        PYTHON,
        /** simsnap's legacy form: integral doubles as integers, shortest round-trip doubles, UTF-8 unescaped. */
        CANONICAL
    }

    /** How a keyed or rows collection is written by {@link Render#JSON}. */
    public enum As {
        /** An array of items in the collection's order. */
        ARRAY,
        /** An object from entity id to item, in the collection's order. */
        OBJECT
    }

    /**
     * The less common options of an entry, each off by default ({@link #NONE}).
     *
     * @param omitNullFields record fields whose value is null are left out of the JSON (a field projection leaves
     *                       them out too); map entries and JSON-value nulls are always written
     * @param fill           item field to the run value written when the field is null or the item is absent:
     *                       {@code "step"} (the consistent step) or {@code "clock.<field>"} (that field of the
     *                       simulation's clock at the step; nothing when the run's clock has no such field)
     * @param writeIf        {@link Render#JSON} without placeholders: null writes the file only when its collection
     *                       has items; an empty list writes it always ({@code "write_if": "always"}); a list of
     *                       collections writes it (possibly as an empty array or object, a singleton as its fills)
     *                       when any of them has items
     * @param objectKey      {@code "as": "object"}: the item field whose value keys each item, instead of its entity id
     * @param singlePath     {@link Render#JSON_EACH}: when the collection holds exactly one item it is written to this
     *                       path (no placeholders) instead
     */
    public record Options(boolean omitNullFields, Map<String, String> fill, List<String> writeIf, String objectKey,
                          String singlePath) {

        /** No option set. */
        public static final Options NONE = new Options(false, Map.of(), null, null, null);

        public Options {
            fill = fill == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fill));
            writeIf = writeIf == null ? null : List.copyOf(writeIf);
        }
    }

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._{}@-]+");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern FILL = Pattern.compile("step|clock\\.[A-Za-z_][A-Za-z0-9_]*");
    /** Placeholders that name one item (or generation), never a group of items. */
    private static final List<String> PER_ITEM = List.of("key", "position", "generation");

    private final String path;
    private final Render render;
    private final List<String> from;
    private final As as;
    private final Format format;
    private final Integer indent;
    private final boolean trailingNewline;
    private final boolean ensureAscii;
    private final List<String> fields;
    private final String select;
    private final Options options;

    private LayoutEntry(String path, Render render, List<String> from, As as, Format format, Integer indent,
                        boolean trailingNewline, boolean ensureAscii, List<String> fields, String select,
                        Options options) {
        this.path = path;
        this.render = render;
        this.from = List.copyOf(from);
        this.as = as;
        this.format = format;
        this.indent = indent;
        this.trailingNewline = trailingNewline;
        this.ensureAscii = ensureAscii;
        this.fields = fields == null ? null : List.copyOf(fields);
        this.select = select;
        this.options = options;
    }

    /**
     * A layout entry.
     *
     * @param indent spaces per level, or null for the compact form
     * @param fields the item fields to write, in this order (null: every field of the item's writer schema)
     * @param select one item field whose value is written instead of the item (items where it is absent or null
     *               are left out), or null; e.g. {@code persona.json} is each person's {@code identity}
     */
    public static LayoutEntry of(String path, Render render, List<String> from, As as, Format format,
                                 Integer indent, boolean trailingNewline, boolean ensureAscii, List<String> fields,
                                 String select) {
        return of(path, render, from, as, format, indent, trailingNewline, ensureAscii, fields, select, Options.NONE);
    }

    /**
     * A layout entry with {@code options}. A {@link Render#JSON} path may hold placeholders of item fields (or
     * {@code {class}}): the items are then grouped by the path they fill in, one file per group, each in the
     * collection's order.
     */
    public static LayoutEntry of(String path, Render render, List<String> from, As as, Format format,
                                 Integer indent, boolean trailingNewline, boolean ensureAscii, List<String> fields,
                                 String select, Options options) {
        Objects.requireNonNull(render, "render");
        options = options == null ? Options.NONE : options;
        checkPath(path);
        if (from.isEmpty()) {
            throw new IllegalArgumentException("layout entry '" + path + "': \"from\" names no collection");
        }
        if (render != Render.SQLITE && from.size() != 1) {
            throw new IllegalArgumentException("layout entry '" + path + "': " + render.label()
                    + " renders exactly one collection, not " + from);
        }
        if (indent != null && (indent < 0 || indent > 16)) {
            throw new IllegalArgumentException("layout entry '" + path + "': indent must be 0-16 or null");
        }
        boolean templated = PLACEHOLDER.matcher(path).find();
        if ((render == Render.JSON_EACH || render == Render.GENERATIONS) && !templated) {
            throw new IllegalArgumentException("layout entry '" + path + "': " + render.label()
                    + " writes one file per item, so its path needs a placeholder such as {key} or {generation}");
        }
        if (render == Render.SQLITE && templated) {
            throw new IllegalArgumentException("layout entry '" + path + "': " + render.label()
                    + " writes one file, so its path takes no placeholder");
        }
        if (render == Render.JSON && templated && !java.util.Collections.disjoint(placeholders(path), PER_ITEM)) {
            throw new IllegalArgumentException("layout entry '" + path + "': json groups items by the fields in its"
                    + " path; {key}, {position} and {generation} name single items (use json-each)");
        }
        checkOptions(path, render, as, templated, options);
        if (select != null && fields != null) {
            throw new IllegalArgumentException("layout entry '" + path + "': use \"fields\" or \"select\", not both");
        }
        if (select != null && render == Render.SQLITE) {
            throw new IllegalArgumentException("layout entry '" + path + "': sqlite takes no \"select\"");
        }
        return new LayoutEntry(path, render, from, as == null ? As.ARRAY : as, format == null ? Format.PYTHON : format,
                indent, trailingNewline, ensureAscii, fields, select, options);
    }

    private static void checkOptions(String path, Render render, As as, boolean templated, Options o) {
        String where = "layout entry '" + path + "': ";
        for (Map.Entry<String, String> f : o.fill().entrySet()) {
            if (!FILL.matcher(f.getValue()).matches()) {
                throw new IllegalArgumentException(where + "\"fill\" of '" + f.getKey() + "' must be \"step\" or"
                        + " \"clock.<field>\", not '" + f.getValue() + "'");
            }
        }
        if (!o.fill().isEmpty() && (render == Render.SQLITE || render == Render.GENERATIONS)) {
            throw new IllegalArgumentException(where + render.label() + " takes no \"fill\"");
        }
        if (o.writeIf() != null && (render != Render.JSON || templated)) {
            throw new IllegalArgumentException(where + "\"write_if\" is for json entries writing one file");
        }
        if (o.objectKey() != null && (render != Render.JSON || as != As.OBJECT)) {
            throw new IllegalArgumentException(where + "\"object_key\" is for json entries with \"as\": \"object\"");
        }
        if (o.singlePath() != null) {
            if (render != Render.JSON_EACH) {
                throw new IllegalArgumentException(where + "\"single_path\" is for json-each entries");
            }
            checkPath(o.singlePath());
            if (PLACEHOLDER.matcher(o.singlePath()).find()) {
                throw new IllegalArgumentException(where + "\"single_path\" takes no placeholder");
            }
        }
    }

    private static void checkPath(String path) {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.endsWith("/")) {
            throw new IllegalArgumentException("layout path '" + path + "' must be a relative file path");
        }
        for (String segment : path.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")
                    || segment.startsWith(".")) {
                throw new IllegalArgumentException("layout path '" + path + "': segment '" + segment
                        + "' must be [A-Za-z0-9._{}@-]+ and not start with '.'");
            }
        }
    }

    /** The placeholder names in {@link #path()}, in order. */
    public List<String> placeholders() {
        return placeholders(path);
    }

    private static List<String> placeholders(String path) {
        Matcher m = PLACEHOLDER.matcher(path);
        java.util.ArrayList<String> names = new java.util.ArrayList<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        return List.copyOf(names);
    }

    public String path() {
        return path;
    }

    public Render render() {
        return render;
    }

    /** The collections it is made from (one, except for {@link Render#SQLITE}). */
    public List<String> from() {
        return from;
    }

    public As as() {
        return as;
    }

    public Format format() {
        return format;
    }

    /** Spaces per nesting level; empty for the compact form. */
    public Optional<Integer> indent() {
        return Optional.ofNullable(indent);
    }

    public boolean trailingNewline() {
        return trailingNewline;
    }

    /** {@link Format#PYTHON} only: escape every non-ASCII character as Python's default {@code ensure_ascii}. */
    public boolean ensureAscii() {
        return ensureAscii;
    }

    /** The projected fields, if the entry names them. */
    public Optional<List<String>> fields() {
        return Optional.ofNullable(fields);
    }

    /** The one item field written instead of each item, if the entry selects one. */
    public Optional<String> select() {
        return Optional.ofNullable(select);
    }

    /** The less common options ({@link Options#NONE} when none is set). */
    public Options options() {
        return options;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayoutEntry e && Objects.equals(select, e.select) && path.equals(e.path) && render == e.render && from.equals(e.from)
                && as == e.as && format == e.format && Objects.equals(indent, e.indent)
                && trailingNewline == e.trailingNewline && ensureAscii == e.ensureAscii
                && Objects.equals(fields, e.fields) && options.equals(e.options);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, render, from, as, format, indent, trailingNewline, ensureAscii, fields, select,
                options);
    }

    @Override
    public String toString() {
        return "LayoutEntry{" + path + " <- " + render.label() + " " + from + "}";
    }
}
