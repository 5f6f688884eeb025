package dev.simsnap.render.sqlite;

import dev.simsnap.model.sqlite.TableSchemas;
import java.util.List;
import java.util.Objects;
import org.apache.avro.Schema;

/**
 * A SQLite table as a {@code rows} collection.
 *
 * @param name the table name; equals the schema's {@code "sqlite.table"}
 * @param ddl the table's {@code CREATE TABLE} text; equals the schema's {@code "sqlite.ddl"}
 * @param schema the table's {@linkplain TableSchemas schema}: the version the table is created from when written
 *     (the newest version of the collection's item schema); rows may carry older versions
 * @param rows the rows; {@link SqliteTables#read} returns them in rowid order, {@link SqliteTables#write} accepts any
 *     order (it sorts) but no duplicate rowid
 */
public record SqliteTable(String name, String ddl, Schema schema, List<SqliteRow> rows) {

    public SqliteTable {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(ddl, "ddl");
        Objects.requireNonNull(schema, "schema");
        rows = List.copyOf(rows);
        if (!name.equals(TableSchemas.tableName(schema))) {
            throw new IllegalArgumentException("table " + name + ": schema is for table " + TableSchemas.tableName(schema));
        }
        if (!ddl.equals(TableSchemas.ddl(schema))) {
            throw new IllegalArgumentException("table " + name + ": ddl differs from the schema's \""
                    + TableSchemas.PROP_DDL + "\"");
        }
    }

    /** A table whose name and DDL are the schema's. */
    public static SqliteTable of(Schema schema, List<SqliteRow> rows) {
        return new SqliteTable(TableSchemas.tableName(schema), TableSchemas.ddl(schema), schema, rows);
    }

    /** The {@code CREATE INDEX} texts carried by the schema. */
    public List<String> indexes() {
        return TableSchemas.indexes(schema);
    }

    /** The {@code CREATE TRIGGER} texts carried by the schema. */
    public List<String> triggers() {
        return TableSchemas.triggers(schema);
    }
}
