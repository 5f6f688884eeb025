package dev.simsnap.render.json;

import java.util.Objects;

/**
 * How {@link JsonWriter} lays out JSON text: immutable; every option method returns a new format.
 *
 * <p>Two families:
 * <ul>
 *   <li>{@link #python(Integer)}: the bytes of Python's {@code json.dumps(obj, indent=indent)} (and of
 *       {@code json.dump}, which writes the same text) encoded as UTF-8, with Python's defaults:
 *       {@code ensure_ascii=True}, {@code allow_nan=True}, no key sorting, separators {@code (", ", ": ")} when
 *       {@code indent} is null and {@code (",", ": ")} otherwise. Floats are written as {@code repr(float)}, integers
 *       as integers, {@code NaN}/{@code Infinity}/{@code -Infinity} as Python writes them. No trailing newline unless
 *       {@link #trailingNewline(boolean)} asks for one.</li>
 *   <li>{@link #canonical()} / {@link #canonicalCompact()}: simsnap's legacy canonical form, byte for byte what
 *       simsnap wrote for v1 runs (UTF-8, unescaped non-ASCII, Jackson's escapes with upper-case hex, integral
 *       doubles below 2^53 as integers, other doubles as Jackson's Schubfach text such as {@code 1.0E-7}, NaN and
 *       infinities rejected).</li>
 * </ul>
 *
 * <p>Object keys are never sorted: records are written in writer-schema field order, maps and JSON objects in their
 * own iteration order.
 */
public final class JsonFormat {

    /** How an Avro {@code float} (32-bit) value becomes the double that is written. Python has no float32. */
    public enum Float32 {
        /**
         * The float's shortest decimal (the fewest digits that read back as the same float), read as a double:
         * {@code 0.1f} is written as {@code 0.1}. Recovers the value a Python program meant when its float went
         * through a 32-bit Avro field. The default of {@link #python}.
         */
        SHORTEST_DECIMAL,
        /**
         * The float widened exactly ({@code (double) f}): {@code 0.1f} is written as {@code 0.10000000149011612},
         * as a Python Avro reader (fastavro) would give it. The legacy canonical form's behaviour.
         */
        EXACT
    }

    /** Number and string-escape rules: Python's or the legacy canonical form's. */
    enum Style { PYTHON, CANONICAL }

    private final Style style;
    private final Integer indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean ensureAscii;
    private final boolean trailingNewline;
    private final boolean allowNan;
    private final Float32 float32;
    private final boolean omitNullFields;

    private JsonFormat(Style style, Integer indent, String itemSeparator, String keySeparator, boolean ensureAscii,
            boolean trailingNewline, boolean allowNan, Float32 float32, boolean omitNullFields) {
        this.style = style;
        this.indent = indent;
        this.itemSeparator = itemSeparator;
        this.keySeparator = keySeparator;
        this.ensureAscii = ensureAscii;
        this.trailingNewline = trailingNewline;
        this.allowNan = allowNan;
        this.float32 = float32;
        this.omitNullFields = omitNullFields;
    }

    /**
     * Python's {@code json.dumps(obj, indent=indent)}: {@code indent} null is the one-line form with separators
     * {@code ", "} and {@code ": "}; a non-negative indent puts every item on its own line, indented by that many
     * spaces per level (0: new lines without indentation), with separators {@code ","} and {@code ": "}.
     *
     * @throws IllegalArgumentException for a negative indent (Python treats it as 0; say 0)
     */
    public static JsonFormat python(Integer indent) {
        requireIndent(indent);
        return new JsonFormat(Style.PYTHON, indent, indent == null ? ", " : ",", ": ", true, false, true,
                Float32.SHORTEST_DECIMAL, false);
    }

    /**
     * The legacy canonical pretty form: 2-space indent, {@code ","} and {@code ": "}, trailing newline, UTF-8: the
     * bytes simsnap wrote for runs of the StateDelta v1 contract. Legacy entities also leave out null fields
     * ({@link #omitNullFields}) and keep their maps in the legacy key order, which their items already have
     * ({@code dev.simsnap.schema.legacy.LegacyKind}); the writer never reorders.
     */
    public static JsonFormat canonical() {
        return new JsonFormat(Style.CANONICAL, 2, ",", ": ", false, true, false, Float32.EXACT, false);
    }

    /** The legacy canonical compact form: no whitespace at all, no trailing newline, UTF-8. */
    public static JsonFormat canonicalCompact() {
        return new JsonFormat(Style.CANONICAL, null, ",", ":", false, false, false, Float32.EXACT, false);
    }

