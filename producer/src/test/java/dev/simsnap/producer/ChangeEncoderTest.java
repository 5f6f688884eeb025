package dev.simsnap.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.serde.WireFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** The reusable encoder gives the bytes of a fresh {@link ItemCodec} encode, framed, change after change. */
class ChangeEncoderTest {

    private static final Schema CELL = new Schema.Parser().parse("""
            {"type":"record","name":"Cell","namespace":"t","fields":[
              {"name":"id","type":"string"},
              {"name":"n","type":"long"},
              {"name":"rate","type":["null","double"],"default":null},
              {"name":"tags","type":{"type":"array","items":"string"}},
              {"name":"counts","type":{"type":"map","values":"int"}},
              {"name":"inner","type":{"type":"record","name":"Inner","fields":[{"name":"x","type":"double"}]}}]}
            """);

    private static GenericRecord cell(int i, int tags) {
        GenericRecord inner = new GenericData.Record(CELL.getField("inner").schema());
        inner.put("x", i * 0.5);
        GenericRecord r = new GenericData.Record(CELL);
        r.put("id", "c" + i);
        r.put("n", (long) i * 1_000_003L);
        r.put("rate", i % 2 == 0 ? null : i / 7.0);
        List<String> t = new ArrayList<>();
        for (int k = 0; k < tags; k++) {
            t.add("tag-" + k + "-é");
        }
        r.put("tags", t);
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("s", i);
        counts.put("i", -i);
        r.put("counts", counts);
        r.put("inner", inner);
        return r;
    }

    @Test
    void everyKindOfChangeEncodesToTheFramedItemCodecBytesThroughOneEncoder() {
        ChangeEncoder encoder = new ChangeEncoder();
        for (int i = 0; i < 300; i++) {
            int id = 1 + i % 3 + (i % 5 == 0 ? 1 << 24 : 0);
            int tags = i % 40 == 0 ? 2_000 : i % 7; // some items outgrow the initial buffer
            GenericRecord item = cell(i, tags);
            assertThat(encoder.upsert(id, CELL, item))
                    .isEqualTo(WireFormat.frame(id, ItemCodec.encodeUpsert(CELL, item)));

            List<String> paths = List.of("n", "inner.x", "rate");
            List<Schema> schemas = List.of(ItemCodec.pathSchema(CELL, "n"), ItemCodec.pathSchema(CELL, "inner.x"),
                    ItemCodec.pathSchema(CELL, "rate"));
            List<Object> values = java.util.Arrays.asList((long) -i, i + 0.25, i % 3 == 0 ? null : (double) i);
            assertThat(encoder.patch(id, paths, schemas, values))
                    .isEqualTo(WireFormat.frame(id, ItemCodec.encodeResolvedPatch(paths, schemas, values)));

            List<String> appended = List.of("a" + i, "b");
            assertThat(encoder.append(id, CELL, "tags", appended))
                    .isEqualTo(WireFormat.frame(id, ItemCodec.encodeAppend(CELL, "tags", appended)));
        }
    }

    @Test
    void aFailedChangeThrowsItemCodecsErrorAndLeavesNothingBehindForTheNext() {
        ChangeEncoder encoder = new ChangeEncoder();
        List<String> paths = List.of("n", "inner.x");
        List<Schema> schemas = List.of(ItemCodec.pathSchema(CELL, "n"), ItemCodec.pathSchema(CELL, "inner.x"));
        List<Object> bad = List.of(5L, "not a double"); // fails after the first value was written
        assertThatThrownBy(() -> encoder.patch(7, paths, schemas, bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(catchMessage(() -> ItemCodec.encodeResolvedPatch(paths, schemas, bad)));
        assertThatThrownBy(() -> encoder.append(7, CELL, "tags", List.of("ok", 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(catchMessage(() -> ItemCodec.encodeAppend(CELL, "tags", List.of("ok", 3))));
        assertThatThrownBy(() -> encoder.append(7, CELL, "n", List.of(1L)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(catchMessage(() -> ItemCodec.encodeAppend(CELL, "n", List.of(1L))));

        GenericRecord item = cell(3, 4);
        assertThat(encoder.upsert(9, CELL, item)).isEqualTo(WireFormat.frame(9, ItemCodec.encodeUpsert(CELL, item)));
        List<Object> good = List.of(5L, 1.5);
        assertThat(encoder.patch(9, paths, schemas, good))
                .isEqualTo(WireFormat.frame(9, ItemCodec.encodeResolvedPatch(paths, schemas, good)));
    }

    private static String catchMessage(Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("ItemCodec did not refuse it");
    }
}
