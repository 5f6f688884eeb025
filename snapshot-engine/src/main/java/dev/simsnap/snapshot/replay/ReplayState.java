package dev.simsnap.snapshot.replay;

import dev.simsnap.engine.entity.SchemaLookup;
import dev.simsnap.snapshot.delta.DeltaLog;
import dev.simsnap.snapshot.delta.ItemStore;
import dev.simsnap.snapshot.read.RunState;
import dev.simsnap.snapshot.read.RunStateReader;
import dev.simsnap.snapshot.run.RunMeta;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * One run's replay state in memory: the same stores the topology keeps (run meta, delta buffer, item heads and
 * chunks), as sorted maps, plus the deltas-topic offset the state reflects (the next offset to read). Serializable
 * as a gzip'd checkpoint.
 *
 * <p>Checkpoint formats: {@code SCP3} (written): meta, buffer, item heads, item chunks. Read as well:
 * {@code SCP1} (before state models: meta, v1 entities as JSON, buffer) and {@code SCP2} (as SCP1, then items). A
 * v1 run's entities are items of the legacy model now, so an SCP1/SCP2 checkpoint holding v1 entities is
 * {@link #stale()}: the replayer does not start from it (it rebuilds the run from history instead).
 */
public final class ReplayState {

    /** Checkpoints written before state models: meta, v1 entities, buffer. */
    private static final int MAGIC_V1 = 0x53435031; // "SCP1"
    /** State models: as SCP1, then the item heads and item chunks. */
    private static final int MAGIC_V2 = 0x53435032; // "SCP2"
    /** v1 entities as legacy items: meta, buffer, item heads, item chunks. */
    private static final int MAGIC = 0x53435033; // "SCP3"

    final String runId;
    final TreeMap<String, String> meta = new TreeMap<>();
    final TreeMap<String, byte[]> buffer = new TreeMap<>();
    final TreeMap<String, byte[]> itemHeads = new TreeMap<>();
    final TreeMap<String, byte[]> itemChunks = new TreeMap<>();
    long nextOffset;
    /** v1 entities an SCP1/SCP2 checkpoint held as JSON (not kept: see the class comment). */
    int staleEntities;

    ReplayState(String runId, long nextOffset) {
        this.runId = runId;
        this.nextOffset = nextOffset;
    }

    /** The delta rules over these maps, never applying above {@code limit}; items decoded with {@code schemas}. */
    DeltaLog log(long limit, SchemaLookup schemas) {
        return log(limit, schemas, null);
    }

    /** The delta rules over these maps, reporting every applied iteration to {@code listener} (null: none). */
    public DeltaLog log(long limit, SchemaLookup schemas, DeltaLog.IterationListener listener) {
        return new DeltaLog(kv(meta), kv(buffer), items(schemas), true, (run, bytes, rejection) -> { }, limit,
                listener);
    }

    /** The run's items over these maps. */
    public ItemStore items(SchemaLookup schemas) {
        return new ItemStore(kv(itemHeads), kv(itemChunks), schemas);
    }

    /** A fresh state of {@code runId} (nothing applied) whose replay starts at {@code offset}. */
    public static ReplayState fresh(String runId, long offset) {
        return new ReplayState(runId, offset);
    }

    Optional<RunMeta> runMeta() {
        return Optional.ofNullable(RunMeta.read(meta::get, runId));
    }

    /**
     * The run's state as these maps hold it (its files rendered from its model's layout; a v1 run's from the legacy
     * model's, without its generations, which are not replayed here).
     *
     * @throws IllegalStateException when the run's RunStarted is not in them
     */
    public RunState state(SchemaLookup schemas) {
        RunMeta m = runMeta().orElseThrow(() -> new IllegalStateException("run " + runId + " has not started"));
        return RunStateReader.rendered(m, items(schemas), schemas);
    }

    /** Whether this state came from a checkpoint whose v1 entities it cannot hold (see the class comment). */
    boolean stale() {
        return staleEntities > 0;
    }

    private static <V> DeltaLog.Kv<V> kv(TreeMap<String, V> map) {
        return DeltaLog.Kv.of(map);
    }

    /** gzip'd binary form (only this run's rows; the maps hold nothing else). */
    byte[] serialize() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes, 1 << 16))) {
            out.writeInt(MAGIC);
            writeBytes(out, runId.getBytes(StandardCharsets.UTF_8));
            out.writeLong(nextOffset);
            writeMap(out, meta);
            writeBinary(out, buffer);
            writeBinary(out, itemHeads);
            writeBinary(out, itemChunks);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static ReplayState deserialize(byte[] data) {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(new ByteArrayInputStream(data), 1 << 16))) {
            int magic = in.readInt();
            if (magic != MAGIC && magic != MAGIC_V2 && magic != MAGIC_V1) {
                throw new IOException("not a simsnap checkpoint");
            }
            String run = new String(readBytes(in), StandardCharsets.UTF_8);
            ReplayState s = new ReplayState(run, in.readLong());
            readMap(in, s.meta);
            if (magic != MAGIC) {
                TreeMap<String, String> entities = new TreeMap<>();
                readMap(in, entities);
                s.staleEntities = entities.size();
            }
            readBinary(in, s.buffer);
            if (magic != MAGIC_V1) {
                readBinary(in, s.itemHeads);
                readBinary(in, s.itemChunks);
            }
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt checkpoint", e);
        }
    }

    private static void writeBinary(DataOutputStream out, TreeMap<String, byte[]> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            writeBytes(out, e.getKey().getBytes(StandardCharsets.UTF_8));
            writeBytes(out, e.getValue());
        }
    }

    private static void readBinary(DataInputStream in, TreeMap<String, byte[]> map) throws IOException {
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            map.put(new String(readBytes(in), StandardCharsets.UTF_8), readBytes(in));
        }
    }

    private static void writeMap(DataOutputStream out, TreeMap<String, String> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            writeBytes(out, e.getKey().getBytes(StandardCharsets.UTF_8));
            writeBytes(out, e.getValue().getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void readMap(DataInputStream in, TreeMap<String, String> map) throws IOException {
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            map.put(new String(readBytes(in), StandardCharsets.UTF_8), new String(readBytes(in), StandardCharsets.UTF_8));
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return b;
    }
}
