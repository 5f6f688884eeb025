package dev.simsnap.render.sqlite;

import dev.simsnap.model.sqlite.TableSchemas;
import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.model.BuiltInKinds;
import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trading arena's declared table schemas are exactly what the table rule makes of a real database's tables. */
class BuiltInTablesTest {

    @Test
    void declaredTableSchemasEqualTheRuleAppliedToARealDatabase(@TempDir Path dir) throws Exception {
        List<CollectionSpec> rows = BuiltInKinds.get("trading-arena").collections().stream()
                .filter(c -> c.shape() == Shape.ROWS).toList();
        assertThat(rows).hasSize(6);
        Path db = dir.resolve("data.db");
        try (var conn = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db); var st = conn.createStatement()) {
            for (CollectionSpec c : rows) {
                st.execute(TableSchemas.ddl(c.latestSchema().orElseThrow()));
            }
        }
        List<SqliteTable> tables = SqliteTables.read(db);
        assertThat(tables).hasSize(6);
        for (CollectionSpec c : rows) {
            Schema declared = c.latestSchema().orElseThrow();
            SqliteTable table = tables.stream().filter(t -> t.name().equals(TableSchemas.tableName(declared)))
                    .findFirst().orElseThrow();
            assertThat(table.schema()).as(c.name()).isEqualTo(declared);
            assertThat(table.schema().toString()).as(c.name()).isEqualTo(declared.toString());
        }
        assertThat(Files.size(db)).isPositive();
    }
}
