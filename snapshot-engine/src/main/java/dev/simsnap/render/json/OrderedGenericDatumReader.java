package dev.simsnap.render.json;

import java.util.LinkedHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;

/**
 * A {@link GenericDatumReader} whose maps keep the order their entries were encoded in ({@link LinkedHashMap}),
 * where Avro's own reader makes a {@code HashMap}. Avro gives map entries no meaning of order, but the bytes carry
 * one: the order the writer (a Python dict, a Java LinkedHashMap) had, which Python's {@code json.dumps} would keep.
 * Decode with this reader when rendered JSON must show map entries in that order.
 *
 * <p>The maps come from {@link Data#newMap}, which both of Avro's read paths (the interpreted one and the
 * {@code FastReaderBuilder} one, on by default) use; a reader needing logical-type conversions adds them to its own
 * {@link Data} instance.
 */
public class OrderedGenericDatumReader<D> extends GenericDatumReader<D> {

    /** Avro's generic data model, except that maps are {@link LinkedHashMap}s. */
    public static class Data extends GenericData {
        private static final Data INSTANCE = new Data();

        /** The shared instance (no logical-type conversions); make your own to add conversions. */
        public static Data get() {
            return INSTANCE;
        }

        @Override
        public Object newMap(Object old, int size) {
            if (old instanceof LinkedHashMap<?, ?> map) {
                map.clear();
                return map;
            }
            return new LinkedHashMap<>(Math.max(16, (int) (size / 0.75f) + 1));
        }
    }

    /** Reads data written with {@code schema} as {@code schema}. */
    public OrderedGenericDatumReader(Schema schema) {
        super(schema, schema, Data.get());
    }

    /** Reads data written with {@code writer} resolved to {@code reader}. */
    public OrderedGenericDatumReader(Schema writer, Schema reader) {
        super(writer, reader, Data.get());
    }

    /** Reads data written with {@code writer} resolved to {@code reader}, with {@code data}'s conversions. */
    public OrderedGenericDatumReader(Schema writer, Schema reader, Data data) {
        super(writer, reader, data);
    }
}
