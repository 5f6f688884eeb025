package dev.simsnap.render.sqlite;

import dev.simsnap.model.sqlite.TableSchemas;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/** Random rows with a random storage class in every cell round-trip through write and read. */
class SqliteRoundTripProperties {

    /** Declared types; "" and BLOB have no affinity, so any value is stored as bound. */
    private static final List<String> TYPES = List.of("", "BLOB", "INTEGER", "NUMERIC", "REAL", "TEXT", "VARCHAR(20)");
    private static final Set<String> NO_AFFINITY = Set.of("", "BLOB");

    record Spec(List<String> types, List<Long> rowids, List<List<Object>> values) {}

    @Property(tries = 150)
    void rowsRoundTrip(@ForAll("specs") Spec spec) throws Exception {
        List<String> columns = new ArrayList<>();
        StringBuilder ddl = new StringBuilder("CREATE TABLE t (");
        for (int i = 0; i < spec.types().size(); i++) {
            String column = i == 1 ? "col 1" : "c" + i;
            columns.add(column);
            ddl.append(i == 0 ? "" : ", ").append(SqliteTables.quote(column)).append(' ').append(spec.types().get(i));
        }
        Schema schema = TableSchemas.fromDdl("t", ddl.append(')').toString(), columns);
        List<SqliteRow> rows = new ArrayList<>();
        for (int r = 0; r < spec.rowids().size(); r++) {
            GenericData.Record record = new GenericData.Record(schema);
            for (int i = 0; i < columns.size(); i++) {
                record.put(i, spec.values().get(r).get(i));
            }
            rows.add(new SqliteRow(spec.rowids().get(r), record));
        }
        Path dir = Files.createTempDirectory("sqlite-prop");
        try {
            Path first = dir.resolve("first.db");
            SqliteTables.write(first, List.of(SqliteTable.of(schema, rows)));
            SqliteTable read = SqliteTables.read(first).get(0);

            assertThat(read.schema()).isEqualTo(schema);
            assertThat(read.rows()).extracting(SqliteRow::rowid)
                    .containsExactlyElementsOf(spec.rowids().stream().sorted().toList());
            for (SqliteRow got : read.rows()) {
                List<Object> sent = spec.values().get(spec.rowids().indexOf(got.rowid()));
                for (int i = 0; i < columns.size(); i++) {
                    Object v = got.row().get(i);
                    Object expected = sent.get(i);
                    if (NO_AFFINITY.contains(spec.types().get(i))) {
                        assertThat(show(v)).as("column %s rowid %s", i, got.rowid()).isEqualTo(show(expected));
                    } else if (expected == null) {
                        assertThat(v).isNull();
                    }
                    assertThat(v == null || v instanceof Long || v instanceof Double || v instanceof String
                            || v instanceof ByteBuffer).isTrue();
                }
            }

            // what was read is a fixpoint: written again it gives the same bytes and the same rows
            Path second = dir.resolve("second.db");
            SqliteTables.write(second, List.of(read));
            assertThat(Files.readAllBytes(second)).isEqualTo(Files.readAllBytes(first));
            assertThat(SqliteTables.read(second).get(0)).isEqualTo(read);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    /** Java-escaped, typed rendering, so a failure message shows NULs and other controls. */
    private static String show(Object v) {
        if (v instanceof ByteBuffer b) {
            return "bytes:" + java.util.HexFormat.of().formatHex(b.duplicate().array());
        }
        if (v instanceof CharSequence s) {
            StringBuilder sb = new StringBuilder("string:");
            s.toString().codePoints().forEach(cp -> sb.append(cp < 0x20 || cp > 0x7e ? String.format("\\u{%x}", cp)
                    : Character.toString(cp)));
            return sb.toString();
        }
        return v == null ? "null" : v.getClass().getSimpleName() + ":" + v;
    }

    @Provide
    Arbitrary<Spec> specs() {
        Arbitrary<List<String>> types = Arbitraries.of(TYPES).list().ofMinSize(1).ofMaxSize(5);
        Arbitrary<Long> rowid = Arbitraries.oneOf(
                Arbitraries.longs(), Arbitraries.longs().between(-5, 200), Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE));
        return types.flatMap(ts -> rowid.list().uniqueElements().ofMaxSize(25).flatMap(ids ->
                value().list().ofSize(ts.size()).list().ofSize(ids.size())
                        .map(vals -> new Spec(ts, ids, vals))));
    }

    private static Arbitrary<Object> value() {
        Arbitrary<Object> nulls = Arbitraries.just(null);
        Arbitrary<Object> longs = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(-1000, 1000))
                .map(l -> (Object) l);
        Arbitrary<Object> doubles = Arbitraries.oneOf(
                        Arbitraries.doubles(),
                        Arbitraries.of(-0.0, 0.0, 1.0, 0.1, 1e300, -1e-300, Double.MIN_VALUE, Double.MAX_VALUE,
                                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 9007199254740993.0))
                .map(d -> (Object) d);
        Arbitrary<Object> strings = Arbitraries.oneOf(
                        Arbitraries.strings().withCharRange('\u0000', '\ud7ff').ofMaxLength(40),
                        Arbitraries.strings().withChars("0123456789.-e +").ofMaxLength(8),
                        Arbitraries.of("a", "€", "ä", "😀", "价", "\u0000", "\n", "\"", "'").list().ofMaxSize(20)
                                .map(parts -> String.join("", parts)), // whole code points: no lone surrogates
                        Arbitraries.strings().withChars("xyz").ofMinLength(3000).ofMaxLength(6000))
                .map(s -> (Object) s);
        Arbitrary<Object> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(40)
                .map(b -> (Object) ByteBuffer.wrap(b));
        return Arbitraries.oneOf(nulls, longs, doubles, strings, bytes);
    }

}
