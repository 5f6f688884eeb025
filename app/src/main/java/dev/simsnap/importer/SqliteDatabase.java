package dev.simsnap.importer;

import dev.simsnap.model.sqlite.TableSchemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.sqlite.SQLiteConfig;

/**
 * A SQLite database ({@code data.db}) read whole with {@code org.xerial:sqlite-jdbc}, opened read-only: every ordinary
 * table (not {@code sqlite_*}) in {@code sqlite_master} order, with its item schema by the rule of
 * {@link TableSchemas} (DDL verbatim, indexes, triggers) and its rows by {@code rowid}, each value with its storage
 * class (NULL → null, INTEGER → {@link Long}, REAL → {@link Double}, TEXT → {@link String}, BLOB → {@code byte[]}).
 *
 * <p>Views are not state and are listed in {@link #skipped()}; {@code WITHOUT ROWID} and virtual tables are refused
 * (a rows collection addresses rows by rowid), as the snapshot's database writer refuses them.
 *
 * @param tables  the tables, in {@code sqlite_master} order
 * @param skipped what the database holds and the import does not carry (views), one description each
 */
public record SqliteDatabase(List<Table> tables, List<String> skipped) {

    /**
     * One table.
     *
     * @param name   the table's name
     * @param schema its item schema ({@link TableSchemas#fromDdl})
     * @param rows   row values by rowid, ascending; each array in the schema's field order
     */
    public record Table(String name, Schema schema, Map<Long, Object[]> rows) {
    }

    /**
     * Reads {@code file}.
     *
     * @throws SeedFormatException naming the file (and table) when it is not a database this import can carry
     */
    public static SqliteDatabase read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new SeedFormatException(file + ": not a file");
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true); // an import never changes its source
        try (Connection db = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath())) {
            List<Table> tables = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            List<String[]> masters = new ArrayList<>();
            try (Statement st = db.createStatement();
                 ResultSet rs = st.executeQuery("SELECT type, name, sql FROM sqlite_master"
                         + " WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid")) {
                while (rs.next()) {
                    masters.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
            for (String[] m : masters) {
                String name = m[1];
                String ddl = m[2];
                if ("view".equals(m[0])) {
                    skipped.add("view " + name + " (views are not state)");
                    continue;
                }
                String[] kind = tableKind(db, name);
                if (ddl == null || !"table".equals(kind[0])) {
                    throw new SeedFormatException(file + ": table " + name + " is a " + kind[0] + " table; only"
                            + " ordinary tables are imported");
                }
                if (!"0".equals(kind[1])) {
                    throw new SeedFormatException(file + ": table " + name + " is WITHOUT ROWID; rows are"
                            + " imported by rowid");
                }
                tables.add(table(db, name, ddl));
            }
            return new SqliteDatabase(List.copyOf(tables), List.copyOf(skipped));
        } catch (SQLException e) {
            throw new SeedFormatException(file + ": not a readable SQLite database: "
                    + String.valueOf(e.getMessage()).replaceAll("\\s+", " "), e);
        }
    }

    private static Table table(Connection db, String name, String ddl) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA table_info(" + quote(name) + ")")) {
            while (rs.next()) {
                columns.add(rs.getString("name"));
            }
        }
        Schema schema = TableSchemas.fromDdl(name, ddl, columns, sqlOf(db, "index", name),
                sqlOf(db, "trigger", name));
        StringBuilder select = new StringBuilder("SELECT rowid");
        for (String c : columns) {
            select.append(", ").append(quote(c));
        }
        select.append(" FROM ").append(quote(name)).append(" ORDER BY rowid");
        Map<Long, Object[]> rows = new LinkedHashMap<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(select.toString())) {
            while (rs.next()) {
                long rowid = rs.getLong(1);
                Object[] values = new Object[columns.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = value(rs.getObject(i + 2));
                }
                rows.put(rowid, values);
            }
        }
        return new Table(name, schema, Collections.unmodifiableMap(rows));
    }

    /** A value as its storage class: sqlite-jdbc answers INTEGER as Integer or Long by size. */
    private static Object value(Object v) {
        return v instanceof Integer i ? Long.valueOf(i) : v;
    }

    /** {@code pragma_table_list}'s type ("table", "virtual", "shadow") and "wr" (1 for WITHOUT ROWID). */
    private static String[] tableKind(Connection db, String table) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("SELECT type, wr FROM pragma_table_list"
                + " WHERE schema = 'main' AND name = ?")) {
            st.setString(1, table);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : new String[] {"missing", "0"};
            }
        }
    }

    private static List<String> sqlOf(Connection db, String type, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement st = db.prepareStatement("SELECT sql FROM sqlite_master WHERE type = ? AND tbl_name = ?"
                + " AND sql IS NOT NULL ORDER BY rowid")) {
            st.setString(1, type);
            st.setString(2, table);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
