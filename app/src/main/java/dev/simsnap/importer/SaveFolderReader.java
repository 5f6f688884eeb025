package dev.simsnap.importer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads a trading-arena save folder whole, so an import has all of its input, or fails naming the file, before
 * anything is published:
 *
 * <ul>
 *   <li>{@code information.json}, {@code persona.json}, {@code stocks.json}: each optional; JSON as typed (ints stay
 *       ints, floats floats, object keys in file order; optional keys may be absent). Malformed JSON fails with
 *       {@code <file>:<line>:<column>: malformed JSON: ...}; {@code persona.json}/{@code stocks.json} must be arrays
 *       of objects, {@code information.json} an object;
 *   <li>{@code classes/}: {@code PERSON_<i>.pkl} and {@code STOCK_<i>.pkl} numbered 0, 1, ... without gaps,
 *       {@code Market_index.pkl}, {@code MARKET.pkl}, each a pickled object ({@link PickleReader}); any other file
 *       there is refused (the seed writes no other);
 *   <li>{@code data.db} ({@link SqliteDatabase}).
 * </ul>
 *
 * A folder holding none of these is refused. Other files of the folder are not read; they are listed in
 * {@link SaveFolder#skipped()}.
 */
public final class SaveFolderReader {

    private static final Pattern NUMBERED = Pattern.compile("(PERSON|STOCK)_(0|[1-9][0-9]{0,8})\\.pkl");
    private static final List<String> KNOWN = List.of("information.json", "persona.json", "stocks.json", "classes",
            "data.db");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private SaveFolderReader() {
    }

    /**
     * Reads {@code dir}.
     *
     * @throws SeedFormatException naming the file when the folder or a file in it cannot be imported
     */
    public static SaveFolder read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new SeedFormatException(dir + ": not a directory");
        }
        Optional<Map<String, Object>> information = optional(dir.resolve("information.json"))
                .map(f -> object(f, parse(f), f.getFileName().toString()));
        Optional<List<Map<String, Object>>> persona = optional(dir.resolve("persona.json"))
                .map(SaveFolderReader::arrayOfObjects);
        Optional<List<Map<String, Object>>> stocks = optional(dir.resolve("stocks.json"))
                .map(SaveFolderReader::arrayOfObjects);
        Map<Integer, PythonObject> persons = new TreeMap<>();
        Map<Integer, PythonObject> stockObjects = new TreeMap<>();
        PythonObject marketIndex = null;
        PythonObject market = null;
        Path classes = dir.resolve("classes");
        if (Files.isDirectory(classes)) {
            for (Path file : list(classes)) {
                String name = file.getFileName().toString();
                Matcher m = NUMBERED.matcher(name);
                if (m.matches() && Files.isRegularFile(file)) {
                    (m.group(1).equals("PERSON") ? persons : stockObjects).put(Integer.parseInt(m.group(2)),
                            object(file));
                } else if (name.equals("Market_index.pkl") && Files.isRegularFile(file)) {
                    marketIndex = object(file);
                } else if (name.equals("MARKET.pkl") && Files.isRegularFile(file)) {
                    market = object(file);
                } else {
                    throw new SeedFormatException(file + ": not a file the seed writes in classes/ (PERSON_<i>.pkl,"
                            + " STOCK_<i>.pkl, Market_index.pkl, MARKET.pkl); move it out of the folder to import");
                }
            }
        }
        Path db = dir.resolve("data.db");
        Optional<SqliteDatabase> database = Files.exists(db) ? Optional.of(SqliteDatabase.read(db)) : Optional.empty();
        List<String> skipped = new ArrayList<>();
        for (Path file : list(dir)) {
            String name = file.getFileName().toString();
            if (!KNOWN.contains(name)) {
                skipped.add(file.toString());
            }
        }
        database.ifPresent(d -> d.skipped().forEach(s -> skipped.add(db + ": " + s)));
        SaveFolder folder = new SaveFolder(dir, information, persona, stocks, numbered(classes, "PERSON", persons),
                numbered(classes, "STOCK", stockObjects), Optional.ofNullable(marketIndex), Optional.ofNullable(market),
                database, List.copyOf(skipped));
        if (information.isEmpty() && persona.isEmpty() && stocks.isEmpty() && !folder.hasObjects()
                && database.isEmpty()) {
            throw new SeedFormatException(dir + ": not a save folder: none of information.json, persona.json,"
                    + " stocks.json, classes/*.pkl, data.db");
        }
        return folder;
    }

    private static List<PythonObject> numbered(Path classes, String prefix, Map<Integer, PythonObject> byNumber) {
        int expected = 0;
        for (int n : byNumber.keySet()) {
            if (n != expected) {
                throw new SeedFormatException(classes.resolve(prefix + "_" + expected + ".pkl") + ": missing ("
                        + prefix + "_" + n + ".pkl exists; the seed numbers them 0, 1, ... without gaps)");
            }
            expected++;
        }
        return List.copyOf(byNumber.values());
    }

    private static PythonObject object(Path file) {
        Object value = PickleReader.read(file);
        if (!(value instanceof PythonObject o)) {
            throw new SeedFormatException(file + ": holds a " + (value == null ? "None" : value.getClass()
                    .getSimpleName()) + ", not a pickled object of the simulation's classes");
        }
        return o;
    }

    private static Optional<Path> optional(Path file) {
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    private static List<Map<String, Object>> arrayOfObjects(Path file) {
        Object root = parse(file);
        String name = file.getFileName().toString();
        if (!(root instanceof List<?> list)) {
            throw new SeedFormatException(file + ": expected a JSON array, got " + kind(root));
        }
        List<Map<String, Object>> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(object(file, list.get(i), name + "[" + i + "]"));
        }
        return List.copyOf(out);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Path file, Object value, String where) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new SeedFormatException(file + ": " + where + ": expected a JSON object, got " + kind(value));
        }
        return (Map<String, Object>) map;
    }

    private static String kind(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof List) {
            return "an array";
        }
        if (value instanceof Map) {
            return "an object";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        return "a number";
    }

    /** The file's JSON as Java values: LinkedHashMap, ArrayList, Integer/Long/BigInteger, Double, String, ... */
    private static Object parse(Path file) {
        try {
            if (Files.size(file) == 0) {
                throw new SeedFormatException(file + ": empty file");
            }
            return JSON.readValue(file.toFile(), Object.class);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : ":" + e.getLocation().getLineNr() + ":" + e.getLocation().getColumnNr();
            throw new SeedFormatException(file + where + ": malformed JSON: "
                    + e.getOriginalMessage().replaceAll("\\s+", " "), e);
        } catch (IOException e) {
            throw new SeedFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new SeedFormatException(dir + ": cannot list: " + e.getMessage(), e);
        }
    }
}
