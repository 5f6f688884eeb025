package dev.simsnap.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.producer.AvroJson;
import dev.simsnap.producer.DeltaValidator;
import dev.simsnap.producer.Iteration;
import dev.simsnap.producer.JsonDeltas;
import dev.simsnap.producer.RunSpec;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.generation.PersonaGenotype;
import dev.simsnap.schema.run.RunStatus;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's logic without HTTP: validates JSON bodies against the Avro contracts and publishes them through
 * one cached {@link SimsnapWorker} per (run, worker), calls serialized per worker. Every publishing call is one
 * Kafka transaction and returns only after it committed. Thread-safe.
 *
 * <p>Validation happens before a transaction begins, so a rejected body publishes nothing (not even aborted
 * records). Iterations are idempotent: an iteration not greater than the worker's last committed one is answered
 * {@code already_committed} without publishing (the worker reads its last committed iteration back when opened,
 * so this holds across gateway restarts).
 */
public final class IngestService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Properties workerConfig;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** @param workerConfig worker properties: bootstrap.servers, schema.registry.url, any Kafka client property */
    public IngestService(Properties workerConfig) {
        this.workerConfig = new Properties();
        this.workerConfig.putAll(workerConfig);
    }

    /** One worker, opened lazily, used under its own lock. */
    private static final class Slot {
        SimsnapWorker worker;
    }

    private interface WorkerCall {
        ObjectNode apply(SimsnapWorker worker);
    }

    private ObjectNode withWorker(String run, String worker, WorkerCall call) {
        requireId("run", run);
        requireId("worker", worker);
        Slot slot = slots.computeIfAbsent(run + "\u0000" + worker, k -> new Slot());
        synchronized (slot) {
            if (closed) {
                throw new GatewayException(503, null, "gateway is closing");
            }
            if (slot.worker == null) {
                try {
                    slot.worker = SimsnapWorker.builder().environment(Map.of()).config(workerConfig).run(run)
                            .worker(worker).build();
                } catch (IllegalArgumentException e) {
                    throw GatewayException.invalid(null, e);
                } catch (RuntimeException e) {
                    LOG.warn("opening worker {} of run {} failed: {}", worker, run, e.toString());
                    throw new GatewayException(503, null, "cannot open worker " + worker + " of run " + run
                            + " (Kafka unreachable?): " + e);
                }
            }
            try {
                return call.apply(slot.worker);
            } catch (IllegalStateException e) {
                if (e.getMessage() != null && e.getMessage().contains("can no longer publish")) {
                    dropWorker(slot); // fenced: the next call opens a fresh instance
                }
                throw e;
            } catch (org.apache.kafka.common.KafkaException e) {
                // The worker already aborted; reopen on the next call so it re-reads what was committed.
                dropWorker(slot);
                throw e;
            }
        }
    }

    private static void dropWorker(Slot slot) {
        try {
            slot.worker.close();
        } catch (RuntimeException e) {
            LOG.warn("closing a failed worker: {}", e.toString());
        }
        slot.worker = null;
    }

    /**
     * {@code POST /runs/{run}/start}: {@code {"kind": "trading-arena", "expected_workers": ["w0"], "config": {},
     * "seed": 0, "worker": "w0"}}; worker defaults to the first expected worker. Idempotent.
     */
    public ObjectNode startRun(String run, JsonNode body) {
        requireObject(body, Set.of("kind", "expected_workers", "config", "seed", "worker"));
        String kind = text(body, "kind", true);
        List<String> expected = new ArrayList<>();
        JsonNode ew = body.get("expected_workers");
        if (ew == null || !ew.isArray() || ew.isEmpty()) {
            throw new GatewayException(422, "expected_workers", "field 'expected_workers': expected a non-empty "
                    + "array of worker ids");
        }
        for (int i = 0; i < ew.size(); i++) {
            if (!ew.get(i).isTextual()) {
                throw new GatewayException(422, "expected_workers[" + i + "]",
                        "field 'expected_workers[" + i + "]': expected a string, got " + ew.get(i));
            }
            expected.add(ew.get(i).textValue());
        }
        Map<String, String> config = new LinkedHashMap<>();
        JsonNode cfg = body.get("config");
        if (cfg != null && !cfg.isNull()) {
            if (!cfg.isObject()) {
                throw new GatewayException(422, "config", "field 'config': expected an object");
            }
            cfg.fields().forEachRemaining(e -> config.put(e.getKey(),
                    e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString()));
        }
        long seed = 0;
        JsonNode s = body.get("seed");
        if (s != null && !s.isNull()) {
            if (!s.isIntegralNumber() || !s.canConvertToLong()) {
                throw new GatewayException(422, "seed", "field 'seed': expected an integer, got " + s);
            }
            seed = s.longValue();
        }
        RunSpec spec;
        try {
            spec = new RunSpec(kind, expected, config, seed);
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalid(null, e);
        }
        String worker = text(body, "worker", false);
        if (worker == null) {
            worker = spec.expectedWorkers().get(0);
        }
        return withWorker(run, worker, w -> {
            boolean sent = w.startRun(spec);
            ObjectNode out = base(run, w.workerId(), sent ? "started" : "already_started");
            w.state().expectedWorkers().forEach(out.putArray("expected_workers")::add);
            return out;
        });
    }

    /**
     * {@code POST /runs/{run}/workers/{worker}/iterations/{iteration}}: {@code {"virtual_date": 3, "deltas":
     * [delta...]}} — each delta in the {@link JsonDeltas} shape. One transaction: all deltas, then
     * IterationCommitted.
     */
    public ObjectNode iteration(String run, String worker, String iterationText, JsonNode body) {
        long iteration;
        try {
            iteration = Long.parseLong(iterationText);
        } catch (NumberFormatException e) {
            throw new GatewayException(400, "iteration", "path 'iteration': not an integer: " + iterationText);
        }
        if (iteration < 0) {
            throw new GatewayException(422, "iteration", "path 'iteration': must be >= 0");
        }
        requireObject(body, Set.of("virtual_date", "deltas"));
        JsonNode vd = body.get("virtual_date");
        if (vd == null || !vd.isIntegralNumber() || !vd.canConvertToInt()) {
            throw new GatewayException(422, "virtual_date", "field 'virtual_date': expected an int, got " + vd);
        }
        int virtualDate = vd.intValue();
        JsonNode deltas = body.get("deltas");
        if (deltas == null || !deltas.isArray()) {
            throw new GatewayException(422, "deltas", "field 'deltas': expected an array");
        }
        // Validate everything before a transaction begins.
        List<JsonDeltas.Parsed> parsed = new ArrayList<>();
        for (int i = 0; i < deltas.size(); i++) {
            try {
                JsonDeltas.Parsed d = JsonDeltas.parse(deltas.get(i));
                DeltaValidator.validate(new StateDelta(run, worker, 0L, iteration, virtualDate, d.type(),
                        d.entityId(), d.collection(), d.op(), List.copyOf(d.patchFields()), d.payload(), null));
                parsed.add(d);
            } catch (IllegalArgumentException e) {
                throw GatewayException.invalid("deltas[" + i + "]", e);
            }
        }
        return withWorker(run, worker, w -> {
            long last = w.state().lastIteration();
            if (iteration <= last) {
                ObjectNode out = base(run, worker, "already_committed");
                out.put("iteration", iteration);
                out.put("last_committed_iteration", last);
                return out;
            }
            try (Iteration it = w.beginIteration(iteration, virtualDate)) {
                for (JsonDeltas.Parsed d : parsed) {
                    it.add(d.type(), d.entityId(), d.collection(), d.op(), d.patchFields(), d.payload());
                }
                it.commit();
                ObjectNode out = base(run, worker, "committed");
                out.put("iteration", iteration);
                out.put("delta_count", it.deltaCount());
                out.put("last_sequence", w.state().lastSequence());
                return out;
            }
        });
    }

    /**
     * {@code POST /runs/{run}/workers/{worker}/generations/{g}}: {@code {"members": [PersonaGenotype...],
     * "scores": [..]}} (scores optional, one per member). One transaction: chunks then GenerationSealed.
     */
    public ObjectNode generation(String run, String worker, String generationText, JsonNode body) {
        int generation;
        try {
            generation = Integer.parseInt(generationText);
        } catch (NumberFormatException e) {
            throw new GatewayException(400, "generation", "path 'generation': not an int: " + generationText);
        }
        if (generation < 0) {
            throw new GatewayException(422, "generation", "path 'generation': must be >= 0");
        }
        requireObject(body, Set.of("members", "scores"));
        JsonNode m = body.get("members");
        if (m == null || !m.isArray()) {
            throw new GatewayException(422, "members", "field 'members': expected an array");
        }
        List<PersonaGenotype> members = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) {
            try {
                members.add(AvroJson.toRecord(m.get(i), PersonaGenotype.getClassSchema(), "members[" + i + "]"));
            } catch (IllegalArgumentException e) {
                throw GatewayException.invalid(null, e);
            }
        }
        List<Double> scores = null;
        JsonNode s = body.get("scores");
        if (s != null && !s.isNull()) {
            if (!s.isArray()) {
                throw new GatewayException(422, "scores", "field 'scores': expected an array of numbers");
            }
            scores = new ArrayList<>();
            for (int i = 0; i < s.size(); i++) {
                if (!s.get(i).isNumber()) {
                    throw new GatewayException(422, "scores[" + i + "]",
                            "field 'scores[" + i + "]': expected a number, got " + s.get(i));
                }
                scores.add(s.get(i).doubleValue());
            }
        }
        List<Double> finalScores = scores;
        return withWorker(run, worker, w -> {
            int chunks;
            try {
                chunks = w.publishGeneration(generation, members, finalScores);
            } catch (IllegalArgumentException e) {
                throw GatewayException.invalid(null, e);
            }
            ObjectNode out = base(run, worker, "committed");
            out.put("generation", generation);
            out.put("members", members.size());
            out.put("chunks", chunks);
            return out;
        });
    }

    /**
     * {@code POST /runs/{run}/end}: {@code {"worker": "w0", "status": "COMPLETED"}} (status optional, default
     * COMPLETED). Idempotent.
     */
    public ObjectNode endRun(String run, JsonNode body) {
        requireObject(body, Set.of("worker", "status"));
        String worker = text(body, "worker", true);
        String statusText = text(body, "status", false);
        RunStatus status;
        try {
            status = statusText == null ? RunStatus.COMPLETED : RunStatus.valueOf(statusText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new GatewayException(422, "status", "field 'status': expected one of "
                    + List.of(RunStatus.values()) + ", got " + statusText);
        }
        return withWorker(run, worker, w -> {
            boolean already = w.state().ended();
            w.endRun(status);
            ObjectNode out = base(run, worker, already ? "already_ended" : "ended");
            out.put("final_iteration", w.state().lastIteration());
            return out;
        });
    }

    /** Closes every cached worker. */
    @Override
    public void close() {
        closed = true;
        for (Slot slot : slots.values()) {
            synchronized (slot) {
                if (slot.worker != null) {
                    dropWorker(slot);
                }
            }
        }
        slots.clear();
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static ObjectNode base(String run, String worker, String status) {
        ObjectNode out = JSON.objectNode();
        out.put("run", run);
        out.put("worker", worker);
        out.put("status", status);
        return out;
    }

    private static void requireId(String what, String id) {
        try {
            RunIds.require(what + " id", id);
        } catch (IllegalArgumentException e) {
            throw new GatewayException(400, what, "path '" + what + "': " + e.getMessage());
        }
    }

    private static void requireObject(JsonNode body, Set<String> keys) {
        if (body == null || !body.isObject()) {
            throw new GatewayException(400, null, "body: expected a JSON object");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!keys.contains(name)) {
                throw new GatewayException(422, name, "field '" + name + "': unknown (expected " + keys + ")");
            }
        }
    }

    private static String text(JsonNode node, String field, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new GatewayException(422, field, "field '" + field + "' is missing");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new GatewayException(422, field, "field '" + field + "': expected a string, got " + value);
        }
        return value.textValue();
    }
}
