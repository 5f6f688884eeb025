package dev.simsnap.engine.entity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ChunkedValuesTest {

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void valuesAroundTheThresholdRoundTripAndNoStoredValueExceedsIt() {
        int t = 64;
        ChunkedValues cv = new ChunkedValues(t);
        for (int n : new int[] {0, 1, t - 2, t - 1, t, t + 1, 2 * t - 1, 2 * t, 2 * t + 1, 10 * t}) {
            MapKv kv = new MapKv();
            byte[] v = bytes(n, n);
            cv.put(kv, "k", v);
            assertThat(cv.get(kv, "k")).as("n=%d", n).isEqualTo(v);
            assertThat(kv.largestValue).as("n=%d", n).isLessThanOrEqualTo(t);
            int chunks = n + 1 <= t ? 0 : (n + t - 1) / t;
            assertThat(kv.map).as("n=%d", n).hasSize(1 + chunks);
            assertThat(ChunkedValues.chunkCount(kv.get("k"))).isEqualTo(chunks);
        }
    }

    @Test
    void chunkKeysSortRightAfterTheirHeadInIndexOrder() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            keys.add(ChunkedValues.chunkKey("person/7", i));
        }
        keys.add("person/7");
        keys.add("person/70");
        keys.add("person/7/x");
        keys.add("person/8");
        List<byte[]> utf8 = new ArrayList<>();
        keys.forEach(k -> utf8.add(k.getBytes(StandardCharsets.UTF_8)));
        utf8.sort(java.util.Arrays::compareUnsigned);
        List<String> sorted = new ArrayList<>();
        utf8.forEach(b -> sorted.add(new String(b, StandardCharsets.UTF_8)));
        assertThat(sorted.get(0)).isEqualTo("person/7");
        for (int i = 0; i < 20; i++) {
            assertThat(sorted.get(1 + i)).isEqualTo(ChunkedValues.chunkKey("person/7", i));
        }
        assertThat(sorted.subList(21, 24)).containsExactly("person/7/x", "person/70", "person/8");
    }

    @Test
    void shrinkingDeletesStaleChunksInASeparateChunkStore() {
        ChunkedValues cv = new ChunkedValues(100);
        MapKv heads = new MapKv();
        MapKv chunks = new MapKv();
        cv.put(heads, chunks, "a", bytes(1000, 1));
        cv.put(heads, chunks, "b", bytes(250, 2));
        assertThat(heads.map.keySet()).containsExactly("a", "b");
        assertThat(chunks.map).hasSize(10 + 3);
        cv.put(heads, chunks, "a", bytes(301, 3));
        assertThat(chunks.map.keySet().stream().filter(k -> k.startsWith("a\u0000"))).hasSize(4);
        assertThat(cv.get(heads, chunks, "a")).isEqualTo(bytes(301, 3));
        cv.put(heads, chunks, "a", bytes(5, 4));
        assertThat(chunks.map.keySet().stream().filter(k -> k.startsWith("a\u0000"))).isEmpty();
        assertThat(cv.get(heads, chunks, "a")).isEqualTo(bytes(5, 4));
        cv.delete(heads, chunks, "b");
        assertThat(chunks.map).isEmpty();
        assertThat(heads.map.keySet()).containsExactly("a");
        cv.put(heads, chunks, "a", null);
        assertThat(heads.map).isEmpty();
        assertThat(cv.get(heads, chunks, "a")).isNull();
    }

    @Test
    void missingWrongSizedOrMixedChunksAreReported() {
        ChunkedValues cv = new ChunkedValues(100);
        MapKv kv = new MapKv();
        cv.put(kv, "k", bytes(250, 1));
        byte[] oldChunk1 = kv.get(ChunkedValues.chunkKey("k", 1));
        cv.put(kv, "k", bytes(250, 2));
        kv.put(ChunkedValues.chunkKey("k", 1), oldChunk1);
        assertThatThrownBy(() -> cv.get(kv, "k")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'k'").hasMessageContaining("CRC-32C");
        kv.put(ChunkedValues.chunkKey("k", 1), new byte[3]);
        assertThatThrownBy(() -> cv.get(kv, "k")).hasMessageContaining("chunk 1 of 3 has 3 bytes, expected 100");
        kv.delete(ChunkedValues.chunkKey("k", 2));
        assertThatThrownBy(() -> cv.get(kv, "k")).hasMessageContaining("chunk 1 of 3");
        kv.put(ChunkedValues.chunkKey("k", 1), oldChunk1);
        assertThatThrownBy(() -> cv.get(kv, "k")).hasMessageContaining("chunk 2 of 3 is missing");
        assertThatThrownBy(() -> cv.put(kv, "a\u0000b", new byte[1])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ChunkedValues(8)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new ChunkedValues().threshold()).isEqualTo(512 * 1024);
    }

    /** A random sequence of puts and deletes over a few keys leaves exactly the reference map, and no stale keys. */
    @Property(tries = 200)
    void behavesLikeAMap(@ForAll @IntRange(min = 32, max = 200) int threshold,
                         @ForAll("writes") List<Map.Entry<String, Integer>> writes) {
        ChunkedValues cv = new ChunkedValues(threshold);
        MapKv heads = new MapKv();
        MapKv chunks = new MapKv();
        Map<String, byte[]> reference = new HashMap<>();
        long seed = 0;
        for (Map.Entry<String, Integer> w : writes) {
            byte[] value = w.getValue() < 0 ? null : bytes(w.getValue(), seed++);
            cv.put(heads, chunks, w.getKey(), value);
            if (value == null) {
                reference.remove(w.getKey());
            } else {
                reference.put(w.getKey(), value);
            }
        }
        assertThat(heads.map.keySet()).isEqualTo(reference.keySet());
        int expectedChunks = 0;
        for (Map.Entry<String, byte[]> e : reference.entrySet()) {
            assertThat(cv.get(heads, chunks, e.getKey())).isEqualTo(e.getValue());
            int n = e.getValue().length;
            expectedChunks += n + 1 <= threshold ? 0 : (n + threshold - 1) / threshold;
        }
        assertThat(chunks.map).hasSize(expectedChunks);
        assertThat(Math.max(heads.largestValue, chunks.largestValue)).isLessThanOrEqualTo(threshold);
    }

    @Provide
    Arbitrary<List<Map.Entry<String, Integer>>> writes() {
        return net.jqwik.api.Combinators.combine(Arbitraries.of("a", "b", "a/b", "ab"),
                        Arbitraries.integers().between(-1, 1000))
                .as(Map::entry).list().ofMaxSize(20);
    }
}
