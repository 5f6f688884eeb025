package dev.simsnap.snapshot.write;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.render.json.JsonFormat;
import dev.simsnap.render.json.JsonWriter;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.snapshot.read.RunState;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a {@link RunState} as a snapshot folder, deterministically, atomically and durably. Pure file I/O, no
 * Kafka.
 *
 * <p>The files are the state's layout files (rendered from the run's state model, a v1 run's from the built-in legacy
 * model: {@code save/information.json}, {@code persona.json}, {@code stocks.json}, {@code classes/...},
 * {@code documents/...}) and, for a v1 run, {@code persona_data/gen_<N>.json} for each visible generation
 * (PersonaGenotype arrays in simsnap's canonical JSON: 2-space indent, "\n", trailing newline, stable numbers). The
 * same state always gives byte-identical files, whichever thread writes which file.
 *
 * <p>Atomicity and durability: everything is written into {@code <root>/.<folder>.tmp-<uuid>} (a hidden name no
 * valid run id can take). Each file is rendered and written on one of {@code ioThreads} I/O threads, many at once;
 * only when every file exists are all files and directories fsynced, again many at once: on a journaling file system
 * the first fsyncs' journal commits then carry most of the folder and concurrent fsyncs share commits, which is where
 * the speed comes from. Only when every fsync has returned is an existing snapshot renamed to
 * {@code <root>/.<folder>.old-<uuid>}, the new folder renamed to {@code <root>/<folder>} and the root directory
 * fsynced. So when {@code write} returns, the snapshot is on disk,
 * and a crash can never leave a visible folder with missing, empty or truncated files (if it strikes between the two
 * renames the folder is missing until the next write). If the second rename fails the old snapshot is renamed back.
 *
 * Directory fsync is skipped where the OS does not support it (e.g. Windows).
 *
 * <p>Clean-up: the replaced snapshot is deleted on a background thread after the swap; {@code write} does not wait
 * for it (it is hidden and no longer part of anything visible). Each write also schedules for background deletion every
 * {@code .<any folder>.old-<uuid>} under the root and the {@code .<folder>.tmp-<uuid>} leftovers of an interrupted
 * write of the same folder; a deletion cut short (JVM exit, I/O error) is thus retried by a later write. A failed
 * write deletes its own temporary folder before it throws. {@link #awaitBackgroundDeletes} waits for the deletions;
 * {@link #close} waits for them (bounded) and releases the threads. Threads are daemons that exit when idle, so a
 * writer that is never closed leaks nothing but possibly a hidden leftover, which a later write removes.
 *
 * <p>Concurrency: writes of the same folder (run, {@code run@N}, {@code run@gG}) through one writer are serialized;
 * writes of different folders run concurrently and share the I/O threads. One writer per root is assumed: two
 * writers writing the same run into the same root at the same time may delete each other's temporary folder.
 * The {@link RunState} must not be modified while it is being written.
 */
public final class SnapshotWriter implements AutoCloseable {

    /** v1 generation files: simsnap's canonical form (the bytes simsnap always wrote for them). */
    private static final JsonWriter CANONICAL = JsonWriter.of(JsonFormat.canonical());
    /**
     * Default number of I/O threads. They spend most of their time blocked in fsync waiting for a journal commit, so
     * there can be far more of them than cores. Measured with the bench snapshot (11,004 files, ext4, 2 cores, shared
     * virtual disk): 4 and 8 threads were clearly slower than 16 to 64, which were within the noise of each other.
     */
    public static final int DEFAULT_IO_THREADS = 32;
    /** Upper bound of {@code ioThreads}: beyond this only memory is gained. */
    public static final int MAX_IO_THREADS = 256;
    /** How long {@link #close} waits for background deletions before leaving them to a later write. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
    /** Writes are split into chunks of this size: the JDK copies heap buffers through a per-thread direct buffer. */
    private static final int CHUNK = 1 << 20;
    private static final Pattern LEFTOVER = Pattern.compile(
            "\\.(.+)\\.(tmp|old)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final Path root;
    private final ThreadPoolExecutor io;
    private final BackgroundDeleter deleter = new BackgroundDeleter();
    /** Folders being written by this writer; guarded by itself. */
    private final Set<String> busy = new HashSet<>();
    private volatile boolean closed;

    /** @param root the output root; created when absent. Uses {@link #DEFAULT_IO_THREADS} I/O threads. */
    public SnapshotWriter(Path root) {
        this(root, DEFAULT_IO_THREADS);
    }

    /**
     * @param root      the output root; created when absent
     * @param ioThreads how many files are written and fsynced at once, 1 to {@link #MAX_IO_THREADS}
     */
    public SnapshotWriter(Path root, int ioThreads) {
        if (ioThreads < 1 || ioThreads > MAX_IO_THREADS) {
            throw new IllegalArgumentException("ioThreads must be 1.." + MAX_IO_THREADS + ", got " + ioThreads);
        }
        this.root = root.toAbsolutePath().normalize();
        this.io = DaemonPool.create(ioThreads, "simsnap-snapshot-io");
    }

    /**
     * Writes (or replaces) the snapshot of {@code state.runId()}; see the class comment for what "written" means.
     *
     * @return the snapshot folder {@code <root>/<run>}
     * @throws IllegalArgumentException for an invalid run id or a path escaping the root
     * @throws IllegalStateException    after {@link #close}
     */
    public Path write(RunState state) throws IOException {
        String runId = RunIds.require("run id", state.runId());
        return writeFiles(runId, plan(state));
    }

    /**
     * Writes (or replaces) an as-of snapshot: the same files into {@code <root>/<run>@<iteration>} ({@code @} is
     * outside the run-id alphabet, so such a folder never collides with a run's live snapshot folder).
     *
     * @return the snapshot folder
     */
    public Path writeAsOf(RunState state) throws IOException {
        String runId = RunIds.require("run id", state.runId());
        if (state.iteration() < 0) {
            throw new IllegalArgumentException("an as-of snapshot needs an iteration >= 0");
        }
        return writeFiles(runId + "@" + state.iteration(), plan(state));
    }

    /**
     * Writes (or replaces) a generation snapshot as of generation G: {@code <root>/<run>@g<G>/persona_data/gen_0.json
     * ... gen_<G>.json} only. Visible generations never change, so these bytes are the same whenever taken.
     *
     * @param generations generations 0..G, members in population order
     */
    public Path writeGenerations(String runId, int generation, SortedMap<Integer, List<JsonNode>> generations)
            throws IOException {
        RunIds.require("run id", runId);
        List<PlannedFile> files = new ArrayList<>();
        planGenerations(generations, files);
        return writeFiles(runId + "@g" + generation, files);
    }

    /** persona_data/gen_N.json files of the given generations. */
    public static SortedMap<String, byte[]> renderGenerations(SortedMap<Integer, List<JsonNode>> generations) {
        List<PlannedFile> files = new ArrayList<>();
        planGenerations(generations, files);
        return renderAll(files);
    }

    /**
     * The snapshot's files: relative path ({@code /}-separated) to exact bytes, sorted by path. These are exactly the
     * bytes {@link #write} puts on disk.
     *
     * @throws IllegalArgumentException for an invalid run id
     */
    public static SortedMap<String, byte[]> render(RunState state) {
        return renderAll(plan(state));
    }

    /**
     * Waits until every background deletion scheduled so far (replaced snapshots, leftovers) has finished.
     *
     * @return false when {@code timeout} passed first
     */
    public boolean awaitBackgroundDeletes(Duration timeout) throws InterruptedException {
        return deleter.awaitIdle(timeout);
    }

    /**
     * Refuses new writes ({@link IllegalStateException}), waits for the writes already running, then up to 30 s for
     * pending background deletions (what is left stays hidden and is removed by a later writer's write), and lets the
     * threads go. Idempotent. When interrupted it stops waiting and keeps the interrupt flag.
     */
    @Override
    public void close() {
        closed = true;
        try {
            synchronized (busy) {
                while (!busy.isEmpty()) {
                    busy.wait();
                }
            }
            deleter.awaitIdle(CLOSE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleter.shutdown();
        io.shutdown();
    }

    private static SortedMap<String, byte[]> renderAll(List<PlannedFile> files) {
        SortedMap<String, byte[]> out = new TreeMap<>();
        for (PlannedFile f : files) {
            out.put(f.path(), f.content().get());
        }
        return out;
    }

    /** The files of a snapshot: the layout's (their paths were checked when the model was parsed), then generations. */
    private static List<PlannedFile> plan(RunState state) {
        RunIds.require("run id", state.runId());
        List<PlannedFile> files = new ArrayList<>(state.layoutFiles().size() + state.generations().size());
        state.layoutFiles().forEach((path, bytes) -> files.add(new PlannedFile(path, () -> bytes)));
        planGenerations(state.generations(), files);
        return files;
    }

    private static void planGenerations(SortedMap<Integer, List<JsonNode>> generations, List<PlannedFile> files) {
        generations.forEach((gen, members) -> files.add(new PlannedFile("persona_data/gen_" + gen + ".json",
                () -> CANONICAL.toBytes(members))));
    }

    private Path writeFiles(String folder, List<PlannedFile> files) throws IOException {
        Path target = root.resolve(folder).normalize();
        if (!root.equals(target.getParent())) {
            throw new IllegalArgumentException("run id resolves outside the output root");
        }
        if (closed) {
            throw new IllegalStateException("snapshot writer is closed");
        }
        lock(folder);
        try {
            Files.createDirectories(root);
            scheduleLeftovers(folder);
            String unique = UUID.randomUUID().toString();
            Path temp = root.resolve("." + folder + ".tmp-" + unique);
            Files.createDirectory(temp);
            Path old = null;
            try {
                List<Path> dirs = createParents(temp, files);
                List<FanOut.IoTask> writes = new ArrayList<>(files.size());
                List<Path> written = new ArrayList<>(java.util.Collections.nCopies(files.size(), null));
                for (int i = 0; i < files.size(); i++) {
                    int index = i;
                    writes.add(() -> written.set(index, write(temp, files.get(index))));
                }
                FanOut.runAll(io, writes);
                // Durability in one batch, after every file and entry exists: the first fsyncs' journal commits then
                // carry the whole folder's metadata (and ordered data), so most of the later ones find nothing left
                // to wait for. Writing and fsyncing file by file committed the journal for a few files at a time.
                // A directory's fsync covers the entries that exist when it runs: all of them, by now. Order does not
                // matter (all complete before the rename), so files and directories are forced at once.
                List<FanOut.IoTask> syncs = new ArrayList<>(written.size() + dirs.size());
                for (Path f : written) {
                    syncs.add(() -> syncFile(f));
                }
                for (Path d : dirs) {
                    syncs.add(() -> syncDirectory(d));
                }
                FanOut.runAll(io, syncs);
                if (Files.exists(target)) {
                    old = root.resolve("." + folder + ".old-" + unique);
                    Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                }
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    if (old != null) {
                        try {
                            Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
                            old = null;
                        } catch (IOException restore) {
                            e.addSuppressed(restore);
                        }
                    }
                    throw e;
                }
                syncDirectory(root);
            } catch (IOException | RuntimeException | Error e) {
                try {
                    DirectoryTrees.delete(temp);
                } catch (IOException | RuntimeException cleanup) {
                    e.addSuppressed(cleanup); // left for the next write of this folder
                }
                throw e;
            }
            if (old != null) {
                deleter.schedule(old);
            }
            return target;
        } finally {
            unlock(folder);
        }
    }

    /** Creates every parent directory of {@code files} in {@code temp}; returns them, their ancestors and temp. */
    private static List<Path> createParents(Path temp, List<PlannedFile> files) throws IOException {
        Set<String> parents = new LinkedHashSet<>();
        for (PlannedFile f : files) {
            int slash = f.path().lastIndexOf('/');
            if (slash > 0) {
                parents.add(f.path().substring(0, slash));
            }
        }
        Set<Path> dirs = new LinkedHashSet<>();
        for (String parent : parents) {
            Path dir = temp.resolve(parent).normalize();
            if (!dir.startsWith(temp)) {
                throw new IllegalArgumentException("file escapes the snapshot folder: " + parent);
            }
            Files.createDirectories(dir);
            for (Path d = dir; d.startsWith(temp); d = d.getParent()) {
                dirs.add(d);
            }
        }
        dirs.add(temp);
        return new ArrayList<>(dirs);
    }

    /**
     * Schedules the removal of {@code .<any>.old-<uuid>} trees (never visible, never written to again) and of this
     * folder's {@code .tmp-} leftovers (no write of this folder is running: we hold its lock). Other folders'
     * {@code .tmp-} trees may be writes in progress and are left alone.
     */
    private void scheduleLeftovers(String folder) throws IOException {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(root, ".*-*")) {
            for (Path entry : stream) {
                Matcher m = LEFTOVER.matcher(entry.getFileName().toString());
                if (m.matches() && (m.group(2).equals("old") || m.group(1).equals(folder))) {
                    deleter.schedule(entry);
                }
            }
        }
    }

    /**
     * Schedules the removal of every leftover under the root — {@code .<folder>.tmp-<uuid>} trees of writes a kill
     * interrupted and {@code .<folder>.old-<uuid>} trees — when no write can be running: call it when the
     * service starts, before this writer writes anything (one writer per root).
     *
     * @return how many leftovers were scheduled
     */
    public int sweepLeftovers() throws IOException {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int n = 0;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(root, ".*-*")) {
            for (Path entry : stream) {
                if (LEFTOVER.matcher(entry.getFileName().toString()).matches()) {
                    deleter.schedule(entry);
                    n++;
                }
            }
        }
        return n;
    }

    private void lock(String folder) throws InterruptedIOException {
        synchronized (busy) {
            while (busy.contains(folder)) {
                try {
                    busy.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for another write of " + folder);
                }
            }
            busy.add(folder);
        }
    }

    private void unlock(String folder) {
        synchronized (busy) {
            busy.remove(folder);
            busy.notifyAll();
        }
    }

    /**
     * Renders {@code file} and writes it as a new file under {@code temp} (not yet fsynced: see {@link #syncFile});
     * runs on an I/O thread. Returns the file's path.
     */
    private static Path write(Path temp, PlannedFile file) throws IOException {
        Path path = temp.resolve(file.path()).normalize();
        if (!path.startsWith(temp) || path.equals(temp)) {
            throw new IllegalArgumentException("file escapes the snapshot folder: " + file.path());
        }
        byte[] content = file.content().get();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int off = 0; off < content.length; off += CHUNK) {
                ByteBuffer buf = ByteBuffer.wrap(content, off, Math.min(CHUNK, content.length - off));
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        }
        return path;
    }

    /** fsync of a written file (its data and the metadata needed to read it back). */
    private static void syncFile(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** fsync of a directory entry list; not supported on every OS (e.g. Windows), where it is skipped. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Best effort: the file contents themselves were already forced.
        }
    }
}
