package dev.simsnap.model.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class TableSchemasTest {

    /** The exact JSON the Python implementation must produce too. */
    @Test
    void schemaJsonIsTheDocumentedOne() {
        Schema s = TableSchemas.fromDdl("gossip", "Create Table gossip (person_id Integer, \"my col\" Text)",
                List.of("person_id", "my col"), List.of("CREATE INDEX ix ON gossip(person_id)"), List.of());
        String u = "[\"null\",\"long\",\"double\",\"string\",\"bytes\"]";
        assertThat(s.toString()).isEqualTo("{\"type\":\"record\",\"name\":\"table_gossip\",\"namespace\":\"simsnap.sqlite\","
                + "\"fields\":[{\"name\":\"person_id\",\"type\":" + u + ",\"default\":null},"
                + "{\"name\":\"_x6d7920636f6c\",\"type\":" + u + ",\"default\":null,\"sqlite.column\":\"my col\"}],"
                + "\"sqlite.table\":\"gossip\","
                + "\"sqlite.ddl\":\"Create Table gossip (person_id Integer, \\\"my col\\\" Text)\","
                + "\"sqlite.indexes\":[\"CREATE INDEX ix ON gossip(person_id)\"]}");
        assertThat(new Schema.Parser().parse(s.toString())).isEqualTo(s);
        assertThat(TableSchemas.indexes(s)).containsExactly("CREATE INDEX ix ON gossip(person_id)");
        assertThat(TableSchemas.triggers(s)).isEmpty();
    }

    @Test
    void nameMapping() {
        assertThat(TableSchemas.avroName("virtual_date")).isEqualTo("virtual_date");
        assertThat(TableSchemas.avroName("_private")).isEqualTo("_private");
        assertThat(TableSchemas.avroName("_X")).isEqualTo("_X");
        assertThat(TableSchemas.avroName("_x1")).isEqualTo("_x5f7831");
        assertThat(TableSchemas.avroName("my col")).isEqualTo("_x6d7920636f6c");
        assertThat(TableSchemas.avroName("1st")).isEqualTo("_x317374");
        assertThat(TableSchemas.avroName("")).isEqualTo("_x");
        assertThat(TableSchemas.avroName("價格")).isEqualTo("_xe583b9e6a0bc");
        assertThat(TableSchemas.sqliteName("_xe583b9e6a0bc")).isEqualTo("價格");
        assertThat(TableSchemas.sqliteName("virtual_date")).isEqualTo("virtual_date");
    }

    @Property(tries = 500)
    void nameMappingIsReversibleAndValidAvro(@ForAll String name) {
        String avro = TableSchemas.avroName(name);
        assertThat(avro).matches("[A-Za-z_][A-Za-z0-9_]*");
        // lone surrogates have no UTF-8 form; SQLite names are UTF-8, so they never occur
        if (name.codePoints().noneMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF)) {
            assertThat(TableSchemas.sqliteName(avro)).isEqualTo(name);
        }
        Schema s = TableSchemas.fromDdl(name, "CREATE TABLE t(x)", List.of(name, name + "2"));
        assertThat(new Schema.Parser().parse(s.toString())).isEqualTo(s);
    }
}
