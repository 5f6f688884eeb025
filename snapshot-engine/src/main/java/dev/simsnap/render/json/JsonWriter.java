package dev.simsnap.render.json;

import com.fasterxml.jackson.core.io.NumberOutput;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.FloatNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;

/**
 * Writes Avro generic values, plain Java collections and Jackson trees as JSON text in a {@link JsonFormat}, as
 * UTF-8 bytes. Thread-safe (it holds only the format); each call uses its own buffer.
 *
 * <p>Values, as Avro's generic (or specific) readers produce them; a union is transparent, the value's own type
 * decides:
 * <ul>
 *   <li>{@link IndexedRecord} (GenericRecord, specific records): an object of every field in writer-schema order,
 *       field names as they are; a null field is written as {@code null}, or left out when the format says
 *       {@link JsonFormat#omitNullFields}.</li>
 *   <li>{@link Map}: an object with the entries in the map's iteration order, keys must be {@link CharSequence}
 *       ({@code Utf8} or {@code String}, as Avro maps have). Avro's {@code GenericDatumReader} decodes maps into a
 *       {@code HashMap}, whose order is not the wire order; decode with {@link OrderedGenericDatumReader} to keep
 *       the order the map was written in.</li>
 *   <li>{@link Collection} (List, {@code GenericArray}): an array in iteration order.</li>
 *   <li>{@link CharSequence} ({@code Utf8}, String), {@link GenericEnumSymbol}, Java enums: a string.</li>
 *   <li>Integer, Long, Short, Byte, {@link BigInteger}: an integer.</li>
 *   <li>Double: Python's {@code repr(float)} ({@link PythonFloat}) or, canonical, the legacy number text.
 *       Float: widened to a double as {@link JsonFormat#float32()} says, then as a double.</li>
 *   <li>Boolean, null.</li>
 *   <li>{@link JsonNode} trees (JSON-document entities), under the same rules: object fields in the node's order,
 *       integral numbers as integers (big ones too), floating-point ones as doubles ({@code FloatNode} as a float).</li>
 * </ul>
 * Bytes and fixed ({@link ByteBuffer}, {@code byte[]}, {@link GenericFixed}, binary JSON nodes) are rejected with
 * an {@link IllegalArgumentException}, as is any other type: Python's {@code json} cannot write bytes either
 * ({@code TypeError}), and choosing an encoding (base64, latin-1, list of ints) is a layout decision, not the
 * writer's. Project such fields out or convert them before rendering.
 *
 * <p>Rejected values ({@link IllegalArgumentException}: unsupported type, non-string map key, NaN or infinity when
 * the format does not allow them, an unpaired surrogate in a Python UTF-8 string) may leave part of the text already
 * written to an {@link OutputStream}; {@link #toBytes} returns nothing in that case.
 */
public final class JsonWriter {

    private static final double TWO_POW_53 = 9007199254740992.0;
    private static final byte[] PYTHON_HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CANONICAL_HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private final JsonFormat format;
    private final boolean canonical;
    private final byte[] hex;
    private final byte[] itemSeparator;
    private final byte[] keySeparator;

    public JsonWriter(JsonFormat format) {
        this.format = java.util.Objects.requireNonNull(format, "format");
        this.canonical = format.isCanonical();
        this.hex = canonical ? CANONICAL_HEX : PYTHON_HEX;
        this.itemSeparator = format.itemSeparator().getBytes(StandardCharsets.UTF_8);
        this.keySeparator = format.keySeparator().getBytes(StandardCharsets.UTF_8);
    }

    /** A writer for {@code format}. */
    public static JsonWriter of(JsonFormat format) {
        return new JsonWriter(format);
    }

    public JsonFormat format() {
        return format;
    }

    /** The JSON text of {@code value} as UTF-8 bytes; see the class comment for the values taken. */
    public byte[] toBytes(Object value) {
        Sink sink = new Sink(null);
        try {
            writeDocument(value, sink);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen: no stream
        }
        return sink.toByteArray();
    }

    /** The JSON text of {@code value} as a string (the characters {@link #toBytes} encodes). */
    public String toText(Object value) {
        return new String(toBytes(value), StandardCharsets.UTF_8);
    }

    /**
     * Writes the JSON text of {@code value} to {@code out} through an 8 KiB buffer; neither flushes nor closes
     * {@code out}.
     */
    public void writeTo(Object value, OutputStream out) throws IOException {
        Sink sink = new Sink(java.util.Objects.requireNonNull(out, "out"));
        writeDocument(value, sink);
        sink.drain();
    }

    private void writeDocument(Object value, Sink out) throws IOException {
        write(value, out, 0);
        if (format.trailingNewline()) {
            out.ascii('\n');
        }
    }

