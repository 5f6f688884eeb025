package dev.simsnap.model;

import java.util.List;
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

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._{}@-]+");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");

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

    private LayoutEntry(String path, Render render, List<String> from, As as, Format format, Integer indent,
                        boolean trailingNewline, boolean ensureAscii, List<String> fields, String select) {
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
        Objects.requireNonNull(render, "render");
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
        if ((render == Render.JSON || render == Render.SQLITE) && templated) {
            throw new IllegalArgumentException("layout entry '" + path + "': " + render.label()
                    + " writes one file, so its path takes no placeholder");
        }
        if (select != null && fields != null) {
            throw new IllegalArgumentException("layout entry '" + path + "': use \"fields\" or \"select\", not both");
        }
        if (select != null && render == Render.SQLITE) {
            throw new IllegalArgumentException("layout entry '" + path + "': sqlite takes no \"select\"");
        }
        return new LayoutEntry(path, render, from, as == null ? As.ARRAY : as, format == null ? Format.PYTHON : format,
                indent, trailingNewline, ensureAscii, fields, select);
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

    @Override
    public boolean equals(Object o) {
        return o instanceof LayoutEntry e && Objects.equals(select, e.select) && path.equals(e.path) && render == e.render && from.equals(e.from)
                && as == e.as && format == e.format && Objects.equals(indent, e.indent)
                && trailingNewline == e.trailingNewline && ensureAscii == e.ensureAscii
                && Objects.equals(fields, e.fields);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, render, from, as, format, indent, trailingNewline, ensureAscii, fields, select);
    }

    @Override
    public String toString() {
        return "LayoutEntry{" + path + " <- " + render.label() + " " + from + "}";
    }
}
