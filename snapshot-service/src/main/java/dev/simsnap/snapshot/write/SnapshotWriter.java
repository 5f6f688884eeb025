package dev.simsnap.snapshot.write;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.snapshot.json.CanonicalJson;
import dev.simsnap.snapshot.read.RunState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Writes a {@link RunState} as the seed folder layout, deterministically and atomically. Pure file I/O, no Kafka.
 *
 * <pre>
 * &lt;root&gt;/&lt;run&gt;/save/information.json          {"virtual_date", "iteration"}
 * &lt;root&gt;/&lt;run&gt;/save/persona.json              persons by person_id, persona.json fields only
 * &lt;root&gt;/&lt;run&gt;/save/stocks.json               stocks by stock_id, stocks.json fields only
 * &lt;root&gt;/&lt;run&gt;/save/classes/PERSON_&lt;id&gt;.json    full records (the seed pickles these)
 * &lt;root&gt;/&lt;run&gt;/save/classes/STOCK_&lt;id&gt;.json
 * &lt;root&gt;/&lt;run&gt;/save/classes/Market_index.json     the market index (Market_index_&lt;id&gt;.json each when several)
 * &lt;root&gt;/&lt;run&gt;/save/classes/MARKET.json
 * &lt;root&gt;/&lt;run&gt;/save/documents/&lt;collection&gt;.json  {"&lt;entity id&gt;": {...}} sorted by id, keys sorted
 * &lt;root&gt;/&lt;run&gt;/persona_data/gen_&lt;N&gt;.json        visible generations: PersonaGenotype arrays
 * </pre>
 *
 * <p>information.json is the INFORMATION entity when present, its missing fields filled from the consistent
 * iteration (and its virtual date); it is always written. persona.json and stocks.json are written (possibly
 * {@code []}) whenever the run has any trading-arena entity; other files only when they have content.
 *
 * <p>Bytes: {@link CanonicalJson#pretty} (schema key order, 2-space indent, "\n", trailing newline, stable
 * numbers). Atomicity: everything is written into {@code <root>/.<run>.tmp-<uuid>} (a name no valid run id can
 * take), each file and directory fsynced, then renamed to {@code <root>/<run>}; an existing snapshot is first
 * renamed to {@code <root>/.<run>.old-<uuid>} and deleted after the swap. Leftovers of an interrupted write of
 * the same run are removed on the next write. Writes of one writer instance are serialized.
 */
public final class SnapshotWriter {

    /** persona.json fields, in the seed's (and Person's) order. */
    public static final List<String> PERSONA_FIELDS = List.of("person_id", "name", "occupation", "principle",
            "investment_duration", "daily_income_from_job", "cash", "minimum_living_expense", "reflect_frequency");
    /** stocks.json fields, in the seed's (and Stock's) order. */
    public static final List<String> STOCK_FIELDS = List.of("stock_id", "stock_name", "DPS", "past_stock_last_prices",
            "quantity");

    private final Path root;

