package dev.simsnap.model.sqlite;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * The Avro item schema of a {@code rows} collection that mirrors one SQLite table.
 *
 * <p>This rule is implemented twice (here and in the Python library), so it is deliberately small. Both must produce
 * the same schema for the same table:
 *
 * <ol>
 *   <li><b>Record</b>: {@code type "record"}, name {@code "table_" + avroName(table)}, namespace
 *       {@code "simsnap.sqlite"}.
 *   <li><b>Fields</b>: one per column, in column order ({@code PRAGMA table_info} order, i.e. declaration order;
 *       generated columns are not listed by that pragma and are not fields). Field name {@code avroName(column)}. Every
 *       field has the same type, the union {@code ["null","long","double","string","bytes"]}, and {@code "default":
 *       null}. A value keeps its SQLite storage class exactly: NULL→null, INTEGER→long, REAL→double, TEXT→string,
 *       BLOB→bytes. The declared column type (affinity) is not a field property: it is in the DDL.
 *   <li><b>Field property {@code "sqlite.column"}</b>: the original column name, present <em>only</em> on fields whose
 *       {@code avroName(column)} differs from the column name.
 *   <li><b>Schema properties</b>, in this order: {@code "sqlite.table"} (the table name), {@code "sqlite.ddl"} (the
 *       exact {@code sql} text of the table's row in {@code sqlite_master}), then, only when non-empty,
 *       {@code "sqlite.indexes"} (JSON array of the {@code sql} texts of the table's explicitly created indexes,
 *       in {@code sqlite_master} order, i.e. {@code ORDER BY rowid}; automatic indexes of UNIQUE/PRIMARY KEY
 *       constraints have no {@code sql} and come back with the DDL) and {@code "sqlite.triggers"} (the same for the
 *       table's triggers). An index or trigger belongs to the table named by its {@code tbl_name}.
 * </ol>
 *
 * <p><b>Name mapping</b> ({@link #avroName}): a name is kept as is when it matches {@code [A-Za-z_][A-Za-z0-9_]*}
 * (ASCII only) and does not start with {@code "_x"}; every other name becomes {@code "_x"} followed by the lowercase
 * hex of its UTF-8 bytes ({@code "my col"} → {@code "_x6d7920636f6c"}, {@code "_x1"} → {@code "_x5f7831"}). The
 * mapping is injective and reversed by {@link #sqliteName}: a name starting with {@code "_x"} is hex-decoded, any other
 * is itself. In Python:
 *
 * <pre>{@code
 * def avro_name(name):
 *     if re.fullmatch(r'[A-Za-z_][A-Za-z0-9_]*', name) and not name.startswith('_x'):
 *         return name
 *     return '_x' + name.encode('utf-8').hex()
 * }</pre>
 *
 * <p>Table schemas evolve like any item schema: adding a column ({@code ALTER TABLE ... ADD COLUMN}) adds a nullable
 * field with default null, which is a backward-compatible change; the DDL property changes with it, so the changed table
 * is a new schema version.
 */
public final class TableSchemas {

    public static final String NAMESPACE = "simsnap.sqlite";
    public static final String RECORD_PREFIX = "table_";
    public static final String PROP_TABLE = "sqlite.table";
    public static final String PROP_DDL = "sqlite.ddl";
    public static final String PROP_INDEXES = "sqlite.indexes";
    public static final String PROP_TRIGGERS = "sqlite.triggers";
    public static final String PROP_COLUMN = "sqlite.column";

    private static final String ESCAPE = "_x";
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** {@code ["null","long","double","string","bytes"]}: the type of every column field. */
    public static final Schema VALUE = Schema.createUnion(
            Schema.create(Schema.Type.NULL),
            Schema.create(Schema.Type.LONG),
            Schema.create(Schema.Type.DOUBLE),
            Schema.create(Schema.Type.STRING),
            Schema.create(Schema.Type.BYTES));

    private TableSchemas() {}

    /** The schema of a table without indexes or triggers. */
    public static Schema fromDdl(String table, String ddl, List<String> columns) {
        return fromDdl(table, ddl, columns, List.of(), List.of());
    }

    /**
     * The schema of {@code table}.
     *
     * @param ddl the table's {@code sqlite_master.sql}, verbatim
     * @param columns the column names in column order
     * @param indexes the {@code sql} of the table's explicit indexes, in {@code sqlite_master} order (may be empty)
     * @param triggers the {@code sql} of the table's triggers, in {@code sqlite_master} order (may be empty)
     */
    public static Schema fromDdl(String table, String ddl, List<String> columns, List<String> indexes,
                                 List<String> triggers) {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(ddl, "ddl");
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("table " + table + " has no columns");
        }
        List<Schema.Field> fields = new ArrayList<>(columns.size());
        for (String column : columns) {
            String name = avroName(column);
            Schema.Field field = new Schema.Field(name, VALUE, null, Schema.Field.NULL_DEFAULT_VALUE);
            if (!name.equals(column)) {
                field.addProp(PROP_COLUMN, column);
            }
            fields.add(field);
        }
        Schema schema = Schema.createRecord(RECORD_PREFIX + avroName(table), null, NAMESPACE, false, fields);
        schema.addProp(PROP_TABLE, table);
        schema.addProp(PROP_DDL, ddl);
        if (!indexes.isEmpty()) {
            schema.addProp(PROP_INDEXES, List.copyOf(indexes));
        }
        if (!triggers.isEmpty()) {
            schema.addProp(PROP_TRIGGERS, List.copyOf(triggers));
        }
        return schema;
    }

    /** The Avro name of a SQLite table or column name (see the class documentation). */
    public static String avroName(String sqliteName) {
        if (PLAIN.matcher(sqliteName).matches() && !sqliteName.startsWith(ESCAPE)) {
            return sqliteName;
        }
        return ESCAPE + HexFormat.of().formatHex(sqliteName.getBytes(StandardCharsets.UTF_8));
    }

    /** The inverse of {@link #avroName}. */
    public static String sqliteName(String avroName) {
        if (!avroName.startsWith(ESCAPE)) {
            return avroName;
        }
        return new String(HexFormat.of().parseHex(avroName.substring(ESCAPE.length())), StandardCharsets.UTF_8);
    }

    /** The SQLite column a field stands for: its {@code "sqlite.column"} property, else its name. */
    public static String columnName(Schema.Field field) {
        String column = field.getProp(PROP_COLUMN);
        return column != null ? column : field.name();
    }

    /** The table a schema stands for ({@code "sqlite.table"}). */
    public static String tableName(Schema schema) {
        return requiredProp(schema, PROP_TABLE);
    }

    /** The table's DDL ({@code "sqlite.ddl"}). */
    public static String ddl(Schema schema) {
        return requiredProp(schema, PROP_DDL);
    }

    /** The table's index DDL ({@code "sqlite.indexes"}), empty when absent. */
    public static List<String> indexes(Schema schema) {
        return stringList(schema, PROP_INDEXES);
    }

    /** The table's trigger DDL ({@code "sqlite.triggers"}), empty when absent. */
    public static List<String> triggers(Schema schema) {
        return stringList(schema, PROP_TRIGGERS);
    }

    private static String requiredProp(Schema schema, String prop) {
        if (schema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("not a table schema (not a record): " + schema);
        }
        String value = schema.getProp(prop);
        if (value == null) {
            throw new IllegalArgumentException("not a table schema (no \"" + prop + "\"): " + schema.getFullName());
        }
        return value;
    }

    private static List<String> stringList(Schema schema, String prop) {
        Object value = schema.getObjectProp(prop);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("\"" + prop + "\" of " + schema.getFullName() + " is not an array");
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof String s)) {
                throw new IllegalArgumentException("\"" + prop + "\" of " + schema.getFullName()
                        + " holds a non-string: " + o);
            }
            out.add(s);
        }
        return List.copyOf(out);
    }
}
