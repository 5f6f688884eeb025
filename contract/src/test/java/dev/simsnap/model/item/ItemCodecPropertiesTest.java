package dev.simsnap.model.item;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.avro.Schema;

/** PATCH and APPEND bodies equal Avro's own encoding of the same values, and decode back to them. */
class ItemCodecPropertiesTest {

    private static final Schema PERSON = ItemCodecTest.PERSON;

    @Property(tries = 300)
    void patchBodiesAreStandardAvro(@ForAll("patches") List<Tuple.Tuple2<String, Object>> patch) throws IOException {
        List<String> paths = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        patch.forEach(t -> {
            paths.add(t.get1());
            values.add(t.get2());
        });
        byte[] body = ItemCodec.encodePatch(PERSON, paths, values);
        assertThat(body).isEqualTo(ItemCodecTest.syntheticRecordBytes(PERSON, paths, values));
        List<Object> decoded = ItemCodec.decodePatch(PERSON, paths, body);
        for (int i = 0; i < values.size(); i++) {
            Object v = values.get(i);
            Object d = decoded.get(i);
            assertThat(d == null ? null : d.toString()).isEqualTo(v == null ? null : v.toString());
            if (v != null && !(v instanceof String)) {
                assertThat(d).isEqualTo(v);
            }
        }
    }

    @Property(tries = 200)
    void appendBodiesAreStandardAvro(@ForAll("doubles") List<Double> items) throws IOException {
        byte[] body = ItemCodec.encodeAppend(PERSON, "history", items);
        assertThat(body).isEqualTo(ItemCodecTest.standalone(Schema.createArray(Schema.create(Schema.Type.DOUBLE)),
                items));
        assertThat(ItemCodec.decodeAppend(PERSON, "history", body)).isEqualTo(items);
    }

    private static Tuple.Tuple2<String, Object> t(String path, Object value) {
        return Tuple.of(path, value);
    }

    @Provide
    Arbitrary<List<Double>> doubles() {
        return Arbitraries.doubles().withSpecialValue(Double.NaN).withSpecialValue(-0.0).list().ofMaxSize(50);
    }

    @Provide
    Arbitrary<List<Tuple.Tuple2<String, Object>>> patches() {
        Arbitrary<String> strings = Arbitraries.strings().ofMaxLength(12);
        Arbitrary<String> keys = Arbitraries.of("a", "b", "cash", "é");
        Arbitrary<Tuple.Tuple2<String, Object>> one = Arbitraries.oneOf(
                strings.map(s -> t("name", s)),
                Arbitraries.longs().map(l -> t("age", l)),
                Arbitraries.doubles().map(d -> t("identity.cash", d)),
                strings.injectNull(0.3).map(s -> t("identity.label", s)),
                Combinators.combine(keys, Arbitraries.oneOf(Arbitraries.longs().map(l -> (Object) l),
                        Arbitraries.doubles().map(d -> (Object) d), strings.map(s -> (Object) s)))
                        .as((k, v) -> t("wallet." + k, v)),
                Combinators.combine(keys, Arbitraries.integers()).as((k, v) -> t("home.rooms." + k, v)),
                Arbitraries.longs().list().ofMaxSize(5).injectNull(0.3).map(l -> t("events", l)),
                Arbitraries.longs().map(l -> t("either.y", l)));
        return one.list().ofMinSize(1).ofMaxSize(6);
    }
}
