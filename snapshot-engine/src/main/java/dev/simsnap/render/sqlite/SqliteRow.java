package dev.simsnap.render.sqlite;

import dev.simsnap.model.sqlite.TableSchemas;
import java.util.Objects;
import org.apache.avro.generic.GenericRecord;

/**
 * One row of a SQLite table: its {@code rowid} and its column values as an Avro record of a
 * {@linkplain TableSchemas table schema} (possibly an older version of the table's schema).
 */
public record SqliteRow(long rowid, GenericRecord row) {
    public SqliteRow {
        Objects.requireNonNull(row, "row");
    }
}
