package dev.simsnap.producer;

import java.util.concurrent.atomic.LongAdder;

/** Counters of what a worker has had acknowledged by the broker (committed or not); safe to read from any thread. */
public final class WorkerStats {

    private final LongAdder records = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder iterations = new LongAdder();
    private final LongAdder generations = new LongAdder();

    void recordAcked(int keyBytes, int valueBytes) {
        records.increment();
        bytes.add(Math.max(0, keyBytes) + Math.max(0, valueBytes));
    }

    void iterationCommitted() {
        iterations.increment();
    }

    void generationCommitted() {
        generations.increment();
    }

    /** Generations committed by this worker in this process. */
    public long generations() {
        return generations.sum();
    }

    /** Records acknowledged by the broker. */
    public long records() {
        return records.sum();
    }

    /** Serialized key + value bytes of those records. */
    public long bytes() {
        return bytes.sum();
    }

    /** Iterations committed by this worker in this process. */
    public long iterations() {
        return iterations.sum();
    }
}
