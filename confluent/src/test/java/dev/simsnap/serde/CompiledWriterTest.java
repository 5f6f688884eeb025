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
    void schemasWithLogicalTypesOrFixedAreNotCompiled() {
        Schema timestamped = new Schema.Parser().parse("""
                {"type": "record", "name": "R", "fields": [
                  {"name": "when", "type": {"type": "long", "logicalType": "timestamp-millis"}}]}""");
        assertThat(CompiledWriter.compile(timestamped, GenericData.get())).isNull();
        Schema decimal = new Schema.Parser().parse("""
                {"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 2}""");
        assertThat(CompiledWriter.compile(decimal, GenericData.get())).isNull();
        assertThat(CompiledWriter.compile(Schema.createFixed("F", null, "t", 4), GenericData.get())).isNull();
        assertThat(CompiledWriter.compile(NODE, GenericData.get())).isNotNull();
        assertThat(CompiledWriter.compile(Schema.create(Schema.Type.BYTES), GenericData.get())).isNotNull();
    }

    @Test
    void bytesAreTheBufferRemainingBytesAsAvroWritesThem() throws IOException {
        Schema blob = new Schema.Parser().parse("""
                {"type": "record", "name": "Blob", "namespace": "t", "fields": [
                  {"name": "item", "type": ["null", "bytes"]},
                  {"name": "raw", "type": "bytes"}]}""");
        CompiledWriter writer = CompiledWriter.compile(blob, GenericData.get());
        java.nio.ByteBuffer offset = java.nio.ByteBuffer.wrap(new byte[] {9, 9, 1, 2, 3, 9}, 2, 3).slice();
        java.nio.ByteBuffer positioned = java.nio.ByteBuffer.wrap(new byte[] {7, 8, 1, 2});
        positioned.position(1);
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(3).put(new byte[] {4, 5, 6}).flip();
        List<java.nio.ByteBuffer> buffers = List.of(offset, positioned, positioned.asReadOnlyBuffer(), direct,
                java.nio.ByteBuffer.allocate(0));
        for (java.nio.ByteBuffer b : buffers) {
            for (java.nio.ByteBuffer item : java.util.Arrays.asList(null, b)) {
                GenericRecord r = new GenericData.Record(blob);
                r.put("item", item);
                r.put("raw", b);
                int position = b.position();
                ByteArrayOutputStream mine = new ByteArrayOutputStream();
                BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(mine, null);
                assertThat(writer.write(r, encoder)).isTrue();
                encoder.flush();
                ByteArrayOutputStream avro = new ByteArrayOutputStream();
                BinaryEncoder avroEncoder = EncoderFactory.get().binaryEncoder(avro, null);
                new GenericDatumWriter<>(blob, GenericData.get()).write(r, avroEncoder);
                avroEncoder.flush();
                assertThat(mine.toByteArray()).isEqualTo(avro.toByteArray());
                assertThat(b.position()).isEqualTo(position);
            }
        }
        GenericRecord array = new GenericData.Record(blob);
        array.put("item", null);
        array.put("raw", new byte[] {1}); // not a ByteBuffer: Avro decides
        assertThat(writer.write(array, EncoderFactory.get().binaryEncoder(new ByteArrayOutputStream(), null)))
                .isFalse();
    }
}
