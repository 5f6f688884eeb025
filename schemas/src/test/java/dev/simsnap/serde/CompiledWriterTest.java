package dev.simsnap.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * Schema shapes the contracts do not have yet (recursion, multi-branch unions with non-record branches, floats and
 * booleans): the compiled writer either writes Avro's exact bytes or declines; schemas it cannot compile are
 * refused up front.
 */
class CompiledWriterTest {

    private static final Schema NODE = new Schema.Parser().parse("""
            {"type": "record", "name": "Node", "namespace": "t", "fields": [
              {"name": "label", "type": "string"},
              {"name": "weight", "type": "float"},
              {"name": "flag", "type": "boolean"},
              {"name": "value", "type": ["null", "string", "long",
                {"type": "record", "name": "Leaf", "fields": [{"name": "x", "type": "int"}]},
                {"type": "array", "items": "double"}]},
              {"name": "tags", "type": {"type": "map", "values": ["null", "long"]}},
              {"name": "next", "type": ["null", "Node"]}
            ]}""");

    private static byte[] avro(Object datum) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<>(NODE, GenericData.get()).write(datum, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /** The compiled writer's bytes, or null when it declined the datum. */
    private static byte[] compiled(Object datum) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        boolean written = CompiledWriter.compile(NODE, GenericData.get()).write(datum, encoder);
        encoder.flush();
        return written ? out.toByteArray() : null;
    }

    private static GenericRecord node(String label, Object value, GenericRecord next) {
        GenericRecord node = new GenericData.Record(NODE);
        node.put("label", label);
        node.put("weight", -1.5f);
        node.put("flag", true);
        node.put("value", value);
        TreeMap<String, Object> tags = new TreeMap<>();
        tags.put("a", 1L);
        tags.put("b", null);
        node.put("tags", tags);
        node.put("next", next);
        return node;
    }

    @Test
    void recursiveRecordsAndEveryUnionBranchMatchAvro() throws IOException {
        GenericRecord leaf = new GenericData.Record(NODE.getField("value").schema().getTypes().get(3));
        leaf.put("x", -7);
        List<Object> values = List.of("text", 42L, leaf, List.of(1.0, 2.5), new LinkedList<>(List.of(3.0)));
        GenericRecord chain = node("tail", null, null);
        for (Object value : values) {
            chain = node("n", value, chain);
            assertThat(compiled(chain)).isEqualTo(avro(chain));
        }
    }

    @Test
    void declinesWhatOnlyAvroWrites() throws IOException {
        // A CharSequence that is not a String, and an Integer where the union has only long: Avro decides.
        GenericRecord builder = node("x", null, null);
        builder.put("label", new StringBuilder("sb"));
        assertThat(compiled(builder)).isNull();
        assertThat(avro(builder)).isEqualTo(avro(node("sb", null, null)));
        GenericRecord integer = node("x", 5, null);
        assertThat(compiled(integer)).isNull();
        GenericRecord missing = node("x", null, null);
        missing.put("label", null);
        assertThat(compiled(missing)).isNull();
        GenericRecord wrongKey = node("x", null, null);
        wrongKey.put("tags", Map.of(1, 2L));
        assertThat(compiled(wrongKey)).isNull();
    }

    @Test
    void schemasWithLogicalTypesBytesOrFixedAreNotCompiled() {
        Schema timestamped = new Schema.Parser().parse("""
                {"type": "record", "name": "R", "fields": [
                  {"name": "when", "type": {"type": "long", "logicalType": "timestamp-millis"}}]}""");
        assertThat(CompiledWriter.compile(timestamped, GenericData.get())).isNull();
        assertThat(CompiledWriter.compile(Schema.create(Schema.Type.BYTES), GenericData.get())).isNull();
        assertThat(CompiledWriter.compile(Schema.createFixed("F", null, "t", 4), GenericData.get())).isNull();
        assertThat(CompiledWriter.compile(NODE, GenericData.get())).isNotNull();
    }
}
