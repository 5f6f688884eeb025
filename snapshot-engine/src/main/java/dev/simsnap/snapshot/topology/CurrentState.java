package dev.simsnap.snapshot.topology;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.snapshot.delta.DeltaLog;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;

/**
 * The compacted output topic {@code simsnap.current-state}: the current state of every entity of every run, written
 * by the topology (in the same exactly-once transaction as the store changes) each time a consistent iteration is
 * applied, whole.
 *
 * <ul>
 *   <li>key {@code <run>|<TYPE>|<id>} ({@code <run>|DOCUMENT|<collection>|<id>}), value = the entity's compact
 *       canonical JSON (UTF-8), or a tombstone (null) on DELETE;</li>
 *   <li>after an iteration's entity records, the marker keyed {@code <run>|ITERATION} with
 *       {@code {"run","iteration","virtual_date"}}; a state-model run's marker (its iteration is the step) adds
 *       {@code "clock"}: the simulation's clock committed for that step, an object of the kind's clock fields in the
 *       order the kind declares them ({@code {}} for a kind without clock fields); a v1 run's marker has no
 *       {@code clock} (its bytes are as they always were);</li>
 *   <li>headers on every record: {@code simsnap.iteration} (decimal), {@code simsnap.run}, {@code simsnap.kind}
 *       ({@code entity} | {@code iteration}); entity records also {@code simsnap.entity.type},
 *       {@code simsnap.entity.id} and, for documents, {@code simsnap.entity.collection};</li>
 *   <li>partition = the run's partition (murmur2 of the run id, as on {@code simsnap.deltas}), so a run's records are
 *       in order on one partition.</li>
 * </ul>
 */
public final class CurrentState {

    /** The name of {@link dev.simsnap.topic.SimsnapTopics#CURRENT_STATE}. */
    public static final String TOPIC = dev.simsnap.topic.SimsnapTopics.CURRENT_STATE.name();
    public static final String ITERATION_HEADER = "simsnap.iteration";
    public static final String RUN_HEADER = "simsnap.run";
    public static final String KIND_HEADER = "simsnap.kind";
    public static final String TYPE_HEADER = "simsnap.entity.type";
    public static final String ID_HEADER = "simsnap.entity.id";
    public static final String COLLECTION_HEADER = "simsnap.entity.collection";
    public static final String KIND_ENTITY = "entity";
    public static final String KIND_ITERATION = "iteration";
    public static final String KIND_GENERATION = "generation";
    public static final String GENERATION_HEADER = "simsnap.generation";

    private CurrentState() {
    }

    /** One output record (key and value UTF-8; value null for a tombstone). */
    public record Out(String key, String value, Headers headers) {
    }

    /** Key of an entity. */
    public static String entityKey(String run, String type, String collection, String id) {
        return collection == null ? run + "|" + type + "|" + id : run + "|" + type + "|" + collection + "|" + id;
    }

    /** Key of the iteration marker. */
    public static String iterationKey(String run) {
        return run + "|ITERATION";
    }

    /**
     * The records of one applied iteration: its entity records, then its marker.
     *
     * @param clock the simulation's clock committed for the step, fields in the kind's order (a state-model run);
     *              null for a v1 run, whose marker has no clock
     */
    public static List<Out> records(String run, long iteration, Integer virtualDate, Map<String, Long> clock,
                                    List<DeltaLog.Change> changes) {
        List<Out> out = new ArrayList<>(changes.size() + 1);
        for (DeltaLog.Change c : changes) {
            Headers h = common(run, iteration, KIND_ENTITY);
            put(h, TYPE_HEADER, c.type());
            put(h, ID_HEADER, c.id());
            if (c.collection() != null) {
                put(h, COLLECTION_HEADER, c.collection());
            }
            out.add(new Out(entityKey(run, c.type(), c.collection(), c.id()), c.json(), h));
        }
        ObjectNode marker = JsonNodeFactory.instance.objectNode();
        marker.put("run", run);
        marker.put("iteration", iteration);
        if (virtualDate == null) {
            marker.putNull("virtual_date");
        } else {
            marker.put("virtual_date", virtualDate);
        }
        if (clock != null) {
            ObjectNode fields = marker.putObject("clock");
            clock.forEach(fields::put);
        }
        out.add(new Out(iterationKey(run), marker.toString(), common(run, iteration, KIND_ITERATION)));
        return out;
    }

    /** The record announcing a sealed generation: key {@code <run>|GENERATION|<g>}, {"run","generation","member_count"}. */
    public static Out generation(String run, int generation, int memberCount) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("run", run);
        n.put("generation", generation);
        n.put("member_count", memberCount);
        Headers h = new RecordHeaders();
        put(h, RUN_HEADER, run);
        put(h, KIND_HEADER, KIND_GENERATION);
        put(h, GENERATION_HEADER, Integer.toString(generation));
        return new Out(run + "|GENERATION|" + generation, n.toString(), h);
    }

    /**
     * The record announcing a new version of a state-model run's generation: key
     * {@code <run>|GENERATION|<collection>|<g>}, {"run","collection","generation","version","member_count"}.
     */
    public static Out generation(String run, String collection, long generation, int version, int memberCount) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("run", run);
        n.put("collection", collection);
        n.put("generation", generation);
        n.put("version", version);
        n.put("member_count", memberCount);
        Headers h = new RecordHeaders();
        put(h, RUN_HEADER, run);
        put(h, KIND_HEADER, KIND_GENERATION);
        put(h, GENERATION_HEADER, Long.toString(generation));
        put(h, COLLECTION_HEADER, collection);
        return new Out(run + "|GENERATION|" + collection + "|" + generation, n.toString(), h);
    }

    /** The run id of a key (everything before the first '|'; run ids never contain it). */
    public static String runOf(String key) {
        int i = key.indexOf('|');
        return i < 0 ? key : key.substring(0, i);
    }

    /** Partition of a run on a topic of {@code partitions} partitions (Kafka's default partitioner on the run id). */
    public static int partitionOf(String run, int partitions) {
        return Utils.toPositive(Utils.murmur2(run.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** A header's value as a string, or null. */
    public static String header(Headers headers, String name) {
        var h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static Headers common(String run, long iteration, String kind) {
        Headers h = new RecordHeaders();
        put(h, ITERATION_HEADER, Long.toString(iteration));
        put(h, RUN_HEADER, run);
        put(h, KIND_HEADER, kind);
        return h;
    }

    private static void put(Headers h, String name, String value) {
        h.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
