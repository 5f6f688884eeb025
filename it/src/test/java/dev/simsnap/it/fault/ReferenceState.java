package dev.simsnap.it.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The fault suite's oracle: the state of a fault-ledger run computed from the ledger alone (plain maps, no product
 * class), and its comparison with what the service serves. Expected after steps {@code A_w} of each worker
 * {@code w} ({@link LedgerSteps}): mark {@code w/s} for every {@code s} in {@code A_w} unless step {@code s+1} is in
 * {@code A_w} and deletes it; tally {@code w} = {last: max A_w, seen: A_w in order}.
 */
final class ReferenceState {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Differences between a served state and the expected one, by kind. */
    static final class Diff {
        int lost;
        int doubled;
        int phantom;
        final List<String> details = new ArrayList<>();

        boolean clean() {
            return lost == 0 && doubled == 0 && phantom == 0 && details.isEmpty();
        }

        void note(String what) {
            if (details.size() < 20) {
                details.add(what);
            }
        }
    }

    private ReferenceState() {
    }

    /** A snapshot zip ({@code GET /runs/{run}/snapshot}) as relative path to JSON. */
    static Map<String, JsonNode> unzip(byte[] zip) {
        Map<String, JsonNode> files = new TreeMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                String name = e.getName().substring(e.getName().indexOf('/') + 1);
                files.put(name, JSON.readTree(in.readAllBytes()));
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("not a snapshot zip", ex);
        }
        return files;
    }

    /**
     * Compares a served state with the one {@code acked} (steps per worker) makes: a missing mark, an undeleted mark
     * (a lost DELETE), a missing {@code seen} entry or a lower {@code last} count as lost; a repeated {@code seen}
     * entry as doubled; a mark, entry or value no acknowledged step explains as phantom.
     */
    static Diff compare(Map<String, JsonNode> files, Map<String, ? extends SortedSet<Long>> acked) {
        Diff diff = new Diff();
        JsonNode marks = files.get("marks.json");
        JsonNode tallies = files.get("tallies.json");
        if (marks == null || tallies == null) {
            diff.note("snapshot files " + files.keySet() + " lack marks.json or tallies.json");
            diff.phantom++;
            return diff;
        }
        Map<String, JsonNode> expectedMarks = new TreeMap<>();
        for (Map.Entry<String, ? extends SortedSet<Long>> w : acked.entrySet()) {
            for (long s : w.getValue()) {
                boolean deleted = w.getValue().contains(s + 1) && LedgerSteps.deletesPrevious(s + 1);
                if (!deleted) {
                    expectedMarks.put(w.getKey() + "/" + s, mark(w.getKey(), s));
                }
            }
        }
        Set<String> actualKeys = new TreeSet<>();
        marks.fieldNames().forEachRemaining(actualKeys::add);
        for (Map.Entry<String, JsonNode> e : expectedMarks.entrySet()) {
            JsonNode actual = marks.get(e.getKey());
            if (actual == null) {
                diff.lost++;
                diff.note("mark " + e.getKey() + " missing");
            } else if (!actual.equals(e.getValue())) {
                diff.phantom++;
                diff.note("mark " + e.getKey() + " is " + actual + ", expected " + e.getValue());
            }
        }
        for (String key : actualKeys) {
            if (!expectedMarks.containsKey(key)) {
                String[] parts = key.split("/");
                SortedSet<Long> steps = acked.get(parts[0]);
                if (steps != null && steps.contains(Long.parseLong(parts[1]))) {
                    diff.lost++; // its step was acknowledged, so the DELETE of the next step was lost
                    diff.note("mark " + key + " not deleted");
                } else {
                    diff.phantom++;
                    diff.note("mark " + key + " of a step nobody acknowledged");
                }
            }
        }
        for (Map.Entry<String, ? extends SortedSet<Long>> w : acked.entrySet()) {
            JsonNode tally = tallies.get(w.getKey());
            if (tally == null) {
                diff.lost++;
                diff.note("tally " + w.getKey() + " missing");
                continue;
            }
            long last = w.getValue().last();
            long actualLast = tally.path("last").asLong(-1);
            if (actualLast < last) {
                diff.lost++;
                diff.note("tally " + w.getKey() + ".last = " + actualLast + ", expected " + last);
            } else if (actualLast > last) {
                diff.phantom++;
                diff.note("tally " + w.getKey() + ".last = " + actualLast + " beyond the acknowledged " + last);
            }
            Map<Long, Integer> seen = new HashMap<>();
            for (Iterator<JsonNode> it = tally.path("seen").elements(); it.hasNext(); ) {
                seen.merge(it.next().asLong(), 1, Integer::sum);
            }
            for (long s : w.getValue()) {
                int n = seen.getOrDefault(s, 0);
                if (n == 0) {
                    diff.lost++;
                    diff.note("tally " + w.getKey() + ".seen lacks " + s);
                } else if (n > 1) {
                    diff.doubled += n - 1;
                    diff.note("tally " + w.getKey() + ".seen has " + s + " " + n + " times");
                }
            }
            for (long s : seen.keySet()) {
                if (!w.getValue().contains(s)) {
                    diff.phantom++;
                    diff.note("tally " + w.getKey() + ".seen has " + s + ", never acknowledged");
                }
            }
        }
        for (Iterator<String> it = tallies.fieldNames(); it.hasNext(); ) {
            String w = it.next();
            if (!acked.containsKey(w)) {
                diff.phantom++;
                diff.note("tally of unknown worker " + w);
            }
        }
        return diff;
    }

    /**
     * The consistent step {@code k} a served snapshot was cut at, when it is exactly the state of steps
     * {@code 0..k} of every one of {@code workers}; otherwise a description of the mix or damage. A snapshot from
     * before any step is "-1".
     */
    static Cut cut(Map<String, JsonNode> files, List<String> workers) {
        JsonNode tallies = files.get("tallies.json");
        if (tallies == null || tallies.isEmpty()) {
            JsonNode marks = files.get("marks.json");
            return marks == null || marks.isEmpty() ? new Cut(-1, null)
                    : new Cut(-1, "marks without tallies: " + marks);
        }
        Set<Long> lasts = new TreeSet<>();
        for (String w : workers) {
            JsonNode t = tallies.get(w);
            lasts.add(t == null ? -1L : t.path("last").asLong(-1));
        }
        if (lasts.size() != 1) {
            return new Cut(-1, "workers cut at different steps " + lasts + ": " + tallies);
        }
        long k = lasts.iterator().next();
        Map<String, SortedSet<Long>> upTo = new TreeMap<>();
        for (String w : workers) {
            SortedSet<Long> steps = new TreeSet<>();
            for (long s = 0; s <= k; s++) {
                steps.add(s);
            }
            upTo.put(w, steps);
        }
        Diff d = compare(files, upTo);
        return new Cut(k, d.clean() ? null : "not the state of steps 0.." + k + ": " + d.details);
    }

    // Parsed from text, as the served file is: Jackson's IntNode and LongNode of the same number are not equal.
    private static JsonNode mark(String worker, long step) {
        try {
            return JSON.readTree(JSON.createObjectNode().put("worker", worker).put("step", step)
                    .put("note", worker + "@" + step).toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The step a snapshot was cut at, and what is wrong with it (null: nothing). */
    record Cut(long step, String problem) {
    }
}
