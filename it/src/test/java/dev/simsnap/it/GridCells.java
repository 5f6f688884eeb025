package dev.simsnap.it;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** Items of the example epidemic-grid kind's {@code cells} collection, built by hand for raw-producer tests. */
final class GridCells {

    private GridCells() {
    }

    /** Cell {@code x/y} of a population of 100 with {@code infected} infected, no one recovered, no tags. */
    static GenericRecord cell(Schema schema, int x, int y, long infected) {
        GenericRecord c = new GenericData.Record(schema);
        c.put("x", x);
        c.put("y", y);
        c.put("susceptible", 100L);
        c.put("infected", infected);
        c.put("recovered", 0L);
        c.put("tags", List.of());
        return c;
    }
}
