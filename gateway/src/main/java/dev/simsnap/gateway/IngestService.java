package dev.simsnap.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.model.BuiltInKinds;
import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.producer.CollectionSchemas;
import dev.simsnap.producer.RunConflictException;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SchemaEvolutionException;
import dev.simsnap.producer.Step;
import dev.simsnap.producer.StepConflictException;
import dev.simsnap.producer.StepResult;
import dev.simsnap.registry.client.SchemaRegistries;
import dev.simsnap.registry.client.SchemaRegistry;
import dev.simsnap.registry.client.SchemaVersion;
import dev.simsnap.schema.run.RunStarted;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import dev.simsnap.model.item.JsonToItem;
import dev.simsnap.producer.Iteration;
import dev.simsnap.producer.JsonDeltas;
import dev.simsnap.schema.legacy.LegacyDeltas;
import dev.simsnap.producer.RunSpec;
import dev.simsnap.producer.RunState;
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
    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final Map<String, Object> runLocks = new ConcurrentHashMap<>();
    private final Map<String, CollectionSchemas> runSchemas = new ConcurrentHashMap<>();
    private SchemaRegistry registry;
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
                    dropWorker(slot); // fenced: nothing of this call was committed; the next call opens a fresh instance
                    throw new GatewayException(503, null, e.getMessage() + "; retry the same request");
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
        requireObject(body, Set.of("kind", "expected_workers", "config", "seed", "worker", "model"));
        JsonNode model = body.get("model");
        if (model != null && !model.isNull()) {
            return startV2(run, body);
        }
        // No model: a v1 run (typed entities and documents), as before state models.
        String kind = text(body, "kind", true);
        List<String> expected = new ArrayList<>();
        JsonNode ew = body.get("expected_workers");
        expected = workers(ew);
        Map<String, String> config = config(body);
        long seed = seed(body);
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
        Object lock = runLocks.computeIfAbsent(run, k -> new Object());
        synchronized (lock) {
            return withWorker(run, worker, w -> {
                boolean sent;
                try {
                    sent = w.startRun(spec);
                } catch (RunConflictException e) {
                    throw conflict(e);
                }
                ObjectNode out = base(run, w.workerId(), sent ? "started" : "already_started");
                w.state().expectedWorkers().forEach(out.putArray("expected_workers")::add);
                return out;
            });
        }
    }

    private static List<String> workers(JsonNode ew) {
        List<String> expected = new ArrayList<>();
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
        return expected;
    }

    private static Map<String, String> config(JsonNode body) {
        Map<String, String> config = new LinkedHashMap<>();
        JsonNode cfg = body.get("config");
        if (cfg != null && !cfg.isNull()) {
            if (!cfg.isObject()) {
                throw new GatewayException(422, "config", "field 'config': expected an object");
            }
            cfg.fields().forEachRemaining(e -> config.put(e.getKey(),
                    e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString()));
        }
        return config;
    }

    private static long seed(JsonNode body) {
        long seed = 0;
        JsonNode s = body.get("seed");
        if (s != null && !s.isNull()) {
            if (!s.isIntegralNumber() || !s.canConvertToLong()) {
                throw new GatewayException(422, "seed", "field 'seed': expected an integer, got " + s);
            }
            seed = s.longValue();
        }
        return seed;
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
        List<StateDelta> checked = new ArrayList<>();
        for (int i = 0; i < deltas.size(); i++) {
            try {
                JsonDeltas.Parsed d = JsonDeltas.parse(deltas.get(i));
                StateDelta delta = new StateDelta(run, worker, 0L, iteration, virtualDate, d.type(),
                        d.entityId(), d.collection(), d.op(), List.copyOf(d.patchFields()), d.payload(), null, null);
                LegacyDeltas.check(delta, LegacyDeltas.Rules.PRODUCER);
                parsed.add(d);
                checked.add(delta);
            } catch (IllegalArgumentException e) {
                throw GatewayException.invalid("deltas[" + i + "]", e);
            }
        }
        return withWorker(run, worker, w -> {
            long last = w.state().lastIteration();
            if (iteration <= last) {
                // A re-send is the same iteration only when its content is: compared by digest, never by number.
                byte[] sent = Iteration.digestOf(virtualDate, checked);
                byte[] committed = w.committedDigest(iteration).orElse(null);
                if (committed == null || !java.util.Arrays.equals(committed, sent)) {
                    GatewayException conflict = new GatewayException(409, "iteration", committed == null
                            ? "iteration " + iteration + " of worker " + worker + " is not above its last committed "
                            + last + ", and history holds no content digest for it to compare with: send the next"
                            + " iteration"
                            : "iteration " + iteration + " of worker " + worker + " was committed with different content;"
                            + " iterations are never overwritten: send the next iteration (" + (last + 1) + ")");
                    throw conflict;
                }
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
                members.add(JsonDeltas.specific(JsonToItem.record(m.get(i), PersonaGenotype.getClassSchema(),
                        "members[" + i + "]")));
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

    // ---- v2: state models, schemas, steps ----------------------------------------------------------------------

    /**
     * {@code POST /runs/{run}/start} (v2): {@code {"kind", "model", "expected_workers", "config"?, "seed"?,
     * "worker"?}}; {@code "model"} is a self-contained descriptor or {@code "built-in"} (the kind's built-in
     * descriptor). Starts of one run are serialized in this gateway.
     */
    private ObjectNode startV2(String run, JsonNode body) {
        JsonNode modelNode = body.get("model");
        String kind = text(body, "kind", modelNode == null || modelNode.isNull());
        StateModel model;
        if (modelNode.isTextual() && modelNode.asText().equals("built-in")) {
            model = BuiltInKinds.find(kind).orElseThrow(() -> new GatewayException(422, "kind", "field 'kind': '"
                    + kind + "' is not a built-in kind " + BuiltInKinds.NAMES + "; send its descriptor as \"model\""));
        } else {
            if (!modelNode.isObject()) {
                throw new GatewayException(422, "model", "field 'model': expected a descriptor object or \"built-in\"");
            }
            try {
                model = StateModel.parse(modelNode.toString(), file -> null);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new GatewayException(422, "model", "field 'model': " + e.getMessage()
                        + " (the model must be self-contained: schemas inline)");
            }
            if (kind != null && !kind.equals(model.kind())) {
                throw new GatewayException(422, "kind", "field 'kind': '" + kind + "' but the model is of kind '"
                        + model.kind() + "'");
            }
        }
        RunDefinition definition;
        try {
            definition = new RunDefinition(model, workers(body.get("expected_workers")), config(body), seed(body));
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalid(null, e);
        }
        String worker = text(body, "worker", false);
        if (worker == null) {
            worker = definition.expectedWorkers().get(0);
        }
        Object lock = runLocks.computeIfAbsent(run, k -> new Object());
        synchronized (lock) {
            return withWorker(run, worker, w -> {
                boolean sent;
                try {
                    sent = w.start(definition);
                } catch (RunConflictException e) {
                    throw conflict(e);
                } catch (SchemaEvolutionException e) {
                    throw evolution(e);
                }
                runSchemas.remove(run);
                ObjectNode out = base(run, w.workerId(), sent ? "started" : "already_started");
                out.put("kind", definition.kind());
                definition.expectedWorkers().forEach(out.putArray("expected_workers")::add);
                return out;
            });
        }
    }

    /** 409 naming the definition the run has: {@code existing = {kind, expected_workers, model?}}. */
    private static GatewayException conflict(RunConflictException e) {
        ObjectNode extra = JSON.objectNode();
        ObjectNode existing = extra.putObject("existing");
        existing.put("kind", e.existingKind());
        e.existingWorkers().forEach(existing.putArray("expected_workers")::add);
        if (e.existingModel() != null) {
            existing.set("model", parseJson(e.existingModel()));
        }
        return new GatewayException(409, null, e.getMessage(), extra);
    }

    private static GatewayException evolution(SchemaEvolutionException e) {
        ObjectNode extra = JSON.objectNode();
        extra.put("subject", e.subject());
        e.fields().forEach(extra.putArray("fields")::add);
        extra.put("latest_version", e.latestVersion());
        return new GatewayException(409, e.fields().isEmpty() ? null : e.fields().get(0), e.getMessage(), extra);
    }

    private static JsonNode parseJson(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            return JSON.textNode(text);
        }
    }

    /** The run's collections and registry subjects, read from its RunStarted (cached once started). */
    private CollectionSchemas runSchemas(String run) {
        requireId("run", run);
        CollectionSchemas cached = runSchemas.get(run);
        if (cached != null) {
            return cached;
        }
        RunStarted started = SimsnapWorker.readRunStarted(workerConfig, run).orElseThrow(() ->
                new GatewayException(409, null, "run " + run + " has not started"));
        if (started.getModel() == null) {
            throw new GatewayException(409, null, "run " + run + " was started without a state model (v1)");
        }
        CollectionSchemas schemas = new CollectionSchemas(registry(), StateModel.parse(started.getModel(), f -> null));
        runSchemas.put(run, schemas);
        return schemas;
    }

    private synchronized SchemaRegistry registry() {
        if (registry == null) {
            registry = SchemaRegistries.fromConfig(dev.simsnap.connection.ClientConfig.of(workerConfig).registry());
        }
        return registry;
    }

    /** {@code POST /runs/{run}/schemas/{collection}}: {@code {"schema": <avsc>}} → {@code {"id", "version", "subject"}}. */
    public ObjectNode registerSchema(String run, String collection, JsonNode body) {
        requireObject(body, Set.of("schema"));
        JsonNode schemaNode = body.get("schema");
        if (schemaNode == null || !(schemaNode.isObject() || schemaNode.isArray() || schemaNode.isTextual())) {
            throw new GatewayException(422, "schema", "field 'schema': expected an Avro schema (JSON)");
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(schemaNode.isTextual() ? schemaNode.textValue() : schemaNode.toString());
        } catch (RuntimeException e) {
            throw new GatewayException(422, "schema", "field 'schema': not a valid Avro schema: " + e.getMessage());
        }
        CollectionSchemas schemas = runSchemas(run);
        SchemaVersion v;
        try {
            v = schemas.register(collection, schema);
        } catch (SchemaEvolutionException e) {
            throw evolution(e);
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalid(null, e);
        }
        ObjectNode out = JSON.objectNode();
        out.put("id", v.id());
        out.put("version", v.version());
        out.put("subject", v.subject());
        return out;
    }

    /**
     * {@code GET /runs/{run}/workers/{worker}}: what Kafka holds for this worker, read back read_committed without
     * opening (and so without fencing) a worker: {@code {"run", "worker", "started", "ended", "last_step",
     * "last_sequence"}} ({@code -1} when nothing was committed). A client that restarts asks this before it waits for
     * the snapshot service to show its last step.
     */
    public ObjectNode workerState(String run, String worker) {
        requireId("run", run);
        requireId("worker", worker);
        RunState state;
        try {
            state = SimsnapWorker.readCommitted(workerConfig, run, worker);
        } catch (org.apache.kafka.common.KafkaException | IllegalStateException e) {
            throw new GatewayException(503, null, "cannot read run " + run + " back from Kafka: " + e.getMessage());
        }
        ObjectNode out = MAPPER.createObjectNode();
        out.put("run", run);
        out.put("worker", worker);
        out.put("started", state.started());
        out.put("ended", state.ended());
        out.put("last_step", state.lastIteration());
        out.put("last_sequence", state.lastSequence());
        return out;
    }

    /** {@code GET /runs/{run}/schemas/{collection}} → {@code {"id", "version", "schema"}} of the latest version. */
    public ObjectNode latestSchema(String run, String collection) {
        CollectionSchemas.Writer latest;
        try {
            latest = runSchemas(run).latest(collection);
        } catch (IllegalArgumentException e) {
            throw new GatewayException(404, "collection", e.getMessage());
        }
        ObjectNode out = JSON.objectNode();
        out.put("id", latest.id());
        out.put("version", latest.version());
        out.set("schema", parseJson(latest.schema().toString()));
        return out;
    }

    /**
     * {@code POST /runs/{run}/workers/{worker}/steps[/{step}]}: {@code {"clock": {..}, "changes": [..]}}. Every
     * change is converted and validated before anything is sent; then one transaction.
     */
    public ObjectNode step(String run, String worker, String stepText, JsonNode body) {
        Long explicit = null;
        if (stepText != null) {
            try {
                explicit = Long.parseLong(stepText);
            } catch (NumberFormatException e) {
                throw new GatewayException(400, "step", "path 'step': not an integer: " + stepText);
            }
        }
        requireObject(body, Set.of("clock", "changes"));
        Map<String, Long> clock = new LinkedHashMap<>();
        JsonNode c = body.get("clock");
        if (c != null && !c.isNull()) {
            if (!c.isObject()) {
                throw new GatewayException(422, "clock", "field 'clock': expected an object of integers");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isIntegralNumber() || !e.getValue().canConvertToLong()) {
                    throw new GatewayException(422, "clock." + e.getKey(), "field 'clock." + e.getKey()
                            + "': expected an integer, got " + e.getValue());
                }
                clock.put(e.getKey(), e.getValue().longValue());
            }
        }
        JsonNode changes = body.get("changes");
        if (changes == null || !changes.isArray()) {
            throw new GatewayException(422, "changes", "field 'changes': expected an array");
        }
        Long stepNumber = explicit;
        return withWorker(run, worker, w -> {
            Step step;
            try {
                step = stepNumber == null ? w.beginStep(clock) : w.beginStep(stepNumber, clock);
            } catch (IllegalArgumentException e) {
                throw GatewayException.invalid(null, e);
            }
            CollectionSchemas schemas = w.schemas();
            for (int i = 0; i < changes.size(); i++) {
                try {
                    addChange(step, schemas, changes.get(i));
                } catch (IllegalArgumentException e) {
                    throw GatewayException.invalid("changes[" + i + "]", e);
                }
            }
            StepResult result;
            try {
                result = step.commit();
            } catch (StepConflictException e) {
                ObjectNode extra = JSON.objectNode();
                extra.put("reason", "step-conflict");
                extra.put("step", e.step());
                extra.put("committed_digest", e.committedDigest());
                extra.put("digest", e.sentDigest());
                throw new GatewayException(409, null, e.getMessage(), extra);
            }
            ObjectNode out = base(run, worker, result.status() == StepResult.Status.COMMITTED ? "committed"
                    : "already_committed");
            out.put("step", result.step());
            out.put("digest", result.digest());
            out.put("changes", step.size());
            return out;
        });
    }

    private static final Set<String> UPSERT_KEYS = Set.of("collection", "op", "item", "schema_id");
    private static final Set<String> PATCH_KEYS = Set.of("collection", "op", "id", "set", "schema_id");
    private static final Set<String> APPEND_KEYS = Set.of("collection", "op", "id", "path", "items");
    private static final Set<String> DELETE_KEYS = Set.of("collection", "op", "id", "row_id");
    private static final Set<String> INSERT_KEYS = Set.of("collection", "op", "row_id", "row", "schema_id");
    private static final Set<String> UPDATE_KEYS = Set.of("collection", "op", "row_id", "set", "schema_id");

    private static void addChange(Step step, CollectionSchemas schemas, JsonNode change) {
        if (change == null || !change.isObject()) {
            throw new IllegalArgumentException("expected a change object");
        }
        String collection = required(change, "collection");
        String op = required(change, "op");
        schemas.spec(collection);
        switch (op) {
            case "upsert" -> {
                keys(change, UPSERT_KEYS);
                Schema schema = writer(schemas, collection, change).schema();
                step.upsert(collection, JsonToItem.record(object(change, "item"), schema, "item"));
            }
            case "patch" -> {
                keys(change, PATCH_KEYS);
                CollectionSchemas.Writer w = writer(schemas, collection, change);
                step.patch(collection, optionalText(change, "id"), w.schema(), values(object(change, "set"), w));
            }
            case "append" -> {
                keys(change, APPEND_KEYS);
                String path = required(change, "path");
                JsonNode items = change.get("items");
                if (items == null || !items.isArray()) {
                    throw new IllegalArgumentException("field 'items': expected an array");
                }
                Schema element = ItemCodec.appendArraySchema(schemas.latest(collection).schema(), path)
                        .getElementType();
                List<Object> values = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    values.add(JsonToItem.convert(items.get(i), element, "items[" + i + "]"));
                }
                step.append(collection, optionalText(change, "id"), path, values);
            }
            case "delete" -> {
                keys(change, DELETE_KEYS);
                if (change.has("row_id")) {
                    step.deleteRow(collection, rowId(change));
                } else {
                    step.delete(collection, optionalText(change, "id"));
                }
            }
            case "insert" -> {
                keys(change, INSERT_KEYS);
                Schema schema = writer(schemas, collection, change).schema();
                step.insertRow(collection, rowId(change), JsonToItem.record(object(change, "row"), schema, "row"));
            }
            case "update" -> {
                keys(change, UPDATE_KEYS);
                CollectionSchemas.Writer w = writer(schemas, collection, change);
                step.updateRow(collection, rowId(change), values(object(change, "set"), w));
            }
            default -> throw new IllegalArgumentException("field 'op': unknown op '" + op
                    + "' (upsert, patch, append, delete; rows: insert, update, delete)");
        }
    }

    private static Map<String, Object> values(JsonNode set, CollectionSchemas.Writer w) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = set.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Schema at;
            try {
                at = ItemCodec.pathSchema(w.schema(), e.getKey());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("field 'set." + e.getKey() + "': " + ex.getMessage(), ex);
            }
            out.put(e.getKey(), JsonToItem.convert(e.getValue(), at, "set." + e.getKey()));
        }
        return out;
    }

    private static CollectionSchemas.Writer writer(CollectionSchemas schemas, String collection, JsonNode change) {
        JsonNode id = change.get("schema_id");
        if (id == null || id.isNull()) {
            return schemas.latest(collection);
        }
        if (!id.canConvertToInt()) {
            throw new IllegalArgumentException("field 'schema_id': expected an integer, got " + id);
        }
        return schemas.byId(collection, id.intValue());
    }

    private static long rowId(JsonNode change) {
        JsonNode r = change.get("row_id");
        if (r == null || !r.isIntegralNumber() || !r.canConvertToLong()) {
            throw new IllegalArgumentException("field 'row_id': expected an integer, got " + r);
        }
        return r.longValue();
    }

    private static JsonNode object(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isObject()) {
            throw new IllegalArgumentException("field '" + field + "': expected an object");
        }
        return v;
    }

    private static String required(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "': expected a string, got " + v);
        }
        return v.textValue();
    }

    private static String optionalText(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return "";
        }
        if (v.isIntegralNumber()) {
            return v.asText();
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "': expected a string, got " + v);
        }
        return v.textValue();
    }

    private static void keys(JsonNode node, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new IllegalArgumentException("field '" + k + "': unknown for this op (allowed: "
                        + new java.util.TreeSet<>(allowed) + ")");
            }
        }
    }

    /**
     * {@code POST /runs/{run}/workers/{worker}/generations/{collection}/{g}}: {@code {"members": [..],
     * "schema_id"?, "step"?}}. One transaction: chunks then GenerationSealed.
     */
    public ObjectNode saveGeneration(String run, String worker, String collection, String generationText,
                                     JsonNode body) {
        long generation;
        try {
            generation = Long.parseLong(generationText);
        } catch (NumberFormatException e) {
            throw new GatewayException(400, "generation", "path 'generation': not an integer: " + generationText);
        }
        requireObject(body, Set.of("members", "schema_id", "step"));
        JsonNode m = body.get("members");
        if (m == null || !m.isArray()) {
            throw new GatewayException(422, "members", "field 'members': expected an array");
        }
        JsonNode st = body.get("step");
        Long step = null;
        if (st != null && !st.isNull()) {
            if (!st.isIntegralNumber()) {
                throw new GatewayException(422, "step", "field 'step': expected an integer, got " + st);
            }
            step = st.longValue();
        }
        Long finalStep = step;
        return withWorker(run, worker, w -> {
            CollectionSchemas schemas = w.schemas();
            List<GenericRecord> members = new ArrayList<>();
            try {
                Schema schema = writer(schemas, collection, body).schema();
                for (int i = 0; i < m.size(); i++) {
                    members.add(JsonToItem.record(m.get(i), schema, "members[" + i + "]"));
                }
            } catch (IllegalArgumentException e) {
                throw GatewayException.invalid(null, e);
            }
            int chunks;
            try {
                chunks = w.saveGeneration(collection, generation, members, finalStep);
            } catch (IllegalArgumentException e) {
                throw GatewayException.invalid(null, e);
            }
            ObjectNode out = base(run, worker, "committed");
            out.put("collection", collection);
            out.put("generation", generation);
            out.put("members", members.size());
            out.put("chunks", chunks);
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
        synchronized (this) {
            if (registry != null) {
                registry.close();
            }
        }
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
