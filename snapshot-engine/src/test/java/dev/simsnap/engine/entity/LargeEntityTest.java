package dev.simsnap.engine.entity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.model.item.ItemCodec;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** 2,000,000 doubles appended in four changes, chunked at 512 KiB, reassembled exactly. */
class LargeEntityTest {

    static final int TOTAL = 2_000_000;
    static final int APPENDS = 4;

    static double valueAt(int i) {
        return i * 0.25 - Math.sqrt(i) + (i % 7 == 0 ? Double.MIN_VALUE : 0);
    }

    @Test
    void twoMillionDoublesAppendChunkAndReassemble() {
        Fixtures fx = new Fixtures();
        EntityOps ops = new EntityOps(SchemaLookup.cached(fx.registry));
        StoredEntity entity = ops.apply(null, Change.upsert(fx.v1,
                fx.upsertBody(1, Fixtures.person(1, "Big", 1L, 0.0))));

        int per = TOTAL / APPENDS;
        long applyNanos = 0;
        for (int a = 0; a < APPENDS; a++) {
            List<Object> items = new ArrayList<>(per);
            for (int i = a * per; i < (a + 1) * per; i++) {
                items.add(valueAt(i));
            }
            // The second half is written with v2: the entity is resolved once, then stays at v2.
            int version = a < APPENDS / 2 ? 1 : 2;
            byte[] body = ItemCodec.encodeAppend(fx.schema(version), "history", items);
            long t0 = System.nanoTime();
            entity = ops.apply(entity, Change.append(fx.id(version), "history", body));
            applyNanos += System.nanoTime() - t0;
        }
        assertThat(entity.schemaId()).isEqualTo(fx.v2);
        assertThat(entity.bodyLength()).isGreaterThan(TOTAL * 8);

        ChunkedValues chunked = new ChunkedValues(ChunkedValues.DEFAULT_THRESHOLD);
        MapKv heads = new MapKv();
        MapKv chunks = new MapKv();
        byte[] stored = entity.toBytes();
        chunked.put(heads, chunks, "persons\u0001big", stored);
        int expectedChunks = (stored.length + ChunkedValues.DEFAULT_THRESHOLD - 1) / ChunkedValues.DEFAULT_THRESHOLD;
        assertThat(chunks.map).hasSize(expectedChunks);
        assertThat(Math.max(heads.largestValue, chunks.largestValue)).isLessThanOrEqualTo(512 * 1024);

        byte[] joined = chunked.get(heads, chunks, "persons\u0001big");
        assertThat(joined).isEqualTo(stored);
        StoredEntity back = StoredEntity.fromBytes(joined);
        assertThat(back).isEqualTo(entity);

        GenericRecord decoded = Fixtures.decode(Fixtures.V2, back.body());
        @SuppressWarnings("unchecked")
        List<Double> history = (List<Double>) decoded.get("history");
        assertThat(history).hasSize(TOTAL);
        for (int i = 0; i < TOTAL; i++) {
            if (Double.doubleToRawLongBits(history.get(i)) != Double.doubleToRawLongBits(valueAt(i))) {
                throw new AssertionError("item " + i + ": " + history.get(i) + " != " + valueAt(i));
            }
        }
        assertThat(decoded.get("name").toString()).isEqualTo("Big");

        // Shrinking the value back below the threshold leaves no chunk behind.
        StoredEntity small = ops.apply(back, Change.upsert(fx.v1, fx.upsertBody(1, Fixtures.person(1, "s", 1L, 0))));
        chunked.put(heads, chunks, "persons\u0001big", small.toBytes());
        assertThat(chunks.map).isEmpty();
        System.out.printf("4 appends of %d doubles: %.1f ms in EntityOps.apply; stored value %d bytes in %d chunks%n",
                per, applyNanos / 1e6, stored.length, expectedChunks);
    }
}
