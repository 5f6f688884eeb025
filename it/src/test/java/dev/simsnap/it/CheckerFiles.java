package dev.simsnap.it;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Snapshot files as the checker reads them: relative path to parsed JSON value ({@link CheckerJson}), and the state
 * they show. The checker compares states, not bytes (byte-exact rendering is the golden-file oracle's job).
 */
final class CheckerFiles {

    private CheckerFiles() {
    }

    /** The files of a snapshot zip (entries {@code <run>/<path>}). */
    static Map<String, Object> unzip(String run, byte[] zip) {
        Map<String, Object> files = new TreeMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.isDirectory()) {
                    continue;
                }
                String name = e.getName();
                if (!name.startsWith(run + "/")) {
                    throw new AssertionError("zip entry " + name + " is not under " + run + "/");
                }
                files.put(name.substring(run.length() + 1), CheckerJson.parse(in.readAllBytes()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** The files of a snapshot folder. */
    static Map<String, Object> read(Path dir) {
        Map<String, Object> files = new TreeMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(p).toString().replace('\\', '/'), CheckerJson.parse(Files.readAllBytes(p)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + dir, e);
        }
        return files;
    }

    /**
     * The state the files of a checker-ledger snapshot show: {@code entities.json} and {@code ledger.json} (absent
     * when the collection is empty: the layout writes no file then). When the per-entity files
     * {@code entities/<id>.json} do not agree with {@code entities.json}, or there are other files, the state gets a
     * third key, {@code "files that disagree"}, so it equals no reference state (a snapshot mixing steps across its
     * files is caught too).
     */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> state(Map<String, Object> files) {
        Map<String, Map<String, Object>> state = new TreeMap<>();
        Map<String, Object> disagree = new TreeMap<>();
        for (String collection : java.util.List.of("entities", "ledger")) {
            Object content = files.getOrDefault(collection + ".json", Map.of());
            if (content instanceof Map<?, ?> items) {
                state.put(collection, new TreeMap<>((Map<String, Object>) items));
            } else {
                state.put(collection, new TreeMap<>());
                disagree.put(collection + ".json", content);
            }
        }
        Map<String, Object> entities = state.get("entities");
        files.forEach((path, value) -> {
            if (path.startsWith("entities/") && path.endsWith(".json")) {
                String id = path.substring("entities/".length(), path.length() - ".json".length());
                if (!Objects.equals(entities.get(id), value)) {
                    disagree.put(path, value);
                }
            } else if (!path.equals("entities.json") && !path.equals("ledger.json")) {
                disagree.put(path, value);
            }
        });
        entities.keySet().stream().filter(id -> !files.containsKey("entities/" + id + ".json"))
                .forEach(id -> disagree.put("entities/" + id + ".json", "(missing)"));
        if (!disagree.isEmpty()) {
            state.put("files that disagree", disagree);
        }
        return state;
    }

    /** Where two maps differ, down to the field (nested maps are followed; long values cut), for messages. */
    static String diff(Map<String, ?> expected, Map<String, ?> actual) {
        StringBuilder sb = new StringBuilder();
        diff("", expected, actual, sb);
        return sb.length() == 0 ? "(equal)" : sb.toString();
    }

    private static void diff(String prefix, Map<String, ?> expected, Map<String, ?> actual, StringBuilder sb) {
        for (String k : union(expected, actual)) {
            Object e = expected.get(k);
            Object a = actual.get(k);
            if (e instanceof Map<?, ?> em && a instanceof Map<?, ?> am) {
                @SuppressWarnings("unchecked")
                Map<String, ?> es = (Map<String, ?>) em;
                @SuppressWarnings("unchecked")
                Map<String, ?> as = (Map<String, ?>) am;
                diff(prefix + k + "/", es, as, sb);
            } else if (!Objects.equals(e, a)) {
                sb.append("\n    ").append(prefix).append(k).append(": expected ").append(cut(e))
                        .append(", was ").append(cut(a));
            }
        }
    }

    private static java.util.Set<String> union(Map<String, ?> a, Map<String, ?> b) {
        java.util.Set<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys;
    }

    private static String cut(Object v) {
        String s = String.valueOf(v);
        return s.length() <= 400 ? s : s.substring(0, 400) + "...";
    }
}
