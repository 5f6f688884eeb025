package dev.simsnap.snapshot.delta;

import dev.simsnap.engine.entity.ChunkedValues;
import dev.simsnap.engine.entity.StoredEntity;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.schema.generation.GenerationChunk;
import dev.simsnap.schema.generation.GenerationSealed;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import dev.simsnap.snapshot.deadletter.Rejection;
import dev.simsnap.snapshot.store.RecordLimits;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The generations of state-model runs in the item stores. Each save of a generation is a new <em>version</em>;
 * the newest is the generation's current population, earlier ones stay for as-of reads.
 *
 * <ul>
 *   <li>a chunk waiting for its seal: {@code <run>|~gen|<collection>|<generation:20>|p|<worker>|<chunk:10>};</li>
 *   <li>a sealed version: {@code <run>|~gen|<collection>|<generation:20>|v|<version:10>}, value = the step it was
 *       saved at (8 bytes, -1 when none), the member count, then each member (Confluent-framed), kept through
 *       {@link ChunkedValues} so a population of any size stays under Kafka's record limit.</li>
 * </ul>
 * Collection names never start with {@code ~}, so these keys never mix with a collection's items.
 */
public final class GenerationItems {

    private static final ChunkedValues CHUNKS = new ChunkedValues();

    /**
     * One version of one generation.
     *
     * @param step        the step it was saved at (-1: saved without one)
     * @param memberCount how many members it holds
     * @param members     its members (Confluent-framed) in population order; empty when read without them
     */
    public record Version(long generation, int version, long step, int memberCount, List<byte[]> members) {
    }

    private GenerationItems() {
    }

    static String base(String runId, String collection, long generation) {
        return runId + "|~gen|" + collection + "|" + pad(generation, 20) + "|";
    }

    public static String collectionPrefix(String runId, String collection) {
        return runId + "|~gen|" + collection + "|";
    }

    public static String pendingPrefix(String runId, String collection, long generation, String worker) {
        return base(runId, collection, generation) + "p|" + worker + "|";
    }

    public static String pendingKey(String runId, String collection, long generation, String worker, int chunk) {
        return pendingPrefix(runId, collection, generation, worker) + pad(chunk, 10);
    }

    public static String versionPrefix(String runId, String collection, long generation) {
        return base(runId, collection, generation) + "v|";
    }

    public static String versionKey(String runId, String collection, long generation, int version) {
        return versionPrefix(runId, collection, generation) + pad(version, 10);
    }

    /** A pending chunk's value: first member index, then the members. */
    public static byte[] encodeChunk(int firstMember, List<ByteBuffer> members) {
        return encode(firstMember, members.stream().map(GenerationItems::bytes).toList());
    }

    public static long chunkFirstMember(byte[] value) {
        return ByteBuffer.wrap(value).getLong();
    }