    private void write(Object value, Sink out, int depth) throws IOException {
        if (value == null) {
            out.ascii("null");
        } else if (value instanceof CharSequence s) {
            string(s.toString(), out);
        } else if (value instanceof Double d) {
            number(d, out);
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                || value instanceof Byte) {
            out.ascii(Long.toString(((Number) value).longValue()));
        } else if (value instanceof IndexedRecord record) {
            record(record, out, depth);
        } else if (value instanceof Map<?, ?> map) {
            map(map, out, depth);
        } else if (value instanceof Collection<?> items) {
            array(items.iterator(), items.isEmpty(), out, depth);
        } else if (value instanceof Boolean b) {
            out.ascii(b ? "true" : "false");
        } else if (value instanceof Float f) {
            number(widen(f), out);
        } else if (value instanceof JsonNode node) {
            node(node, out, depth);
        } else if (value instanceof GenericEnumSymbol<?>) {
            string(value.toString(), out);
        } else if (value instanceof Enum<?> e) {
            string(e.name(), out);
        } else if (value instanceof BigInteger big) {
            out.ascii(big.toString());
        } else if (value instanceof ByteBuffer || value instanceof byte[] || value instanceof GenericFixed) {
            throw new IllegalArgumentException("Avro bytes/fixed value (" + value.getClass().getName()
                    + ") has no JSON form (Python's json cannot write bytes either); project the field out or "
                    + "convert it before rendering");
        } else {
            throw new IllegalArgumentException("not writable as JSON: " + value.getClass().getName());
        }
    }

    private double widen(float f) {
        return format.float32() == JsonFormat.Float32.EXACT ? f : PythonFloat.widenShortest(f);
    }

    private void record(IndexedRecord record, Sink out, int depth) throws IOException {
        java.util.List<Schema.Field> fields = record.getSchema().getFields();
        boolean omitNull = format.omitNullFields();
        boolean empty = true;
        for (Schema.Field field : fields) {
            if (!omitNull || record.get(field.pos()) != null) {
                empty = false;
                break;
            }
        }
        if (empty) {
            out.ascii("{}");
            return;
        }
        out.ascii('{');
        boolean first = true;
        for (Schema.Field field : fields) {
            if (omitNull && record.get(field.pos()) == null) {
                continue;
            }
            separator(first, out, depth + 1);
            first = false;
            string(field.name(), out);
            out.bytes(keySeparator);
            write(record.get(field.pos()), out, depth + 1);
        }
        close('}', out, depth);
    }

