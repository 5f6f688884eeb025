package dev.simsnap.importer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.model.item.JsonToItem;
import dev.simsnap.producer.JsonDeltas;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.RunInformation;
import dev.simsnap.schema.delta.Stock;
import dev.simsnap.schema.generation.PersonaGenotype;
import dev.simsnap.schema.legacy.LegacyDeltas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;

/**
 * Reads seed-format folders completely — parse and validate everything — so an import either has all of its input
 * or fails before publishing anything. Malformed JSON fails with {@code <file>:<line>:<column>: <problem>}; content
 * that does not match the contracts (unknown or missing fields, wrong types, duplicate ids, a missing seed field)
 * fails with {@code <file>: field '<path>': <problem>}.
 *
 * <p>Save folder: {@code persona.json} and/or {@code stocks.json} (at least one), and optionally
 * {@code information.json} ({@code {"virtual_date": int, "iteration": int}}, both 0 when absent). Persona folder:
 * every {@code gen_<N>.json} (an array of PersonaGenotype); other files are ignored.
 */
public final class SeedFolderReader {

    private static final Pattern GENERATION_FILE = Pattern.compile("gen_(\\d{1,9})\\.json");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private SeedFolderReader() {
    }

    /**
     * Reads the folders; either may be null, not both.
     *
     * @throws SeedFormatException naming the file (and line/column for syntax errors)
     */
    public static SeedFolder read(Path saveDir, Path personaDir) {
        if (saveDir == null && personaDir == null) {
            throw new IllegalArgumentException("nothing to import: give a save folder and/or a persona folder");
        }
        int virtualDate = 0;
        long iteration = 0;
        List<Person> persons = List.of();
        List<Stock> stocks = List.of();
        if (saveDir != null) {
            requireDirectory(saveDir);
            Path personaFile = saveDir.resolve("persona.json");
            Path stocksFile = saveDir.resolve("stocks.json");
            if (!Files.isRegularFile(personaFile) && !Files.isRegularFile(stocksFile)) {
                throw new SeedFormatException(saveDir + ": neither persona.json nor stocks.json found", null);
            }
            Path infoFile = saveDir.resolve("information.json");
            if (Files.isRegularFile(infoFile)) {
                RunInformation info = convert(infoFile, parse(infoFile), RunInformation.getClassSchema(),
                        "information.json");
                try {
                    LegacyDeltas.checkUpsertPayload(EntityType.INFORMATION, info);
                } catch (IllegalArgumentException e) {
                    throw new SeedFormatException(infoFile + ": " + e.getMessage(), e);
                }
                virtualDate = info.getVirtualDate();
                iteration = info.getIteration();
            }
            if (Files.isRegularFile(personaFile)) {
                persons = readArray(personaFile, Person.getClassSchema(), EntityType.PERSON,
                        p -> ((Person) p).getPersonId());
            }
            if (Files.isRegularFile(stocksFile)) {
                stocks = readArray(stocksFile, Stock.getClassSchema(), EntityType.STOCK,
                        s -> ((Stock) s).getStockId());
            }
        }
        SortedMap<Integer, List<PersonaGenotype>> generations = new TreeMap<>();
        if (personaDir != null) {
            requireDirectory(personaDir);
            try (Stream<Path> files = Files.list(personaDir)) {
                for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                    Matcher m = GENERATION_FILE.matcher(file.getFileName().toString());
                    if (m.matches() && Files.isRegularFile(file)) {
                        generations.put(Integer.parseInt(m.group(1)),
                                readArray(file, PersonaGenotype.getClassSchema(), null, null));
                    }
                }
            } catch (IOException e) {
                throw new SeedFormatException(personaDir + ": cannot list: " + e.getMessage(), e);
            }
            if (generations.isEmpty()) {
                throw new SeedFormatException(personaDir + ": no gen_<N>.json files", null);
            }
        }
        return new SeedFolder(saveDir != null, virtualDate, iteration, persons, stocks, generations);
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> readArray(Path file, Schema schema, EntityType type, Function<Object, Integer> id) {
        JsonNode root = parse(file);
        String name = file.getFileName().toString();
        if (!root.isArray()) {
            throw new SeedFormatException(file + ": expected a JSON array, got " + root.getNodeType(), null);
        }
        List<T> items = new ArrayList<>(root.size());
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < root.size(); i++) {
            Object record = convert(file, root.get(i), schema, name + "[" + i + "]");
            if (type != null) {
                try {
                    LegacyDeltas.checkUpsertPayload(type, (org.apache.avro.specific.SpecificRecord) record);
                } catch (IllegalArgumentException e) {
                    throw new SeedFormatException(file + ": " + name + "[" + i + "]: " + e.getMessage(), e);
                }
                if (!ids.add(id.apply(record))) {
                    throw new SeedFormatException(file + ": " + name + "[" + i + "]: duplicate id "
                            + id.apply(record), null);
                }
            }
            items.add((T) record);
        }
        return items;
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> T convert(Path file, JsonNode node,
                                                                                 Schema schema, String path) {
        try {
            return JsonDeltas.specific(JsonToItem.record(node, schema, path));
        } catch (IllegalArgumentException e) {
            throw new SeedFormatException(file + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode parse(Path file) {
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || node.isMissingNode()) {
                throw new SeedFormatException(file + ": empty file", null);
            }
            return node;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : ":" + e.getLocation().getLineNr() + ":" + e.getLocation().getColumnNr();
            throw new SeedFormatException(file + where + ": malformed JSON: "
                    + e.getOriginalMessage().replaceAll("\\s+", " "), e);
        } catch (IOException e) {
            throw new SeedFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static void requireDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new SeedFormatException(dir + ": not a directory", null);
        }
    }
}