    public static List<byte[]> members(byte[] value) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(value))) {
            in.readLong();
            int n = in.readInt();
            List<byte[]> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[] m = new byte[in.readInt()];
                in.readFully(m);
                out.add(m);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stores a sealed version. */
    public static void putVersion(ChunkedValues.Kv heads, ChunkedValues.Kv chunks, String key, long step,
                                  List<byte[]> members) {
        CHUNKS.put(heads, chunks, key, encode(step, members));
    }

    /**
     * Checks a chunk of a state-model generation and keeps it until its worker's seal: the live topology and the
     * history replay both call this, so both refuse the same records.
     *
     * @throws Rejection {@code invalid-generation} (negative indexes, v1 members, a member not Confluent-framed with a
     *                   registry id), {@code too-large} (more than one store record holds)
     */
    public static void stage(DeltaLog.Kv<byte[]> heads, GenerationChunk chunk) throws Rejection {
        checkIds(chunk.getWorkerId(), chunk.getGeneration());
        if (chunk.getChunkIndex() < 0 || chunk.getFirstMemberIndex() < 0 || !chunk.getMembers().isEmpty()) {
            throw invalid("chunk_index and first_member_index must be >= 0, and members empty (items carry them)");
        }
        for (ByteBuffer item : chunk.getItems()) {
            if (item.remaining() < 5 || item.get(item.position()) != 0 || item.getInt(item.position() + 1) <= 0) {
                throw invalid("a member is not Confluent-framed (0x00, 4-byte registry schema id, Avro body)");
            }
        }
        String key = pendingKey(chunk.getRunId(), chunk.getCollection(), chunk.getGeneration(), chunk.getWorkerId(),
                chunk.getChunkIndex());
        byte[] encoded = encodeChunk(chunk.getFirstMemberIndex(), chunk.getItems());
        long bytes = RecordLimits.utf8Length(key) + encoded.length;
        if (bytes > RecordLimits.MAX_STORE_ENTRY) {
            throw new Rejection(DeadLetterReasons.TOO_LARGE, "chunk " + chunk.getChunkIndex() + " would be stored as "
                    + bytes + " bytes, more than one store record holds (" + RecordLimits.MAX_STORE_ENTRY + ")");
        }
        heads.put(key, encoded);
    }

    /**
     * Seals a state-model generation: the chunks its worker staged (all removed, whatever the outcome) become the
     * generation's next version, numbered from 0 in the order seals arrive, kept with the seal's step.
     *
     * @return the new version's number
     * @throws Rejection {@code invalid-generation} when the staged chunks do not match the seal (a chunk missing or
     *                   out of place, another chunk or member count); the generation keeps its versions
     */
    public static int seal(DeltaLog.Kv<byte[]> heads, ChunkedValues.Kv chunks, GenerationSealed seal)
            throws Rejection {
        checkIds(seal.getWorkerId(), seal.getGeneration());
        String runId = seal.getRunId();
        String collection = seal.getCollection();
        String prefix = pendingPrefix(runId, collection, seal.getGeneration(), seal.getWorkerId());
        List<byte[]> members = new ArrayList<>();
        String problem = null;
        int expected = 0;
        for (Map.Entry<String, byte[]> kv : heads.scan(prefix, k -> false)) {
            int index = Integer.parseInt(kv.getKey().substring(prefix.length()));
            if (problem == null && index != expected) {
                problem = "chunk " + expected + " is missing";
            } else if (problem == null && chunkFirstMember(kv.getValue()) != members.size()) {
                problem = "chunk " + index + " starts at member " + chunkFirstMember(kv.getValue()) + ", not "
                        + members.size();
            }
            members.addAll(members(kv.getValue()));
            heads.delete(kv.getKey());
            expected++;
        }
        if (problem == null && expected != seal.getChunkCount()) {
            problem = "sealed with chunk_count " + seal.getChunkCount() + " but " + expected + " chunks arrived";
        }
        if (problem == null && members.size() != seal.getMemberCount()) {
            problem = "sealed with member_count " + seal.getMemberCount() + " but " + members.size()
                    + " members arrived";
        }
        if (problem != null) {
            throw invalid("generation " + seal.getGeneration() + " of " + collection + ": " + problem);
        }
        int version = (int) heads.scan(versionPrefix(runId, collection, seal.getGeneration()), k -> false).stream()
                .filter(e -> e.getKey().indexOf('\0') < 0).count();
        putVersion(ItemStore.adapt(heads), chunks, versionKey(runId, collection, seal.getGeneration(), version),
                seal.getStep() == null ? -1 : seal.getStep(), members);
        return version;
    }

    /**
     * Every version of every generation of a collection: generation -> versions in version order, with their members
     * or (for listings) without.
     */
    public static SortedMap<Long, List<Version>> versions(DeltaLog.Kv<byte[]> heads, ChunkedValues.Kv headsKv,
                                                          ChunkedValues.Kv chunks, String runId, String collection,
                                                          boolean withMembers) {
        SortedMap<Long, List<Version>> out = new TreeMap<>();
        String prefix = collectionPrefix(runId, collection);
        for (Map.Entry<String, byte[]> e : heads.scan(prefix, k -> false)) {
            String rest = e.getKey().substring(prefix.length());
            if (e.getKey().indexOf('\0') >= 0 || !rest.substring(21).startsWith("v|")) {
                continue; // chunk keys and pending chunks
            }
            long generation = Long.parseLong(rest.substring(0, 20));
            int version = Integer.parseInt(rest.substring(23));
            byte[] value = CHUNKS.get(headsKv, chunks, e.getKey());
            ByteBuffer head = ByteBuffer.wrap(value);
            long step = head.getLong();
            int count = head.getInt();
            out.computeIfAbsent(generation, g -> new ArrayList<>())
                    .add(new Version(generation, version, step, count, withMembers ? members(value) : List.of()));
        }
        return out;
    }

    /** The members (Confluent-framed, population order) of one version; empty when there is no such version. */
    public static java.util.Optional<List<byte[]>> members(ChunkedValues.Kv headsKv, ChunkedValues.Kv chunks,
                                                          String runId, String collection, long generation,
                                                          int version) {
        byte[] value = CHUNKS.get(headsKv, chunks, versionKey(runId, collection, generation, version));
        return java.util.Optional.ofNullable(value).map(GenerationItems::members);
    }

    /**
     * The version of a generation an as-of read at {@code maxStep} sees: the newest one saved at or before it (a
     * version saved without a step counts as saved before any), the newest of all when {@code maxStep} is null;
     * null when there is none.
     */
    public static Version asOf(List<Version> versions, Long maxStep) {
        Version seen = null;
        for (Version v : versions) {
            if (maxStep == null || v.step() <= maxStep) {
                seen = v;
            }
        }
        return seen;
    }

    /** Every generation's version as of {@code maxStep} (see {@link #asOf}); generations with none are left out. */
    public static SortedMap<Long, Version> latest(DeltaLog.Kv<byte[]> heads, ChunkedValues.Kv headsKv,
                                                  ChunkedValues.Kv chunks, String runId, String collection,
                                                  Long maxStep) {
        SortedMap<Long, Version> out = new TreeMap<>();
        versions(heads, headsKv, chunks, runId, collection, true).forEach((g, all) -> {
            Version v = asOf(all, maxStep);
            if (v != null) {
                out.put(g, v);
            }
        });
        return out;
    }

    /** A framed member as the engine's stored form. */
    public static StoredEntity entity(byte[] framed) {
        ByteBuffer b = ByteBuffer.wrap(framed);
        if (framed.length < 5 || b.get() != 0) {
            throw new IllegalArgumentException("a generation member is not Confluent-framed");
        }
        int id = b.getInt();
        byte[] body = new byte[b.remaining()];
        b.get(body);
        return new StoredEntity(id, body);
    }

    private static void checkIds(String workerId, long generation) throws Rejection {
        if (!RunIds.isValid(workerId)) {
            throw invalid("invalid worker_id");
        }
        if (generation < 0) {
            throw invalid("generation must be >= 0");
        }
    }

    private static Rejection invalid(String detail) {
        return new Rejection(DeadLetterReasons.INVALID_GENERATION, detail);
    }

    private static byte[] encode(long head, List<byte[]> members) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(head);
            out.writeInt(members.size());
            for (byte[] m : members) {
                out.writeInt(m.length);
                out.write(m);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private static String pad(long n, int width) {
        String s = Long.toString(n);
        return "0".repeat(Math.max(0, width - s.length())) + s;
    }
}