    /**
     * Python's {@code ensure_ascii}: true escapes every non-ASCII character (and DEL) as {@code \}{@code uXXXX},
     * characters outside the BMP as a surrogate pair; false writes them as UTF-8 and escapes only quote, backslash
     * and control characters (an unpaired surrogate is then rejected in the Python form, since Python could not
     * encode it to UTF-8 either, and written as {@code ?} in the canonical form, as {@code String.getBytes} does).
     */
    public JsonFormat ensureAscii(boolean value) {
        return new JsonFormat(style, indent, itemSeparator, keySeparator, value, trailingNewline, allowNan, float32,
                omitNullFields);
    }

    /** Whether a {@code "\n"} follows the value. */
    public JsonFormat trailingNewline(boolean value) {
        return new JsonFormat(style, indent, itemSeparator, keySeparator, ensureAscii, value, allowNan, float32,
                omitNullFields);
    }

    /**
     * Python's {@code allow_nan}: true writes NaN and infinities as {@code NaN}, {@code Infinity} and
     * {@code -Infinity}; false rejects them with {@link IllegalArgumentException}. Python default true; canonical
     * false.
     */
    public JsonFormat allowNan(boolean value) {
        return new JsonFormat(style, indent, itemSeparator, keySeparator, ensureAscii, trailingNewline, value, float32,
                omitNullFields);
    }

    /** Python's {@code separators=(item, key)}, e.g. {@code (",", ":")} for the most compact form. */
    public JsonFormat separators(String item, String key) {
        return new JsonFormat(style, indent, Objects.requireNonNull(item, "item"), Objects.requireNonNull(key, "key"),
                ensureAscii, trailingNewline, allowNan, float32, omitNullFields);
    }

    /** Indentation: null for one line, else spaces per level; keeps the separators. */
    public JsonFormat indent(Integer value) {
        requireIndent(value);
        return new JsonFormat(style, value, itemSeparator, keySeparator, ensureAscii, trailingNewline, allowNan,
                float32, omitNullFields);
    }

    /** How Avro {@code float} values are widened; see {@link Float32}. */
    public JsonFormat float32(Float32 value) {
        return new JsonFormat(style, indent, itemSeparator, keySeparator, ensureAscii, trailingNewline, allowNan,
                Objects.requireNonNull(value, "float32"), omitNullFields);
    }

    /**
     * Whether a record field whose value is null is left out (legacy runs' entities: "null means absent"). Map
     * entries and nulls inside JSON documents are values and always written. Default false.
     */
    public JsonFormat omitNullFields(boolean value) {
        return new JsonFormat(style, indent, itemSeparator, keySeparator, ensureAscii, trailingNewline, allowNan,
                float32, value);
    }

    private static void requireIndent(Integer indent) {
        if (indent != null && indent < 0) {
            throw new IllegalArgumentException("indent must be null or >= 0, not " + indent);
        }
    }

    public Integer indent() {
        return indent;
    }

    public String itemSeparator() {
        return itemSeparator;
    }

    public String keySeparator() {
        return keySeparator;
    }

    public boolean ensureAscii() {
        return ensureAscii;
    }

    public boolean trailingNewline() {
        return trailingNewline;
    }

    public boolean allowNan() {
        return allowNan;
    }

    public Float32 float32() {
        return float32;
    }

    public boolean omitNullFields() {
        return omitNullFields;
    }

    /** True for the legacy canonical number and escape rules ({@link #canonical()}, {@link #canonicalCompact()}). */
    public boolean isCanonical() {
        return style == Style.CANONICAL;
    }

    Style style() {
        return style;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JsonFormat f && style == f.style && Objects.equals(indent, f.indent)
                && itemSeparator.equals(f.itemSeparator) && keySeparator.equals(f.keySeparator)
                && ensureAscii == f.ensureAscii && trailingNewline == f.trailingNewline && allowNan == f.allowNan
                && float32 == f.float32 && omitNullFields == f.omitNullFields;
    }

    @Override
    public int hashCode() {
        return Objects.hash(style, indent, itemSeparator, keySeparator, ensureAscii, trailingNewline, allowNan,
                float32, omitNullFields);
    }

    @Override
    public String toString() {
        return "JsonFormat[" + style.name().toLowerCase(java.util.Locale.ROOT) + ", indent=" + indent
                + ", separators=(\"" + itemSeparator + "\", \"" + keySeparator + "\"), ensureAscii=" + ensureAscii
                + ", trailingNewline=" + trailingNewline + ", allowNan=" + allowNan + ", float32=" + float32
                + (omitNullFields ? ", omitNullFields" : "") + "]";
    }
}
