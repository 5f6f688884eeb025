package dev.simsnap.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pickles written by Python's own {@code pickle} (every protocol) read back as what Python says they hold: the
 * script tags each value by its Python type, this test tags what the reader gave, and the trees must be equal.
 */
class PickleReaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void everyProtocolReadsAsPythonWroteIt() throws Exception {
        Python.run("pickles.py", tmp.toString());
        JsonNode expected = JSON.readTree(tmp.resolve("expected.json").toFile());
        assertThat(expected.size()).isGreaterThanOrEqualTo(6);
        for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
            String file = it.next();
            Object value = PickleReader.read(tmp.resolve(file));
            assertThat(tag(value, new IdentityHashMap<>())).as(file).isEqualTo(expected.get(file));
        }
    }

    @Test
    void objectsBuiltFromArgumentsAndNonPicklesAreRefusedNamingTheFile() throws Exception {
        Python.run("pickles.py", tmp.toString());
        assertThatThrownBy(() -> PickleReader.read(tmp.resolve("reduced.pkl"))).isInstanceOf(SeedFormatException.class)
                .hasMessageContaining("reduced.pkl").hasMessageContaining("seedmod.Reduced")
                .hasMessageContaining("constructor arguments");
        Files.write(tmp.resolve("junk.pkl"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> PickleReader.read(tmp.resolve("junk.pkl"))).isInstanceOf(SeedFormatException.class)
                .hasMessageContaining("junk.pkl: not a readable pickle");
    }

    /** The tagged tree of the script's docstring, from the Java values. */
    private static JsonNode tag(Object v, Map<Object, Boolean> seen) {
        var node = JSON.createObjectNode();
        if (v == null) {
            node.putNull("none");
        } else if (v instanceof Boolean b) {
            node.put("bool", b);
        } else if (v instanceof Integer || v instanceof Long || v instanceof BigInteger) {
            node.put("int", v.toString());
        } else if (v instanceof Double d) {
            node.put("float", d.toString());
        } else if (v instanceof String s) {
            node.put("str", s);
        } else if (v instanceof byte[] b) {
            node.put("bytes", HexFormat.of().formatHex(b));
        } else if (v instanceof List<?> l) {
            var a = node.putArray("list");
            l.forEach(x -> a.add(tag(x, seen)));
        } else if (v instanceof Object[] t) {
            var a = node.putArray("tuple");
            for (Object x : t) {
                a.add(tag(x, seen));
            }
        } else if (v instanceof Map<?, ?> m) {
            var a = node.putArray("dict");
            m.forEach((k, x) -> a.addArray().add(String.valueOf(k)).add(tag(x, seen)));
        } else if (v instanceof PythonObject o) {
            if (seen.put(o, true) != null) {
                node.put("ref", o.className());
            } else {
                node.put("obj", o.className());
                var a = node.putArray("attrs");
                o.attributes().forEach((k, x) -> a.addArray().add(k).add(tag(x, seen)));
            }
        } else {
            node.put("unexpected", v.getClass().getName());
        }
        return node;
    }
}
