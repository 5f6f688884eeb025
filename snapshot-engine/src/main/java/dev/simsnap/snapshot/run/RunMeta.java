package dev.simsnap.snapshot.run;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.snapshot.store.StoreKeys;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The mutable per-run bookkeeping kept (as compact JSON) in the run-meta store; only the stream thread writes it.
 * The run's state model is not part of that JSON: it is stored once, under {@link StoreKeys#runModel}, when the run
 * starts ({@link #read} joins the two). Text written before that change carries the model inline and still reads.
 *
 * <p>{@link #version} is the seqlock: it is odd while an iteration's deltas are being written to the entity store
 * and even otherwise, and grows by 2 per applied iteration step. Readers use {@link RunInfo}, never this class.
 */
public final class RunMeta {

    private static final ObjectMapper JSON = new ObjectMapper();

    String runId;
    String kind;
    List<String> expectedWorkers = new ArrayList<>();
    Map<String, String> config = new TreeMap<>();
    long randomSeed;
    long startedAtMs;
    String forkedFromRun;
    long forkedFromIteration = -1;
    /** The run's state model as self-contained JSON (RunStarted.model), or null for a run of the legacy contract. */
    String model;
    /** Last committed iteration per expected worker (-1: none yet). */
    final Map<String, Long> committed = new TreeMap<>();
    /**
     * Last accepted delta sequence per expected worker (-1: none yet). Deltas are accepted without storing the meta
     * again, so the stored text has it as of the last step, start or end; the deltas accepted since are in the delta
     * buffer, from which {@link dev.simsnap.snapshot.delta.DeltaLog} completes it when it loads the meta.
     */
    final Map<String, Long> lastSequence = new TreeMap<>();
    /**
     * StateDeltas refused on arrival per expected worker and step above its last committed one (they count towards
     * the step's declared {@code delta_count}, see {@link dev.simsnap.snapshot.delta.DeclaredDeltaCount}); stored,
     * since nothing else keeps them. Empty entries are not kept.
     */
    final Map<String, TreeMap<Long, Long>> refusedDeltas = new TreeMap<>();
    /**
     * Per expected worker whose commits were refused after its transaction committed ({@code delta-count-mismatch},
     * {@code too-far-ahead}): how many, and the last one's step and reason. Stored, so that the worker can learn of
     * them from {@code GET /runs/{run}}; workers without any are not kept (the stored text is then as before).
     */
    final Map<String, RunInfo.StepRefusals> refusedSteps = new TreeMap<>();
    /**
     * The accepted (buffered) StateDeltas per expected worker and step above its last committed one. Not stored:
     * the delta buffer holds them, and {@link dev.simsnap.snapshot.delta.DeltaLog} counts them again when it loads
     * the meta.
     */
    final Map<String, TreeMap<Long, Long>> bufferedDeltas = new TreeMap<>();
    /** virtual_date of committed iterations above the consistent one, by iteration (first commit wins). */
    final TreeMap<Long, Integer> pendingDates = new TreeMap<>();
    /** The simulation's clock of committed steps above the consistent one, by step (first commit wins). */
    final TreeMap<Long, Map<String, Long>> pendingClocks = new TreeMap<>();
    /** The simulation's clock at the consistent step, or null (legacy runs, or none committed yet). */
    Map<String, Long> consistentClock;
    /** The insertion position the next new item of the run gets. */
    long nextPosition;
    long consistentIteration = -1;
    Integer consistentVirtualDate;
    long version;
    long appliedDeltas;
    boolean ended;
    String endStatus;
    long finalIteration = -1;
    long endedAtMs;

    RunMeta() {
    }

    /** A new run (version 0, nothing committed). */
    public static RunMeta started(String runId, String kind, List<String> workers, Map<String, String> config,
                                  long randomSeed, long startedAtMs, String forkedFromRun, long forkedFromIteration) {
        RunMeta m = new RunMeta();
        m.runId = runId;
        m.kind = kind;
        m.expectedWorkers = new ArrayList<>(workers);
        m.config = new TreeMap<>(config);
        m.randomSeed = randomSeed;
        m.startedAtMs = startedAtMs;
        m.forkedFromRun = forkedFromRun;
        m.forkedFromIteration = forkedFromIteration;
        for (String w : workers) {
            m.committed.put(w, -1L);
            m.lastSequence.put(w, -1L);
        }
        return m;
    }

    public String runId() {
        return runId;
    }

    /** Sets the run's state model (self-contained JSON); legacy runs have none. */
    public RunMeta model(String modelJson) {
        this.model = modelJson;
        return this;
    }

    /** The run's state model as JSON, or null for a run of the legacy contract. */
    public String model() {
        return model;
    }

    /** The run's state model, parsed (shared, see {@link ParsedModels}), or null for a run of the legacy contract. */
    public dev.simsnap.model.StateModel parsedModel() {
        return model == null ? null : ParsedModels.of(model);
    }

    /**
     * The run's meta as stored in the run-meta store {@code store} (key to value, null when absent), with its model
     * ({@link StoreKeys#runModel}, or the model inline in text written before the model had its own key); null when
     * the run is unknown.
     */
    public static RunMeta read(java.util.function.Function<String, String> store, String runId) {
        String json = store.apply(runId);
        if (json == null) {
            return null;
        }
        RunMeta m = fromJson(json);
        if (m.model == null) {
            m.model = store.apply(StoreKeys.runModel(runId));
        }
        return m;
    }

    /** Takes the insertion position of a new item (apply order, so the same history gives the same positions). */
    public long takePosition() {
        return nextPosition++;
    }

    /** The simulation's clock at the consistent step, or null. */
    public Map<String, Long> consistentClock() {
        return consistentClock == null ? null : Collections.unmodifiableMap(consistentClock);
    }

    /** The simulation's clock committed for {@code step} (above the consistent one, first commit wins), or null. */
    public Map<String, Long> committedClock(long step) {
        return pendingClocks.get(step);
    }

    public boolean ended() {
        return ended;
    }

    public boolean isExpectedWorker(String worker) {
        return committed.containsKey(worker);
    }

    public long committed(String worker) {
        return committed.getOrDefault(worker, -1L);
    }

    public long lastSequence(String worker) {
        return lastSequence.getOrDefault(worker, -1L);
    }

    public long consistentIteration() {
        return consistentIteration;
    }

    /** How many committed steps wait above the consistent one (each keeps its virtual_date, and its clock). */
    public int pendingSteps() {
        return pendingDates.size();
    }

    /** virtual_date committed for {@code iteration} (above the consistent one, first commit wins), or null. */
    public Integer committedDate(long iteration) {
        return pendingDates.get(iteration);
    }

    /** virtual_date of the consistent iteration, or null. */
    public Integer consistentVirtualDate() {
        return consistentVirtualDate;
    }

    public long version() {
        return version;
    }

    public void acceptSequence(String worker, long sequence) {
        lastSequence.put(worker, sequence);
    }

    /**
     * Counts one StateDelta that {@code worker} sent for {@code step} (above its last committed step): accepted into
     * the delta buffer, or refused on arrival ({@code refused}).
     */
    public void countDelta(String worker, long step, boolean refused) {
        (refused ? refusedDeltas : bufferedDeltas).computeIfAbsent(worker, w -> new TreeMap<>()).merge(step, 1L,
                Long::sum);
    }

    /** Records that {@code worker}'s commit of {@code step} was refused for {@code reason} (a dead-letter reason). */
    public void stepRefused(String worker, long step, String reason) {
        RunInfo.StepRefusals before = refusedSteps.get(worker);
        refusedSteps.put(worker, new RunInfo.StepRefusals(before == null ? 1 : before.count() + 1, step, reason));
    }

    /**
     * The StateDeltas {@code worker} sent for steps up to {@code step} (all above its last committed one), accepted
     * and refused on arrival; forgets them, as a commit of {@code step} accounts for them whether it is taken or
     * refused.
     */
    public long takeDeltaCount(String worker, long step) {
        return take(refusedDeltas, worker, step) + take(bufferedDeltas, worker, step);
    }

    private static long take(Map<String, TreeMap<Long, Long>> counts, String worker, long step) {
        TreeMap<Long, Long> steps = counts.get(worker);
        if (steps == null) {
            return 0;
        }
        Map<Long, Long> upTo = steps.headMap(step, true);
        long n = upTo.values().stream().mapToLong(Long::longValue).sum();
        upTo.clear();
        if (steps.isEmpty()) {
            counts.remove(worker);
        }
        return n;
    }

    /** Records a worker's commit; returns the consistent iteration it implies (min over expected workers). */
    public long commit(String worker, long iteration, int virtualDate) {
        return commit(worker, iteration, virtualDate, Map.of());
    }

    /** As above, with the simulation's clock at that step (kept when not empty). */
    public long commit(String worker, long iteration, int virtualDate, Map<String, Long> clock) {
        committed.put(worker, iteration);
        pendingDates.putIfAbsent(iteration, virtualDate);
        if (!clock.isEmpty()) {
            pendingClocks.putIfAbsent(iteration, new TreeMap<>(clock));
        }
        return Collections.min(committed.values());
    }

    /** Marks the start of applying (version becomes odd). */
    public void beginApply() {
        version++;
    }

    /** Marks the end of applying up to {@code iteration} (version becomes even). */
    public void endApply(long iteration, long deltas) {
        consistentIteration = iteration;
        appliedDeltas += deltas;
        // The date of the newest committed iteration at or below the consistent one.
        Map.Entry<Long, Integer> date = pendingDates.floorEntry(iteration);
        if (date != null) {
            consistentVirtualDate = date.getValue();
        }
        pendingDates.headMap(iteration, true).clear();
        Map.Entry<Long, Map<String, Long>> clock = pendingClocks.floorEntry(iteration);
        if (clock != null) {
            consistentClock = clock.getValue();
        }
        pendingClocks.headMap(iteration, true).clear();
        version++;
    }

    public void end(String status, long finalIteration, long endedAtMs) {
        this.ended = true;
        this.endStatus = status;
        this.finalIteration = finalIteration;
        this.endedAtMs = endedAtMs;
    }

    /** The public read view. */
    public RunInfo toInfo() {
        long maxCommitted = committed.values().stream().mapToLong(Long::longValue).max().orElse(-1);
        List<RunInfo.WorkerProgress> workers = new ArrayList<>();
        committed.forEach((w, it) -> workers.add(new RunInfo.WorkerProgress(w, it, lastSequence(w), maxCommitted - it,
                refusedSteps.get(w))));
        RunInfo.ForkOrigin fork = forkedFromRun == null ? null : new RunInfo.ForkOrigin(forkedFromRun, forkedFromIteration);
        return new RunInfo(runId, kind, List.copyOf(expectedWorkers), Collections.unmodifiableMap(new TreeMap<>(config)),
                randomSeed, startedAtMs, fork, List.copyOf(workers), consistentIteration, consistentVirtualDate,
                maxCommitted - consistentIteration, appliedDeltas, ended, endStatus, finalIteration, endedAtMs, version);
    }

    /**
     * Compact JSON for the store: an object with these keys in this order, strings escaped as Jackson escapes them.
     * Written directly, without a tree, because the stream thread stores it at every step. The model is left out (see
     * the class comment).
     */
    public String toJson() {
        StringBuilder out = new StringBuilder(256);
        out.append('{');
        key(out, "run_id", true);
        appendString(runId, out);
        key(out, "kind", false);
        if (kind == null) {
            out.append("null");
        } else {
            appendString(kind, out);
        }
        key(out, "expected_workers", false);
        out.append('[');
        for (int i = 0; i < expectedWorkers.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            appendString(expectedWorkers.get(i), out);
        }
        out.append(']');
        key(out, "config", false);
        object(out, config, (b, v) -> appendString(v, b));
        key(out, "random_seed", false);
        out.append(randomSeed);
        key(out, "started_at_ms", false);
        out.append(startedAtMs);
        if (forkedFromRun != null) {
            key(out, "forked_from_run", false);
        appendString(forkedFromRun, out);
            key(out, "forked_from_iteration", false);
            out.append(forkedFromIteration);
        }
        key(out, "committed", false);
        object(out, committed, StringBuilder::append);
        key(out, "last_sequence", false);
        object(out, lastSequence, StringBuilder::append);
        key(out, "pending_dates", false);
        out.append('{');
        boolean first = true;
        for (Map.Entry<Long, Integer> e : pendingDates.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            out.append('"').append(e.getKey().longValue()).append("\":").append(e.getValue().intValue());
        }
        out.append('}');
        if (!pendingClocks.isEmpty()) {
            key(out, "pending_clocks", false);
            out.append('{');
            boolean firstClock = true;
            for (Map.Entry<Long, Map<String, Long>> e : pendingClocks.entrySet()) {
                if (!firstClock) {
                    out.append(',');
                }
                firstClock = false;
                out.append('"').append(e.getKey().longValue()).append("\":");
                object(out, e.getValue(), StringBuilder::append);
            }
            out.append('}');
        }
        if (!refusedDeltas.isEmpty()) {
            key(out, "refused_deltas", false);
            object(out, refusedDeltas, (b, steps) -> {
                b.append('{');
                boolean firstStep = true;
                for (Map.Entry<Long, Long> e : steps.entrySet()) {
                    if (!firstStep) {
                        b.append(',');
                    }
                    firstStep = false;
                    b.append('"').append(e.getKey().longValue()).append("\":").append(e.getValue().longValue());
                }
                b.append('}');
            });
        }
        if (!refusedSteps.isEmpty()) {
            key(out, "refused_steps", false);
            object(out, refusedSteps, (b, r) -> {
                b.append("{\"count\":").append(r.count()).append(",\"step\":").append(r.lastStep())
                        .append(",\"reason\":");
                appendString(r.lastReason(), b);
                b.append('}');
            });
        }
        key(out, "consistent_iteration", false);
        out.append(consistentIteration);
        if (consistentClock != null) {
            key(out, "consistent_clock", false);
            object(out, consistentClock, StringBuilder::append);
        }
        if (consistentVirtualDate != null) {
            key(out, "consistent_virtual_date", false);
            out.append(consistentVirtualDate.intValue());
        }
        if (nextPosition > 0) {
            key(out, "next_position", false);
            out.append(nextPosition);
        }
        key(out, "version", false);
        out.append(version);
        key(out, "applied_deltas", false);
        out.append(appliedDeltas);
        key(out, "ended", false);
        out.append(ended);
        if (endStatus != null) {
            key(out, "end_status", false);
        appendString(endStatus, out);
        }
        key(out, "final_iteration", false);
        out.append(finalIteration);
        key(out, "ended_at_ms", false);
        out.append(endedAtMs);
        return out.append('}').toString();
    }

    /** Writes {@code "name":}, after a comma unless first. */
    private static void key(StringBuilder out, String name, boolean first) {
        if (!first) {
            out.append(',');
        }
        out.append('"').append(name).append("\":"); // our key names need no escaping
    }

    private static <V> void object(StringBuilder out, Map<String, V> map,
                                   java.util.function.BiConsumer<StringBuilder, V> value) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, V> e : map.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            appendString(e.getKey(), out);
            out.append(':');
            value.accept(out, e.getValue());
        }
        out.append('}');
    }

    private static Map<String, Long> longs(JsonNode object) {
        Map<String, Long> out = new TreeMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
        return out;
    }

    /** Appends {@code value} as a JSON string literal (Jackson's escapes). */
    private static void appendString(String value, StringBuilder out) {
        out.append('"');
        JsonStringEncoder.getInstance().quoteAsString(value, out);
        out.append('"');
    }

    /** Parses {@link #toJson()} (and the older text with the model inline); the model is null otherwise. */
    public static RunMeta fromJson(String text) {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("corrupt run meta: " + e.getOriginalMessage(), e);
        }
        RunMeta m = new RunMeta();
        m.runId = n.get("run_id").asText();
        m.kind = n.get("kind").asText();
        n.get("expected_workers").forEach(w -> m.expectedWorkers.add(w.asText()));
        n.get("config").fields().forEachRemaining(e -> m.config.put(e.getKey(), e.getValue().asText()));
        m.randomSeed = n.get("random_seed").asLong();
        m.startedAtMs = n.get("started_at_ms").asLong();
        if (n.has("forked_from_run")) {
            m.forkedFromRun = n.get("forked_from_run").asText();
            m.forkedFromIteration = n.get("forked_from_iteration").asLong();
        }
        m.model = n.has("model") ? n.get("model").asText() : null;
        n.get("committed").fields().forEachRemaining(e -> m.committed.put(e.getKey(), e.getValue().asLong()));
        if (n.has("pending_clocks")) {
            n.get("pending_clocks").fields().forEachRemaining(e -> m.pendingClocks.put(Long.parseLong(e.getKey()),
                    longs(e.getValue())));
        }
        m.consistentClock = n.has("consistent_clock") ? longs(n.get("consistent_clock")) : null;
        n.get("last_sequence").fields().forEachRemaining(e -> m.lastSequence.put(e.getKey(), e.getValue().asLong()));
        n.get("pending_dates").fields().forEachRemaining(
                e -> m.pendingDates.put(Long.parseLong(e.getKey()), e.getValue().asInt()));
        if (n.has("refused_deltas")) {
            n.get("refused_deltas").fields().forEachRemaining(w -> {
                TreeMap<Long, Long> steps = new TreeMap<>();
                w.getValue().fields().forEachRemaining(e -> steps.put(Long.parseLong(e.getKey()),
                        e.getValue().asLong()));
                m.refusedDeltas.put(w.getKey(), steps);
            });
        }
        if (n.has("refused_steps")) {
            n.get("refused_steps").fields().forEachRemaining(w -> m.refusedSteps.put(w.getKey(),
                    new RunInfo.StepRefusals(w.getValue().get("count").asLong(), w.getValue().get("step").asLong(),
                            w.getValue().get("reason").asText())));
        }
        m.consistentIteration = n.get("consistent_iteration").asLong();
        m.consistentVirtualDate = n.has("consistent_virtual_date") ? n.get("consistent_virtual_date").asInt() : null;
        m.nextPosition = n.has("next_position") ? n.get("next_position").asLong() : 0;
        m.version = n.get("version").asLong();
        m.appliedDeltas = n.get("applied_deltas").asLong();
        m.ended = n.get("ended").asBoolean();
        m.endStatus = n.has("end_status") ? n.get("end_status").asText() : null;
        m.finalIteration = n.get("final_iteration").asLong();
        m.endedAtMs = n.get("ended_at_ms").asLong();
        return m;
    }
}
