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
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * snackPersona's {@code persona_data} folder read whole: {@code gen_<N>.json} (a JSON array of genotype objects,
 * as {@code json.dump([p.model_dump() ...], indent=2)} writes it) and {@code transcripts_gen_<N>.json} (a JSON array
 * of conversations, each an array of message objects). JSON as typed (ints stay ints, keys in file order).
 *
 * @param path        the folder
 * @param generations members by generation number, ascending
 * @param transcripts conversations by generation number, ascending
 * @param skipped     other files of the folder, not imported
 */
public record PersonaData(Path path, SortedMap<Integer, List<Object>> generations,
                          SortedMap<Integer, List<Object>> transcripts, List<String> skipped) {

    private static final Pattern FILE = Pattern.compile("(transcripts_)?gen_(0|[1-9][0-9]{0,8})\\.json");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** True when {@code dir} holds at least one {@code gen_<N>.json}: a persona_data folder, not a save folder. */
    public static boolean isPersonaData(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().matches("gen_[0-9]+\\.json"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Reads {@code dir}.
     *
     * @throws SeedFormatException naming the file (with line and column for malformed JSON)
     */
    public static PersonaData read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new SeedFormatException(dir + ": not a directory");
        }
        SortedMap<Integer, List<Object>> generations = new TreeMap<>();
        SortedMap<Integer, List<Object>> transcripts = new TreeMap<>();
        List<String> skipped = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                Matcher m = FILE.matcher(file.getFileName().toString());
                if (!m.matches() || !Files.isRegularFile(file)) {
                    skipped.add(file.toString());
                    continue;
                }
                (m.group(1) == null ? generations : transcripts).put(Integer.parseInt(m.group(2)), array(file));
            }
        } catch (IOException e) {
            throw new SeedFormatException(dir + ": cannot list: " + e.getMessage(), e);
        }
        if (generations.isEmpty()) {
            throw new SeedFormatException(dir + ": no gen_<N>.json files");
        }
        return new PersonaData(dir, generations, transcripts, List.copyOf(skipped));
    }

    private static List<Object> array(Path file) {
        Object root;
        try {
            root = JSON.readValue(file.toFile(), Object.class);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : ":" + e.getLocation().getLineNr() + ":" + e.getLocation().getColumnNr();
            throw new SeedFormatException(file + where + ": malformed JSON: "
                    + e.getOriginalMessage().replaceAll("\\s+", " "), e);
        } catch (IOException e) {
            throw new SeedFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (!(root instanceof List<?> list)) {
            throw new SeedFormatException(file + ": expected a JSON array");
        }
        return List.copyOf(new ArrayList<Object>(list));
    }
}
