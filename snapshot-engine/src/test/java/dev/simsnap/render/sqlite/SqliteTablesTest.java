package dev.simsnap.render.sqlite;

import dev.simsnap.model.sqlite.TableSchemas;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteTablesTest {

    @TempDir
    Path dir;

    @Test
    void seedDatabaseRestoresExactlyAsPythonSeesIt() throws Exception {
        Path original = dir.resolve("data.db");
        SeedDatabase.build(original, 4);

        List<SqliteTable> tables = SqliteTables.read(original);

        assertThat(tables).extracting(SqliteTable::name).containsExactlyElementsOf(SeedDatabase.TABLES);
        SqliteTable orders = tables.get(0);
        assertThat(orders.ddl()).isEqualTo(orders.schema().getProp("sqlite.ddl")).contains("check(type IN ('sell','buy'))");
        assertThat(orders.schema().getFullName()).isEqualTo("simsnap.sqlite.table_active_orders");
        List<Long> rowids = orders.rows().stream().map(SqliteRow::rowid).toList();
        assertThat(rowids).isSorted().doesNotContain(5L, 16L); // deleted orders leave gaps
        assertThat(rowids.get(rowids.size() - 1)).isGreaterThan(rowids.size());
        assertThat(orders.rows()).extracting(r -> valueClass(r.row().get("price")))
                .contains("Long", "Double").doesNotContain("String");
        assertThat(orders.rows()).extracting(r -> r.row().get("status").toString())
                .contains("active", "closed", "finished");
        SqliteTable stock = tables.get(1);
        GenericRecord odd = stock.rows().get(stock.rows().size() - 1).row();
        assertThat(odd.get("volume")).isEqualTo(9007199254740993L);
        assertThat(odd.get("quantity")).isEqualTo("n/a");
        assertThat(odd.get("last_price")).isEqualTo(0L);
        assertThat(odd.get("begin_price")).isEqualTo(1e300);
        assertThat(odd.get("highest_price")).isNull();
        assertThat(odd.get("lowest_price")).isEqualTo(ByteBuffer.wrap(new byte[] {0, (byte) 0xff}));
        SqliteTable memory = tables.get(4);
        assertThat(memory.rows()).allSatisfy(r -> assertThat(r.row().get("analysis_for_stocks").toString()).hasSizeGreaterThan(4000));

        Path restored = dir.resolve("restored.db");
        SqliteTables.write(restored, tables);

        assertThat(SqliteTables.read(restored)).isEqualTo(tables);
        Path again = dir.resolve("again.db");
        SqliteTables.write(again, tables);
        assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(restored));
        assertDeterministicHeader(Files.readAllBytes(restored));

        // the independent oracle (last: without python3 the checks above still run before the skip)
        assertThat(PythonOracle.dump(restored, SeedDatabase.QUERIES))
                .isEqualTo(PythonOracle.dump(original, SeedDatabase.QUERIES));
    }

    @Test
    void rowOrderOfTheInputDoesNotChangeTheBytes() throws Exception {
        Path original = dir.resolve("data.db");
        SeedDatabase.build(original, 2);
        List<SqliteTable> tables = SqliteTables.read(original);
        List<SqliteTable> shuffled = new ArrayList<>();
        for (SqliteTable t : tables) {
            List<SqliteRow> rows = new ArrayList<>(t.rows());
            Collections.shuffle(rows, new Random(7));
            shuffled.add(SqliteTable.of(t.schema(), rows));
        }
        SqliteTables.write(dir.resolve("a.db"), tables);
        SqliteTables.write(dir.resolve("b.db"), shuffled);
        assertThat(Files.readAllBytes(dir.resolve("b.db"))).isEqualTo(Files.readAllBytes(dir.resolve("a.db")));
    }

    /**
     * The same input gives the same bytes in every run, not only twice in one JVM. The digest depends on the SQLite
     * library (the sqlite-jdbc version): when that dependency is upgraded, check the file and update the digest.
     */
    @Test
    void bytesAreStableAcrossRuns() throws Exception {
        Schema schema = TableSchemas.fromDdl("gossip", SeedDatabase.DDL.get(5), List.of("person_id", "virtual_date", "gossip"));
        List<SqliteRow> rows = new ArrayList<>();
        for (long id = 1; id <= 50; id += 3) {
            GenericData.Record r = new GenericData.Record(schema);
            r.put(0, id % 5);
            r.put(1, id / 5);
            r.put(2, "消息 " + id + " " + "x".repeat((int) id * 40));
            rows.add(new SqliteRow(id, r));
        }
        Path file = dir.resolve("golden.db");
        SqliteTables.write(file, List.of(SqliteTable.of(schema, rows)));
        byte[] bytes = Files.readAllBytes(file);
        assertDeterministicHeader(bytes);
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
                .isEqualTo(GOLDEN_SHA256);
    }

    static final String GOLDEN_SHA256 = "7351bbfbbf0e0b296f4395205e38aa0fab975dbb54a9235aa2319648d86db4a7";

    @Test
    void indexesAndTriggersAreCarriedAndBehaveTheSame() throws Exception {
        Path original = dir.resolve("data.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + original);
             Statement st = c.createStatement()) {
            st.execute(SeedDatabase.DDL.get(0));
            st.execute("CREATE TABLE audit (order_rowid INTEGER, old_status TEXT, new_status TEXT)");
            st.execute("CREATE INDEX ix_orders_person ON active_orders(person_id, status)");
            st.execute("CREATE UNIQUE INDEX ix_orders_ts ON active_orders(timestamp)");
            st.execute("CREATE TRIGGER tr_status AFTER UPDATE OF status ON active_orders BEGIN "
                    + "INSERT INTO audit VALUES (new.rowid, old.status, new.status); END");
            for (int i = 0; i < 20; i++) {
                st.execute("INSERT INTO active_orders VALUES (" + (1000 + i) + ", 0, 1, 0, 1, " + (i % 4)
                        + ", 'buy', 10.5, 3, 'active')");
            }
            st.execute("UPDATE active_orders SET status = 'closed' WHERE person_id = 2");
        }
        List<SqliteTable> tables = SqliteTables.read(original);
        assertThat(tables.get(0).indexes()).containsExactly(
                "CREATE INDEX ix_orders_person ON active_orders(person_id, status)",
                "CREATE UNIQUE INDEX ix_orders_ts ON active_orders(timestamp)");
        assertThat(tables.get(0).triggers()).hasSize(1);
        assertThat(tables.get(1).indexes()).isEmpty();
        assertThat(tables.get(1).rows()).hasSize(5); // the trigger fired in the original; the restore copies rows only

        Path restored = dir.resolve("restored.db");
        SqliteTables.write(restored, tables);
        List<String> queries = List.of(
                "EXPLAIN QUERY PLAN SELECT * FROM active_orders WHERE person_id = 1 AND status = 'active'",
                "SELECT count(*) FROM audit");
        assertThat(PythonOracle.dump(restored, queries)).isEqualTo(PythonOracle.dump(original, queries));

        // both databases go on behaving the same: the trigger fires, the unique index refuses duplicates
        List<String> more = List.of("UPDATE active_orders SET status = 'finished' WHERE person_id = 3");
        PythonOracle.exec(original, more);
        PythonOracle.exec(restored, more);
        assertThat(PythonOracle.dump(restored, queries)).isEqualTo(PythonOracle.dump(original, queries));
        assertThatThrownBy(() -> PythonOracle.exec(restored,
                List.of("INSERT INTO active_orders VALUES (1000, 0, 1, 0, 1, 1, 'buy', 1, 1, 'active')")))
                .hasMessageContaining("UNIQUE constraint failed");
    }

    @Test
    void viewsAreSkipped() throws Exception {
        Path original = dir.resolve("data.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + original);
             Statement st = c.createStatement()) {
            st.execute(SeedDatabase.DDL.get(5));
            st.execute("CREATE VIEW latest_gossip AS SELECT * FROM gossip ORDER BY rowid DESC LIMIT 1");
            st.execute("INSERT INTO gossip VALUES (1, 2, 'x')");
        }
        assertThat(SqliteTables.read(original)).extracting(SqliteTable::name).containsExactly("gossip");
    }

    @Test
    void oddNamesAndIntegerPrimaryKey() throws Exception {
        Path original = dir.resolve("data.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + original);
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE \"odd \"\"table\"\"\" (id INTEGER PRIMARY KEY, \"my col\" TEXT, \"_xy\", "
                    + "\"naïve\" REAL, \"rowid\" TEXT, \"9lives\" BLOB)");
            st.execute("INSERT INTO \"odd \"\"table\"\"\" VALUES (3, 'a', 1, 2, 'not the rowid', x'01')");
            st.execute("INSERT INTO \"odd \"\"table\"\"\" VALUES (NULL, NULL, 'b', 7, NULL, 'text in blob')");
            st.execute("INSERT INTO \"odd \"\"table\"\"\" VALUES (100, 'c', 2.5, NULL, 'z', NULL)");
            st.execute("DELETE FROM \"odd \"\"table\"\"\" WHERE id = 4");
            st.execute("INSERT INTO \"odd \"\"table\"\"\" VALUES (-7, 'neg', NULL, 1e-3, NULL, 42)");
            // not a rowid alias: the column is independent of the rowid and may be NULL
            st.execute("CREATE TABLE desc_pk (id INTEGER PRIMARY KEY DESC, x)");
            st.execute("INSERT INTO desc_pk VALUES (50, 'a'), (NULL, 'b'), (-1, 'c')");
        }
        List<SqliteTable> tables = SqliteTables.read(original);
        assertThat(tables.get(1).rows()).extracting(r -> r.rowid() + "=" + r.row().get("id"))
                .containsExactly("1=50", "2=null", "3=-1");
        Schema schema = tables.get(0).schema();
        assertThat(schema.getName()).isEqualTo("table_" + TableSchemas.avroName("odd \"table\""));
        assertThat(schema.getFields()).extracting(Schema.Field::name)
                .containsExactly("id", "_x6d7920636f6c", "_x5f7879", "_x6e61c3af7665", "rowid", "_x396c69766573");
        assertThat(schema.getFields()).extracting(TableSchemas::columnName)
                .containsExactly("id", "my col", "_xy", "naïve", "rowid", "9lives");
        assertThat(tables.get(0).rows()).extracting(SqliteRow::rowid).containsExactly(-7L, 3L, 100L);
        assertThat(tables.get(0).rows().get(1).row().get("rowid")).isEqualTo("not the rowid");

        Path restored = dir.resolve("restored.db");
        SqliteTables.write(restored, tables);
        assertThat(PythonOracle.dump(restored, List.of())).isEqualTo(PythonOracle.dump(original, List.of()));
        assertThat(SqliteTables.read(restored)).isEqualTo(tables);
    }

    @Test
    void rowsOfOlderSchemaVersionsResolveToTheTablesSchema() throws Exception {
        Schema v1 = TableSchemas.fromDdl("gossip", "CREATE TABLE gossip (person_id Integer, gossip Text)",
                List.of("person_id", "gossip"));
        String v2Ddl = "CREATE TABLE gossip (person_id Integer, gossip Text, virtual_date Integer)";
        Schema v2 = TableSchemas.fromDdl("gossip", v2Ddl, List.of("person_id", "gossip", "virtual_date"));
        GenericData.Record old = new GenericData.Record(v1);
        old.put("person_id", 1L);
        old.put("gossip", "older row");
        GenericData.Record current = new GenericData.Record(v2);
        current.put("person_id", 2L);
        current.put("gossip", "newer row");
        current.put("virtual_date", 5L);

        Path file = dir.resolve("data.db");
        SqliteTables.write(file, List.of(SqliteTable.of(v2, List.of(new SqliteRow(9, current), new SqliteRow(4, old)))));

        SqliteTable read = SqliteTables.read(file).get(0);
        assertThat(read.ddl()).isEqualTo(v2Ddl);
        assertThat(read.rows()).extracting(SqliteRow::rowid).containsExactly(4L, 9L);
        assertThat(read.rows().get(0).row().get("virtual_date")).isNull();
        assertThat(read.rows().get(0).row().get("gossip")).isEqualTo("older row");
        assertThat(read.rows().get(1).row().get("virtual_date")).isEqualTo(5L);

        // a newer row into the older table: the column the table lacks is dropped
        Path older = dir.resolve("older.db");
        SqliteTables.write(older, List.of(SqliteTable.of(v1, List.of(new SqliteRow(9, current)))));
        assertThat(SqliteTables.read(older).get(0).rows().get(0).row().getSchema()).isEqualTo(v1);
    }

    @Test
    void readsADatabaseThePythonSimulationWroteInWalMode() throws Exception {
        Path original = dir.resolve("data.db");
        List<String> statements = new ArrayList<>();
        statements.add("PRAGMA journal_mode=WAL");
        statements.addAll(SeedDatabase.DDL);
        statements.add("INSERT INTO active_orders VALUES (1, 0, 0, 0, 1, 2, 'buy', 439.40, 10, 'active')");
        statements.add("INSERT INTO active_orders VALUES (2, 0, 0, 0, 1, 3, 'sell', 440, 5, 'active')");
        statements.add("UPDATE active_orders SET status = 'finished' WHERE timestamp = 1");
        statements.add("INSERT INTO person VALUES (0, 0, 40000, 0, 40000, 500, 0.0, 20, 'Prinzip: Geduld ☕')");
        statements.add("INSERT INTO gossip VALUES (0, 0, NULL)");
        PythonOracle.exec(original, statements);
        assertThat(Files.readAllBytes(original)[18]).isEqualTo((byte) 2); // a WAL database

        List<SqliteTable> tables = SqliteTables.read(original);
        assertThat(tables).extracting(SqliteTable::name).containsExactlyElementsOf(SeedDatabase.TABLES);
        Path restored = dir.resolve("restored.db");
        SqliteTables.write(restored, tables);
        assertThat(PythonOracle.dump(restored, SeedDatabase.QUERIES))
                .isEqualTo(PythonOracle.dump(original, SeedDatabase.QUERIES));
        assertThat(Files.readAllBytes(restored)[18]).isEqualTo((byte) 1); // written without WAL
    }

    @Test
    void refusesWithoutRowidTables() throws Exception {
        Path original = dir.resolve("data.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + original);
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v) WITHOUT ROWID");
        }
        assertThatThrownBy(() -> SqliteTables.read(original))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("WITHOUT ROWID");
    }

    @Test
    void writeRefusesMismatchedSchemasAndLeavesNoFile() throws Exception {
        Schema schema = TableSchemas.fromDdl("gossip", SeedDatabase.DDL.get(5), List.of("person_id", "gossip"));
        Path file = dir.resolve("data.db");
        assertThatThrownBy(() -> SqliteTables.write(file, List.of(SqliteTable.of(schema, List.of()))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("virtual_date");
        assertThat(file).doesNotExist();

        Schema ok = TableSchemas.fromDdl("gossip", SeedDatabase.DDL.get(5), List.of("person_id", "virtual_date", "gossip"));
        GenericData.Record r = new GenericData.Record(ok);
        List<SqliteRow> twice = List.of(new SqliteRow(1, r), new SqliteRow(1, r));
        assertThatThrownBy(() -> SqliteTables.write(file, List.of(SqliteTable.of(ok, twice))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate rowid 1");
        assertThat(file).doesNotExist();
    }

    @Test
    void writeAtomicallyReplacesTheTarget() throws Exception {
        Path original = dir.resolve("data.db");
        SeedDatabase.build(original, 1);
        List<SqliteTable> tables = SqliteTables.read(original);
        Path target = dir.resolve("snapshot").resolve("data.db");
        Files.createDirectories(target.getParent());
        Files.writeString(target, "old");
        SqliteTables.writeAtomically(target, tables);
        assertThat(SqliteTables.read(target)).isEqualTo(tables);
        try (var files = Files.list(target.getParent())) {
            assertThat(files).containsExactly(target);
        }
    }

    /** Legacy (non-WAL) format, page size 4096, change counter = version-valid-for = 1, user_version 0. */
    static void assertDeterministicHeader(byte[] db) {
        ByteBuffer h = ByteBuffer.wrap(db);
        assertThat(new String(db, 0, 15, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("SQLite format 3");
        assertThat(h.getShort(16) & 0xffff).isEqualTo(SqliteTables.PAGE_SIZE);
        assertThat(db[18]).isEqualTo((byte) 1);
        assertThat(db[19]).isEqualTo((byte) 1);
        assertThat(h.getInt(24)).as("file change counter").isEqualTo(1);
        assertThat(h.getInt(92)).as("version-valid-for").isEqualTo(1);
        assertThat(h.getInt(28) * (long) SqliteTables.PAGE_SIZE).as("in-header size").isEqualTo(db.length);
        assertThat(h.getInt(36)).as("freelist pages").isZero();
        assertThat(h.getInt(52)).as("auto-vacuum").isZero();
        assertThat(h.getInt(56)).as("text encoding UTF-8").isEqualTo(1);
        assertThat(h.getInt(60)).as("user_version").isZero();
        assertThat(h.getInt(68)).as("application_id").isZero();
    }

    private static String valueClass(Object v) {
        return v == null ? "null" : v instanceof CharSequence ? "String" : v.getClass().getSimpleName();
    }
}