    private void map(Map<?, ?> map, Sink out, int depth) throws IOException {
        if (map.isEmpty()) {
            out.ascii("{}");
            return;
        }
        out.ascii('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof CharSequence key)) {
                throw new IllegalArgumentException("map key is not a string: "
                        + (e.getKey() == null ? "null" : e.getKey().getClass().getName()));
            }
            separator(first, out, depth + 1);
            first = false;
            string(key.toString(), out);
            out.bytes(keySeparator);
            write(e.getValue(), out, depth + 1);
        }
        close('}', out, depth);
    }

    private void array(Iterator<?> items, boolean empty, Sink out, int depth) throws IOException {
        if (empty) {
            out.ascii("[]");
            return;
        }
        out.ascii('[');
        boolean first = true;
        while (items.hasNext()) {
            separator(first, out, depth + 1);
            first = false;
            write(items.next(), out, depth + 1);
        }
        close(']', out, depth);
    }

    private void node(JsonNode node, Sink out, int depth) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                if (node.isEmpty()) {
                    out.ascii("{}");
                    return;
                }
                out.ascii('{');
                boolean first = true;
                for (Map.Entry<String, JsonNode> field : node.properties()) {
                    separator(first, out, depth + 1);
                    first = false;
                    string(field.getKey(), out);
                    out.bytes(keySeparator);
                    node(field.getValue(), out, depth + 1);
                }
                close('}', out, depth);
            }
            case ARRAY -> array(node.elements(), node.isEmpty(), out, depth);
            case STRING -> string(node.textValue(), out);
            case BOOLEAN -> out.ascii(node.booleanValue() ? "true" : "false");
            case NULL -> out.ascii("null");
            case NUMBER -> {
                if (node instanceof FloatNode) {
                    number(widen(node.floatValue()), out);
                } else if (node.isFloatingPointNumber()) {
                    number(node.doubleValue(), out);
                } else if (node.isInt() || node.isLong() || node.isShort()) {
                    out.ascii(Long.toString(node.longValue()));
                } else {
                    out.ascii(node.bigIntegerValue().toString());
                }
            }
            default -> throw new IllegalArgumentException("not writable as JSON: " + node.getNodeType() + " node");
        }
    }

    /** Before an item: the item separator unless first, then (indented formats) a new line and indentation. */
    private void separator(boolean first, Sink out, int depth) throws IOException {
        if (!first) {
            out.bytes(itemSeparator);
        }
        newline(out, depth);
    }

    private void close(char bracket, Sink out, int depth) throws IOException {
        newline(out, depth);
        out.ascii(bracket);
    }

    private void newline(Sink out, int depth) throws IOException {
        Integer indent = format.indent();
        if (indent != null) {
            out.ascii('\n');
            out.spaces(indent * depth);
        }
    }

    private void number(double value, Sink out) throws IOException {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            if (!format.allowNan()) {
                throw new IllegalArgumentException("JSON cannot hold " + value
                        + " (Python: \"Out of range float values are not JSON compliant\")");
            }
            out.ascii(Double.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        } else if (canonical) {
            if (value == Math.rint(value) && Math.abs(value) < TWO_POW_53) {
                out.ascii(Long.toString((long) value)); // -0.0 becomes 0, as the legacy form did
            } else {
                out.ascii(NumberOutput.toString(value, true));
            }
        } else {
            StringBuilder text = new StringBuilder(24);
            PythonFloat.appendRepr(value, text);
            out.ascii(text);
        }
    }

    /**
     * A quoted string. Always escaped: quote, backslash, {@code \b \t \n \f \r} in short form, other controls below
     * 0x20 as {@code \}{@code u00XX} (hex lower-case in the Python form, upper-case in the canonical form, as
     * Jackson writes it). With ensure_ascii every character from 0x7F up as {@code \}{@code uXXXX} (UTF-16 units);
     * without, as UTF-8.
     */
    private void string(String s, Sink out) throws IOException {
        out.ascii('"');
        boolean ascii = format.ensureAscii();
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                if (c == '"' || c == '\\') {
                    out.ascii('\\');
                }
                out.ascii(c);
            } else if (c < 0x20) {
                switch (c) {
                    case '\b' -> out.ascii("\\b");
                    case '\t' -> out.ascii("\\t");
                    case '\n' -> out.ascii("\\n");
                    case '\f' -> out.ascii("\\f");
                    case '\r' -> out.ascii("\\r");
                    default -> unicodeEscape(c, out);
                }
            } else if (ascii) {
                unicodeEscape(c, out);
            } else if (c < 0x80) {
                out.ascii(c); // DEL
            } else if (c < 0x800) {
                out.room(2);
                out.put(0xC0 | c >> 6);
                out.put(0x80 | c & 0x3F);
            } else if (!Character.isSurrogate(c)) {
                out.room(3);
                out.put(0xE0 | c >> 12);
                out.put(0x80 | c >> 6 & 0x3F);
                out.put(0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out.room(4);
                out.put(0xF0 | cp >> 18);
                out.put(0x80 | cp >> 12 & 0x3F);
                out.put(0x80 | cp >> 6 & 0x3F);
                out.put(0x80 | cp & 0x3F);
            } else if (canonical) {
                out.ascii('?'); // what String.getBytes(UTF_8) made of the legacy text
            } else {
                throw new IllegalArgumentException(String.format(
                        "unpaired surrogate U+%04X at index %d cannot be written as UTF-8 (ensure_ascii=False)",
                        (int) c, i));
            }
        }
        out.ascii('"');
    }

    private void unicodeEscape(char c, Sink out) throws IOException {
        out.room(6);
        out.put('\\');
        out.put('u');
        out.put(hex[c >> 12]);
        out.put(hex[c >> 8 & 0xF]);
        out.put(hex[c >> 4 & 0xF]);
        out.put(hex[c & 0xF]);
    }

    /** A growable byte buffer that, given a stream, drains itself into it every 8 KiB. */
    private static final class Sink {
        private static final int STREAM_BUFFER = 8192;
        private final OutputStream stream;
        private byte[] buf;
        private int len;

        Sink(OutputStream stream) {
            this.stream = stream;
            this.buf = new byte[stream == null ? 256 : STREAM_BUFFER];
        }

        /** Makes room for {@code n} more bytes, for the {@link #put} calls that follow. */
        void room(int n) throws IOException {
            if (len + n <= buf.length) {
                return;
            }
            if (stream != null) {
                drain();
                if (n <= buf.length) {
                    return;
                }
            }
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }

        void drain() throws IOException {
            if (len > 0) {
                stream.write(buf, 0, len);
                len = 0;
            }
        }

        void ascii(char c) throws IOException {
            room(1);
            buf[len++] = (byte) c;
        }

        void ascii(CharSequence s) throws IOException {
            int n = s.length();
            room(n);
            for (int i = 0; i < n; i++) {
                buf[len++] = (byte) s.charAt(i);
            }
        }

        void bytes(byte[] b) throws IOException {
            room(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
        }

        /** One byte; only after {@link #room} made room for it. */
        void put(int b) {
            buf[len++] = (byte) b;
        }

        void spaces(int n) throws IOException {
            room(n);
            Arrays.fill(buf, len, len + n, (byte) ' ');
            len += n;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, len);
        }
    }
}