    /** @param root the output root; created when absent */
    public SnapshotWriter(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /**
     * Writes (or replaces) the snapshot of {@code state.runId()}.
     *
     * @return the snapshot folder {@code <root>/<run>}
     * @throws IllegalArgumentException for an invalid run id or a path escaping the root
     */
    public synchronized Path write(RunState state) throws IOException {
        return writeTo(RunIds.require("run id", state.runId()), state);
    }

    /**
     * Writes (or replaces) an as-of snapshot: the same files into {@code <root>/<run>@<iteration>} ({@code @} is
     * outside the run-id alphabet, so such a folder never collides with a run's live snapshot folder).
     *
     * @return the snapshot folder
     */
    public synchronized Path writeAsOf(RunState state) throws IOException {
        String runId = RunIds.require("run id", state.runId());
        if (state.iteration() < 0) {
            throw new IllegalArgumentException("an as-of snapshot needs an iteration >= 0");
        }
        return writeTo(runId + "@" + state.iteration(), state);
    }

    /**
     * Writes (or replaces) a generation snapshot as of generation G: {@code <root>/<run>@g<G>/persona_data/gen_0.json
     * ... gen_<G>.json} only. Visible generations never change, so these bytes are the same whenever taken.
     *
     * @param generations generations 0..G, members in population order
     */
    public synchronized Path writeGenerations(String runId, int generation, SortedMap<Integer, List<JsonNode>> generations)
            throws IOException {
        RunIds.require("run id", runId);
        return writeFiles(runId + "@g" + generation, renderGenerations(generations));
    }

    /** persona_data/gen_N.json files of the given generations. */
    public static SortedMap<String, byte[]> renderGenerations(SortedMap<Integer, List<JsonNode>> generations) {
        SortedMap<String, byte[]> files = new TreeMap<>();
        generations.forEach((gen, members) -> {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            members.forEach(out::add);
            files.put("persona_data/gen_" + gen + ".json", bytes(out));
        });
        return files;
    }

    private Path writeTo(String runId, RunState state) throws IOException {
        return writeFiles(runId, render(state));
    }

    private Path writeFiles(String runId, Map<String, byte[]> files) throws IOException {
        Path target = root.resolve(runId).normalize();
        if (!root.equals(target.getParent())) {
            throw new IllegalArgumentException("run id resolves outside the output root");
        }
        Files.createDirectories(root);
        removeLeftovers(runId);
        String unique = UUID.randomUUID().toString();
        Path temp = root.resolve("." + runId + ".tmp-" + unique);
        Files.createDirectory(temp);
        try {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path path = temp.resolve(file.getKey()).normalize();
                if (!path.startsWith(temp)) {
                    throw new IllegalArgumentException("file escapes the snapshot folder: " + file.getKey());
                }
                Files.createDirectories(path.getParent());
                writeSynced(path, file.getValue());
            }
            syncTree(temp);
            Path old = null;
            if (Files.exists(target)) {
                old = root.resolve("." + runId + ".old-" + unique);
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(root);
            if (old != null) {
                deleteTree(old);
            }
        } catch (IOException | RuntimeException e) {
            if (Files.exists(temp)) {
                deleteTree(temp);
            }
            throw e;
        }
        return target;
    }

    /**
     * The snapshot's files: relative path ({@code /}-separated) to exact bytes, sorted by path.
     *
     * @throws IllegalArgumentException for an invalid run id, collection or market index id, or NaN/Infinity
     */
    public static SortedMap<String, byte[]> render(RunState state) {
        RunIds.require("run id", state.runId());
        SortedMap<String, byte[]> files = new TreeMap<>();
        files.put("save/information.json", bytes(information(state)));
        if (state.hasTradingEntities()) {
            files.put("save/persona.json", bytes(projection(state.persons().values(), PERSONA_FIELDS)));
            files.put("save/stocks.json", bytes(projection(state.stocks().values(), STOCK_FIELDS)));
        }
        state.persons().forEach((id, p) -> files.put("save/classes/PERSON_" + id + ".json", bytes(p)));
        state.stocks().forEach((id, s) -> files.put("save/classes/STOCK_" + id + ".json", bytes(s)));
        if (state.marketIndexes().size() == 1) {
            files.put("save/classes/Market_index.json", bytes(state.marketIndexes().values().iterator().next()));
        } else {
            state.marketIndexes().forEach((id, m) -> files.put(
                    "save/classes/Market_index_" + RunIds.require("market index id", id) + ".json", bytes(m)));
        }
        if (state.market() != null) {
            files.put("save/classes/MARKET.json", bytes(state.market()));
        }
        state.documents().forEach((collection, docs) -> {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            docs.forEach((id, doc) -> out.set(id, CanonicalJson.sortedKeys(doc)));
            files.put("save/documents/" + RunIds.require("collection", collection) + ".json", bytes(out));
        });
        state.generations().forEach((gen, members) -> {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            members.forEach(out::add);
            files.put("persona_data/gen_" + gen + ".json", bytes(out));
        });
        return files;
    }

    private static ObjectNode information(RunState state) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        JsonNode entity = state.information();
        JsonNode date = entity == null ? null : entity.get("virtual_date");
        if (date != null) {
            out.set("virtual_date", date);
        } else if (state.virtualDate() != null) {
            out.put("virtual_date", state.virtualDate());
        }
        JsonNode iteration = entity == null ? null : entity.get("iteration");
        if (iteration != null) {
            out.set("iteration", iteration);
        } else {
            out.put("iteration", state.iteration());
        }
        return out;
    }

    private static ArrayNode projection(Iterable<ObjectNode> entities, List<String> fields) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (ObjectNode entity : entities) {
            ObjectNode row = out.addObject();
            for (String f : fields) {
                JsonNode v = entity.get(f);
                if (v != null && !v.isNull()) {
                    row.set(f, v);
                }
            }
        }
        return out;
    }

    private static byte[] bytes(JsonNode node) {
        return CanonicalJson.pretty(node).getBytes(StandardCharsets.UTF_8);
    }

    private void removeLeftovers(String runId) throws IOException {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(root, "." + runId + ".{tmp,old}-*")) {
            for (Path leftover : stream) {
                deleteTree(leftover);
            }
        }
    }

    private static void writeSynced(Path path, byte[] content) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    private static void syncTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                syncDirectory(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** fsync of a directory entry list; not supported on every OS (e.g. Windows), where it is skipped. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Best effort: the file contents themselves were already forced.
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
