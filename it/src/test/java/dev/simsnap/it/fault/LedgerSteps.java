package dev.simsnap.it.fault;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.Step;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * What step {@code s} of worker {@code w} writes in the fault suite's kind ({@code kinds/fault-ledger}): the same
 * content through the Java library and through the gateway, a function of (worker, step) only, so a re-sent step is
 * byte-identical (already_committed) and the expected state follows from the ledger alone.
 *
 * <ul>
 *   <li>UPSERT {@code marks} {worker w, step s, note "w@s"};</li>
 *   <li>when {@code s >= 2} and {@code s % 3 == 0}: DELETE {@code marks} {@code w/(s-1)};</li>
 *   <li>{@code s == 0}: UPSERT {@code tallies} {worker w, last 0, seen [0]};
 *       {@code s >= 1}: PATCH {@code tallies/w} last = s, then APPEND s to {@code tallies/w.seen}.</li>
 * </ul>
 * Clock: {@code tick = s}.
 */
final class LedgerSteps {

    static final Path KIND_DIR = Path.of("src/test/resources/kinds/fault-ledger");
    private static final ObjectMapper JSON = new ObjectMapper();

    private LedgerSteps() {
    }

    static StateModel model() {
        return StateModel.load(KIND_DIR.toAbsolutePath());
    }

    static Map<String, Long> clock(long step) {
        return Map.of("tick", step);
    }

    /** True when step {@code s} deletes the mark of step {@code s - 1}. */
    static boolean deletesPrevious(long s) {
        return s >= 2 && s % 3 == 0;
    }

    /** Adds step {@code s} of {@code worker} to a library step. */
    static void fill(Step step, StateModel model, String worker, long s) {
        Schema mark = model.collection("marks").orElseThrow().latestSchema().orElseThrow();
        Schema tally = model.collection("tallies").orElseThrow().latestSchema().orElseThrow();
        GenericRecord m = new GenericData.Record(mark);
        m.put("worker", worker);
        m.put("step", s);
        m.put("note", worker + "@" + s);
        step.upsert("marks", m);
        if (deletesPrevious(s)) {
            step.delete("marks", worker + "/" + (s - 1));
        }
        if (s == 0) {
            GenericRecord t = new GenericData.Record(tally);
            t.put("worker", worker);
            t.put("last", 0L);
            t.put("seen", List.of(0L));
            step.upsert("tallies", t);
        } else {
            step.patch("tallies", worker, Map.of("last", s));
            step.append("tallies", worker, "seen", List.of(s));
        }
    }

    /** The gateway body of step {@code s} of {@code worker} ({@code POST .../steps/{s}}). */
    static String gatewayBody(String worker, long s) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("clock").put("tick", s);
        ArrayNode changes = body.putArray("changes");
        ObjectNode up = changes.addObject().put("collection", "marks").put("op", "upsert");
        up.putObject("item").put("worker", worker).put("step", s).put("note", worker + "@" + s);
        if (deletesPrevious(s)) {
            changes.addObject().put("collection", "marks").put("op", "delete").put("id", worker + "/" + (s - 1));
        }
        if (s == 0) {
            ObjectNode t = changes.addObject().put("collection", "tallies").put("op", "upsert").putObject("item");
            t.put("worker", worker).put("last", 0L).putArray("seen").add(0L);
        } else {
            changes.addObject().put("collection", "tallies").put("op", "patch").put("id", worker)
                    .putObject("set").put("last", s);
            ObjectNode append = changes.addObject().put("collection", "tallies").put("op", "append")
                    .put("id", worker).put("path", "seen");
            append.putArray("items").add(s);
        }
        return body.toString();
    }
}
