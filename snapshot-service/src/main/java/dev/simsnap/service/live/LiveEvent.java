package dev.simsnap.service.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.simsnap.snapshot.delta.DeltaLog;
import java.util.List;

/**
 * One server-sent event of {@code GET /runs/{run}/events}: {@code name} is the SSE event name ({@code hello},
 * {@code iteration}, {@code generation} {run, generation, member_count}, {@code dropped}), {@code iteration} orders and de-duplicates iteration events, {@code json} is
 * the data line.
 */
public record LiveEvent(String name, long iteration, String json) {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /** The iteration of events outside the iteration order ({@code generation}): always delivered. */
    public static final long UNORDERED = Long.MIN_VALUE;

    /** The {@code iteration} event: {run, iteration, virtual_date, changes:[{type,id,collection?,op,value}]}. */
    public static LiveEvent iteration(String run, long iteration, Integer virtualDate, List<DeltaLog.Change> changes) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("run", run);
        n.put("iteration", iteration);
        if (virtualDate == null) {
            n.putNull("virtual_date");
        } else {
            n.put("virtual_date", virtualDate);
        }
        ArrayNode list = n.putArray("changes");
        for (DeltaLog.Change c : changes) {
            ObjectNode o = list.addObject();
            o.put("type", c.type());
            o.put("id", c.id());
            if (c.collection() != null) {
                o.put("collection", c.collection());
            }
            o.put("op", c.json() == null ? "delete" : "upsert");
            if (c.json() == null) {
                o.putNull("value");
            } else {
                o.putRawValue("value", new RawValue(c.json()));
            }
        }
        return new LiveEvent("iteration", iteration, n.toString());
    }

    /** The {@code hello} event (subscriptions without {@code from}): the run's current consistent iteration. */
    public static LiveEvent hello(String run, long iteration, Integer virtualDate) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("run", run);
        n.put("iteration", iteration);
        if (virtualDate == null) {
            n.putNull("virtual_date");
        } else {
            n.put("virtual_date", virtualDate);
        }
        return new LiveEvent("hello", iteration, n.toString());
    }

    /** The final {@code dropped} event. */
    public static LiveEvent dropped(String run, String reason) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("run", run);
        n.put("reason", reason);
        return new LiveEvent("dropped", -1, n.toString());
    }
}
