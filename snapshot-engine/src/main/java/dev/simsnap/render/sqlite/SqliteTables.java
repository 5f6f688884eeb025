package dev.simsnap.render.sqlite;

import dev.simsnap.model.sqlite.TableSchemas;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * Reads the tables of a SQLite database as {@code rows} collections and writes them back as a new, deterministic
 * database file.
 *
 * <h2>What is carried</h2>
 * <ul>
 *   <li>Every ordinary table of {@code sqlite_master} (in {@code sqlite_master} order), except SQLite's own
 *       {@code sqlite_*} tables: its DDL verbatim, its columns, and every row with its {@code rowid} and each value in
 *       its exact storage class (see {@link TableSchemas}).
 *   <li>The table's explicitly created indexes and its triggers, as the schema properties {@code "sqlite.indexes"} and
 *       {@code "sqlite.triggers"} (in {@code sqlite_master} order), so the restored database answers the same queries
 *       with the same plans and behaves the same on later writes.
 *   <li><b>Not carried</b>: views (a stored query, not state; {@link #read} logs and skips them), the
 *       {@code sqlite_sequence} counters of {@code AUTOINCREMENT} tables (on write SQLite sets them to each table's
 *       largest rowid), {@code sqlite_stat*} (ANALYZE results), {@code user_version}/{@code application_id} (written as
 *       0) and page size/journal mode of the source.
 *   <li><b>Refused</b> ({@link IllegalArgumentException}): {@code WITHOUT ROWID} tables and virtual tables (rows have
 *       no rowid / no storage of their own).
 * </ul>
 *
 * <h2>Schema versions on write</h2>
 * A table is created from {@link SqliteTable#schema()} (the caller passes the newest version of the collection's item
 * schema). A row whose record carries another (older) version is first resolved to the table's schema by Avro schema
 * resolution: columns the older version lacks take their default (null), columns the table no longer has are dropped.
 * A row that cannot be resolved is an {@link IllegalArgumentException}. Values are bound with their storage class;
 * SQLite then applies the column's affinity as on any insert, so values read from a database come back unchanged
 * (affinity conversion is idempotent), while e.g. the string {@code "12"} bound into an INTEGER column is stored as
 * the integer 12, and a NaN double is stored as NULL, exactly as SQLite does.
 *
 * <h2>Determinism of {@link #write}</h2>
 * The same tables (in the same order, rows in any order) give a byte-identical file, given the SQLite library version
 * (pinned by the sqlite-jdbc dependency; the header records it at offset 96). The file is built in one transaction
 * with fixed settings: {@code page_size=4096}, {@code encoding='UTF-8'}, {@code auto_vacuum=NONE},
 * {@code journal_mode=OFF} (a legacy, non-WAL file: header bytes 18/19 are 1), {@code secure_delete=ON},
 * {@code foreign_keys=OFF}; user_version and application_id stay 0. So the header's file change counter (offset 24) and
 * version-valid-for (offset 92) are both 1. Each table is created and filled in rowid order, then all indexes, then
 * all triggers (so inserts fire none). The file is fsynced before {@link #write} returns.
 */
public final class SqliteTables {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteTables.class);

    /** The page size every written database uses. */
    public static final int PAGE_SIZE = 4096;

    private static final List<String> ROWID_NAMES = List.of("rowid", "_rowid_", "oid");

    private SqliteTables() {}

    // ------------------------------------------------------------------------------------------------ read

    /** Reads every ordinary table of {@code dbFile} (opened read-only), rows in rowid order. */
    public static List<SqliteTable> read(Path dbFile) throws IOException {
        if (!Files.isRegularFile(dbFile)) {
            throw new NoSuchFileException(dbFile.toString());
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        try (Connection conn = config.createConnection(url(dbFile))) {
            conn.setAutoCommit(false); // one read transaction: a consistent view of all tables
            try {
                return readTables(conn);
            } finally {
                conn.rollback();
            }
        } catch (SQLException e) {
            throw new IOException("cannot read SQLite database " + dbFile + ": " + e.getMessage(), e);
        }
    }

    private record MasterRow(String type, String name, String tblName, String sql) {}

    private static List<SqliteTable> readTables(Connection conn) throws SQLException {
        List<MasterRow> master = new ArrayList<>();
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid")) {
            while (rs.next()) {
                master.add(new MasterRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
            }
        }
        List<SqliteTable> tables = new ArrayList<>();
        for (MasterRow m : master) {
            if (m.type().equals("view")) {
                LOG.warn("SQLite view {} is not carried (views are not state)", m.name());
                continue;
            }
            if (!m.type().equals("table") || isInternal(m.name())) {
                continue;
            }
            if (m.sql().regionMatches(true, 0, "CREATE VIRTUAL TABLE", 0, 20)) {
                throw new IllegalArgumentException("virtual table " + m.name() + " is not supported");
            }
            List<String> columns = columns(conn, m.name());
            List<String> indexes = new ArrayList<>();
            List<String> triggers = new ArrayList<>();
            for (MasterRow o : master) {
                if (o.sql() != null && o.tblName().equalsIgnoreCase(m.name())) {
                    if (o.type().equals("index")) {
                        indexes.add(o.sql());
                    } else if (o.type().equals("trigger")) {
                        triggers.add(o.sql());
                    }
                }
            }
            Schema schema = TableSchemas.fromDdl(m.name(), m.sql(), columns, indexes, triggers);
            tables.add(new SqliteTable(m.name(), m.sql(), schema, readRows(conn, m.name(), columns, schema)));
        }
        return List.copyOf(tables);
    }

    private static List<SqliteRow> readRows(Connection conn, String table, List<String> columns, Schema schema)
            throws SQLException {
        String rowid = rowidName(table, columns);
        StringBuilder sql = new StringBuilder("SELECT ").append(rowid);
        for (String c : columns) {
            sql.append(", ").append(quote(c)).append(", typeof(").append(quote(c)).append(')');
        }
        sql.append(" FROM ").append(quote(table)).append(" ORDER BY ").append(rowid);
        PreparedStatement ps;
        try {
            ps = conn.prepareStatement(sql.toString());
        } catch (SQLException e) {
            if (String.valueOf(e.getMessage()).contains("no such column")) {
                throw new IllegalArgumentException("table " + table + " has no rowid (WITHOUT ROWID): not supported");
            }
            throw e;
        }
        List<SqliteRow> rows = new ArrayList<>();
        try (ps; ResultSet rs = ps.executeQuery()) {
            int n = columns.size();
            while (rs.next()) {
                GenericData.Record record = new GenericData.Record(schema);
                for (int i = 0; i < n; i++) {
                    int col = 2 + 2 * i;
                    record.put(i, value(rs, col, rs.getString(col + 1)));
                }
                rows.add(new SqliteRow(rs.getLong(1), record));
            }
        }
        return rows;
    }

    private static Object value(ResultSet rs, int col, String storageClass) throws SQLException {
        return switch (storageClass) {
            case "null" -> null;
            case "integer" -> rs.getLong(col);
            case "real" -> rs.getDouble(col);
            case "text" -> rs.getString(col);
            case "blob" -> {
                byte[] bytes = rs.getBytes(col);
                yield ByteBuffer.wrap(bytes == null ? new byte[0] : bytes);
            }
            default -> throw new SQLException("unknown storage class " + storageClass);
        };
    }

    // ------------------------------------------------------------------------------------------------ write

    /**
     * Writes {@code tables} into a new database file {@code dbFile} (which must not exist; its directory must). On
     * failure the partly written file is deleted. To replace a file atomically, write to a temporary file in the same
     * directory and rename it ({@link #writeAtomically} does both).
     */
    public static void write(Path dbFile, List<SqliteTable> tables) throws IOException {
        if (Files.exists(dbFile)) {
            throw new FileAlreadyExistsException(dbFile.toString());
        }
        checkNames(tables);
        boolean done = false;
        try {
            try (Connection conn = new SQLiteConfig().createConnection(url(dbFile))) {
                try (Statement st = conn.createStatement()) {
                    st.execute("PRAGMA page_size=" + PAGE_SIZE);
                    st.execute("PRAGMA encoding='UTF-8'");
                    st.execute("PRAGMA auto_vacuum=NONE");
                    st.execute("PRAGMA journal_mode=OFF");
                    st.execute("PRAGMA synchronous=OFF");
                    st.execute("PRAGMA secure_delete=ON");
                    st.execute("PRAGMA foreign_keys=OFF");
                }
                conn.setAutoCommit(false);
                for (SqliteTable table : tables) {
                    createAndFill(conn, table);
                }
                try (Statement st = conn.createStatement()) {
                    for (SqliteTable table : tables) {
                        for (String index : table.indexes()) {
                            st.execute(index);
                        }
                    }
                    for (SqliteTable table : tables) {
                        for (String trigger : table.triggers()) {
                            st.execute(trigger);
                        }
                    }
                }
                conn.commit();
            } catch (SQLException e) {
                throw new IOException("cannot write SQLite database " + dbFile + ": " + e.getMessage(), e);
            }
            try (FileChannel ch = FileChannel.open(dbFile, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(dbFile);
            }
        }
    }

    /**
     * Writes {@code tables} to a temporary file in {@code target}'s directory, then renames it to {@code target}
     * (atomically, replacing an existing file).
     */
    public static void writeAtomically(Path target, List<SqliteTable> tables) throws IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".tmp");
        try {
            Files.delete(tmp); // a unique name; write creates the file itself
            write(tmp, tables);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void checkNames(List<SqliteTable> tables) {
        Set<String> seen = new HashSet<>();
        for (SqliteTable t : tables) {
            if (isInternal(t.name())) {
                throw new IllegalArgumentException("table name reserved by SQLite: " + t.name());
            }
            if (!seen.add(t.name().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("duplicate table " + t.name());
            }
        }
    }

    private static void createAndFill(Connection conn, SqliteTable table) throws SQLException {
        String name = table.name();
        Schema schema = table.schema();
        try (Statement st = conn.createStatement()) {
            st.execute(table.ddl());
        }
        List<String> columns = columns(conn, name);
        List<String> fieldColumns = schema.getFields().stream().map(TableSchemas::columnName).toList();
        if (!columns.equals(fieldColumns)) {
            throw new IllegalArgumentException("table " + name + ": the DDL declares columns " + columns
                    + " but the schema has " + fieldColumns);
        }
        int alias = rowidAlias(conn, name);

        List<SqliteRow> rows = new ArrayList<>(table.rows());
        rows.sort(Comparator.comparingLong(SqliteRow::rowid));
        for (int i = 1; i < rows.size(); i++) {
            if (rows.get(i).rowid() == rows.get(i - 1).rowid()) {
                throw new IllegalArgumentException("table " + name + ": duplicate rowid " + rows.get(i).rowid());
            }
        }

        StringBuilder sql = new StringBuilder("INSERT INTO ").append(quote(name)).append('(')
                .append(rowidName(name, columns));
        for (String c : columns) {
            sql.append(", ").append(quote(c));
        }
        sql.append(") VALUES (?").append(", ?".repeat(columns.size())).append(')');

        Resolver resolver = new Resolver(schema);
        try (PreparedStatement ps = conn.prepareStatement(sql.toString())) {
            for (SqliteRow row : rows) {
                GenericRecord record = resolver.resolve(name, row);
                ps.setLong(1, row.rowid());
                for (int i = 0; i < columns.size(); i++) {
                    Object v = record.get(i);
                    if (i == alias) {
                        if (v == null) {
                            v = row.rowid(); // an INTEGER PRIMARY KEY column is the rowid
                        } else if (!(v instanceof Number num) || num.longValue() != row.rowid()) {
                            throw new IllegalArgumentException("table " + name + ", rowid " + row.rowid()
                                    + ": INTEGER PRIMARY KEY column " + columns.get(i) + " is " + v);
                        }
                    }
                    bind(ps, i + 2, v, name, row.rowid(), columns.get(i));
                }
                ps.executeUpdate();
            }
        }
    }

    private static void bind(PreparedStatement ps, int index, Object v, String table, long rowid, String column)
            throws SQLException {
        if (v == null) {
            ps.setNull(index, Types.NULL);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            ps.setLong(index, ((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            ps.setDouble(index, ((Number) v).doubleValue());
        } else if (v instanceof CharSequence s) {
            ps.setString(index, s.toString());
        } else if (v instanceof ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            ps.setBytes(index, bytes);
        } else if (v instanceof byte[] bytes) {
            ps.setBytes(index, bytes);
        } else {
            throw new IllegalArgumentException("table " + table + ", rowid " + rowid + ", column " + column
                    + ": a " + v.getClass().getName() + " has no SQLite storage class");
        }
    }

    /** Resolves rows written with another version of the table's schema to the table's schema. */
    private static final class Resolver {
        private final Schema target;
        private final Map<Schema, GenericDatumReader<GenericRecord>> readers = new HashMap<>();
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private BinaryEncoder encoder;

        Resolver(Schema target) {
            this.target = target;
        }

        GenericRecord resolve(String table, SqliteRow row) {
            GenericRecord record = row.row();
            Schema writer = record.getSchema();
            if (writer == target || writer.equals(target)) {
                return record;
            }
            try {
                GenericDatumReader<GenericRecord> reader =
                        readers.computeIfAbsent(writer, w -> new GenericDatumReader<>(w, target));
                buf.reset();
                encoder = EncoderFactory.get().binaryEncoder(buf, encoder);
                new GenericDatumWriter<GenericRecord>(writer).write(record, encoder);
                encoder.flush();
                return reader.read(null, DecoderFactory.get().binaryDecoder(buf.toByteArray(), null));
            } catch (IOException | AvroRuntimeException e) {
                throw new IllegalArgumentException("table " + table + ", rowid " + row.rowid()
                        + ": cannot resolve the row's schema " + writer.getFullName() + " to the table's: "
                        + e.getMessage(), e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static List<String> columns(Connection conn, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT name FROM pragma_table_info(?) ORDER BY cid")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("table " + table + " does not exist or has no columns");
        }
        return columns;
    }

    /** The column index of the table's rowid alias (its {@code INTEGER PRIMARY KEY}), or -1. */
    private static int rowidAlias(Connection conn, String table) throws SQLException {
        int alias = -1;
        int pkColumns = 0;
        try (PreparedStatement ps = conn.prepareStatement("SELECT type, pk FROM pragma_table_info(?) ORDER BY cid")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                for (int i = 0; rs.next(); i++) {
                    if (rs.getInt(2) > 0) {
                        pkColumns++;
                        if ("INTEGER".equalsIgnoreCase(rs.getString(1))) {
                            alias = i;
                        }
                    }
                }
            }
        }
        if (pkColumns != 1 || alias < 0) {
            return -1;
        }
        // "INTEGER PRIMARY KEY DESC" (and WITHOUT ROWID) is an ordinary column backed by a "pk" index, not an alias
        try (PreparedStatement ps =
                     conn.prepareStatement("SELECT count(*) FROM pragma_index_list(?) WHERE origin = 'pk'")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) == 0 ? alias : -1;
            }
        }
    }

    /** A name for the rowid that no column of the table shadows. */
    private static String rowidName(String table, List<String> columns) {
        Set<String> lower = new HashSet<>();
        for (String c : columns) {
            lower.add(c.toLowerCase(Locale.ROOT));
        }
        for (String candidate : ROWID_NAMES) {
            if (!lower.contains(candidate)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("table " + table + ": columns rowid, _rowid_ and oid hide the rowid");
    }

    private static boolean isInternal(String name) {
        return name.regionMatches(true, 0, "sqlite_", 0, 7);
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static String url(Path file) {
        return "jdbc:sqlite:" + file.toAbsolutePath();
    }
}
