package dev.simsnap.render.json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;

/**
 * The test oracle: one long-lived {@code python3} process running the standard {@code json} module. Each request is
 * one line, a Python expression for a value (see {@link #literal}); the answer is one line with, for every
 * {@link #COMBOS} entry, the base64 of {@code json.dumps(obj, indent=..., ensure_ascii=...).encode("utf-8")}, or
 * {@code !} where Python raised (e.g. an unpaired surrogate cannot be encoded to UTF-8). The script also checks that
 * {@code json.dump} to a file object writes the same text as {@code json.dumps} (they use different encoders).
 *
 * <p>Values travel losslessly: doubles as {@code float.fromhex} of {@link Double#toHexString}, strings with every
 * non-printable or non-ASCII code point as a {@code \U} escape (lone surrogates stay lone), ints as decimal.
 */
final class PythonJson implements AutoCloseable {

    /** The (indent, ensure_ascii) pairs every request is rendered with, in answer order. */
    static final List<Combo> COMBOS = List.of(new Combo(null, true), new Combo(null, false), new Combo(2, true),
            new Combo(2, false), new Combo(4, true), new Combo(4, false));

    record Combo(Integer indent, boolean ensureAscii) {
        JsonFormat format() {
            return JsonFormat.python(indent).ensureAscii(ensureAscii);
        }
    }

    private static final String SCRIPT = String.join("\n",
            "import base64, io, json, sys",
            "env = {'__builtins__': {}, 'F': float.fromhex}",
            "combos = [(None, True), (None, False), (2, True), (2, False), (4, True), (4, False)]",
            "for line in sys.stdin:",
            "    obj = eval(line, env)",
            "    answers = []",
            "    for indent, ascii_only in combos:",
            "        try:",
            "            text = json.dumps(obj, indent=indent, ensure_ascii=ascii_only)",
            "            f = io.StringIO()",
            "            json.dump(obj, f, indent=indent, ensure_ascii=ascii_only)",
            "            if f.getvalue() != text:",
            "                raise SystemExit('json.dump and json.dumps differ for ' + line)",
            "            answers.append(base64.b64encode(text.encode('utf-8')).decode('ascii'))",
            "        except UnicodeEncodeError:",
            "            answers.append('!')",
            "    sys.stdout.write(' '.join(answers) + '\\n')",
            "    sys.stdout.flush()",
            "");

    private static Boolean available;

    private final Process process;
    private final Writer in;
    private final BufferedReader out;

    private PythonJson(Process process) {
        this.process = process;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
    }

    /** The Python to run: environment variable SIMSNAP_PYTHON, else {@code python3} on the PATH. */
    static String command() {
        String command = System.getenv("SIMSNAP_PYTHON");
        return command == null || command.isBlank() ? "python3" : command;
    }

    /** True when {@link #command()} runs here and has the json module. */
    static synchronized boolean available() {
        if (available == null) {
            try {
                Process p = new ProcessBuilder(command(), "-c", "import json").redirectErrorStream(true).start();
                available = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                available = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                available = false;
            }
        }
        return available;
    }

    /** True when the tests must not skip without Python (environment variable CI=true). */
    static boolean required() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    static PythonJson start() throws IOException {
        try {
            return new PythonJson(new ProcessBuilder(command(), "-c", SCRIPT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start());
        } catch (IOException e) {
            throw new IOException("cannot start " + command() + ", the Python oracle of these tests"
                    + (required() ? " (CI=true: required)" : ""), e);
        }
    }

    /** Python's bytes for {@code value} per {@link #COMBOS}; null entries where Python raised. */
    List<byte[]> dumps(Object value) throws IOException {
        StringBuilder line = new StringBuilder();
        literal(value, line);
        in.write(line.append('\n').toString());
        in.flush();
        String answer = out.readLine();
        if (answer == null) {
            throw new IOException("python3 exited (" + (process.isAlive() ? "?" : process.exitValue()) + ") on "
                    + line);
        }
        String[] parts = answer.split(" ", -1);
        if (parts.length != COMBOS.size()) {
            throw new IOException("unexpected answer from python3: " + answer);
        }
        List<byte[]> result = new ArrayList<>(parts.length);
        for (String part : parts) {
            result.add(part.equals("!") ? null : Base64.getDecoder().decode(part));
        }
        return result;
    }

    @Override
    public void close() throws IOException {
        in.close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
        }
    }

    /**
     * {@code value} as a Python expression: what the JSON writer is given, as Python would hold it. Records become
     * dicts of their fields in schema order, floats the double {@code float32} widening makes.
     */
    static void literal(Object value, StringBuilder out) {
        literal(value, out, JsonFormat.Float32.SHORTEST_DECIMAL);
    }

    static void literal(Object value, StringBuilder out, JsonFormat.Float32 float32) {
        if (value == null) {
            out.append("None");
        } else if (value instanceof Boolean b) {
            out.append(b ? "True" : "False");
        } else if (value instanceof Double d) {
            doubleLiteral(d, out);
        } else if (value instanceof Float f) {
            doubleLiteral(float32 == JsonFormat.Float32.EXACT ? f : PythonFloat.widenShortest(f), out);
        } else if (value instanceof Integer || value instanceof Long || value instanceof BigInteger) {
            out.append(value);
        } else if (value instanceof CharSequence || value instanceof GenericEnumSymbol<?>) {
            stringLiteral(value.toString(), out);
        } else if (value instanceof IndexedRecord record) {
            out.append('{');
            boolean first = true;
            for (Schema.Field field : record.getSchema().getFields()) {
                out.append(first ? "" : ", ");
                first = false;
                stringLiteral(field.name(), out);
                out.append(": ");
                literal(record.get(field.pos()), out, float32);
            }
            out.append('}');
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(first ? "" : ", ");
                first = false;
                stringLiteral(e.getKey().toString(), out);
                out.append(": ");
                literal(e.getValue(), out, float32);
            }
            out.append('}');
        } else if (value instanceof Collection<?> items) {
            out.append('[');
            boolean first = true;
            for (Object item : items) {
                out.append(first ? "" : ", ");
                first = false;
                literal(item, out, float32);
            }
            out.append(']');
        } else {
            throw new IllegalArgumentException("no Python literal for " + value.getClass());
        }
    }

    private static void doubleLiteral(double d, StringBuilder out) {
        out.append("F('").append(Double.toHexString(d)).append("')"); // NaN, Infinity, -Infinity read too
    }

    private static void stringLiteral(String s, StringBuilder out) {
        out.append('\'');
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F && cp != '\'' && cp != '\\') {
                out.append((char) cp);
            } else {
                out.append(String.format("\\U%08x", cp));
            }
        });
        out.append('\'');
    }
}
