package dev.simsnap.snapshot.store;

/**
 * Key encoding of the stores (UTF-8 strings, {@code |}-separated; run ids, worker ids and collections can never
 * contain {@code |}, so a run's keys always start with {@code <run>|}). Numbers are zero-padded to a fixed width so
 * byte order is numeric order.
 *
 * <ul>
 *   <li>run meta: {@code <run>}; the run's state model, in the same store: {@code <run>|model}</li>
 *   <li>items: see {@link dev.simsnap.snapshot.delta.ItemStore}</li>
 *   <li>delta buffer: {@code <run>|<iteration:20>|<worker>|<sequence:20>}</li>
 *   <li>generation chunks: {@code <run>|<generation:10>|<chunk index:10>}</li>
 *   <li>generation seals: {@code <run>|<generation:10>}</li>
 * </ul>
 */
public final class StoreKeys {

    /** Separator between key parts. */
    public static final char SEP = '|';

    private StoreKeys() {
    }

    /** Prefix of every key of {@code runId} in the item, buffer and generation stores. */
    public static String runPrefix(String runId) {
        return runId + SEP;
    }

    /**
     * Key of a run's state model in the run-meta store. It is written once, when the run starts, so the run's
     * bookkeeping (written at every step) does not carry the model's schemas each time.
     */
    public static String runModel(String runId) {
        return runId + SEP + "model";
    }

    /** True for a key of the run-meta store that names a run (not its model). */
    public static boolean isRunKey(String metaKey) {
        return metaKey.indexOf(SEP) < 0;
    }

    /** Buffered delta key. */
    public static String buffered(String runId, long iteration, String workerId, long sequence) {
        return runId + SEP + pad20(iteration) + SEP + workerId + SEP + pad20(sequence);
    }

    /** The iteration of a buffered delta key. */
    public static long bufferedIteration(String key) {
        int start = key.indexOf(SEP) + 1;
        return Long.parseLong(key.substring(start, start + 20));
    }

    /** Generation chunk key. */
    public static String chunk(String runId, int generation, int chunkIndex) {
        return runId + SEP + pad10(generation) + SEP + pad10(chunkIndex);
    }

    /** Generation seal key; also the prefix of that generation's chunk keys when followed by {@link #SEP}. */
    public static String seal(String runId, int generation) {
        return runId + SEP + pad10(generation);
    }

    /** The generation of a seal key. */
    public static int sealGeneration(String key) {
        return Integer.parseInt(key.substring(key.lastIndexOf(SEP) + 1));
    }

    // Hand-rolled (not String.format): the stream thread builds one buffered key per delta.
    private static String pad20(long n) {
        return pad(Long.toString(n), 20);
    }

    private static String pad10(int n) {
        return pad(Integer.toString(n), 10);
    }

    /** Zero-pads a non-negative decimal to {@code width} (as {@code %0<width>d}; negatives keep their sign first). */
    private static String pad(String digits, int width) {
        if (digits.length() >= width) {
            return digits;
        }
        StringBuilder out = new StringBuilder(width);
        int start = 0;
        if (digits.charAt(0) == '-') {
            out.append('-');
            start = 1;
        }
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        return out.append(digits, start, digits.length()).toString();
    }
}
