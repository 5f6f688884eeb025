package dev.simsnap.producer;

import dev.simsnap.connection.ClientConfig;
import dev.simsnap.connection.ClientConfigSources;
import dev.simsnap.connection.KafkaFailures;
import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.Shape;
import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.registry.client.SchemaRegistries;
import dev.simsnap.registry.client.SchemaRegistry;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.serde.WireFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.generation.GenerationChunk;
import dev.simsnap.schema.generation.GenerationSealed;
import dev.simsnap.schema.generation.PersonaGenotype;
import dev.simsnap.schema.run.RunEnded;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.schema.run.RunStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named worker of one simulation run: publishes the run's records through an idempotent, transactional Kafka
 * producer whose {@code transactional.id} is {@code <prefix><run>-<worker>}, the prefix being
 * {@value ClientConfig#TRANSACTIONAL_ID_PREFIX} (default {@value ClientConfig#DEFAULT_TRANSACTIONAL_ID_PREFIX}).
 * Every Kafka and registry client of the worker gets the whole {@link ClientConfig} (security settings included).
 *
 * <p>Opening ({@link Builder#build()}) creates the topics when absent, initializes transactions — which fences any
 * earlier producer of the same run and worker (a zombie) and aborts its open transaction — and then reads back the
 * run's committed records to resume: the next delta gets sequence {@code last committed sequence + 1} (0 for a new
 * worker) and the next iteration must be greater than the last committed one.
 *
 * <p>Every record is keyed by the run id and sent to the run's partition, so a run is in order on one partition of
 * each topic. Each public publishing method is one transaction: all of it becomes visible to read_committed readers
 * or none of it. A worker is not thread-safe and runs one transaction at a time; use one worker per thread.
 *
 * <p>Outages: a call that fails because Kafka did not answer in time throws a {@link KafkaException} (a commit
 * whose outcome is unknown: {@link CommitOutcomeUnknownException}) and leaves the worker usable: its next call
 * replaces the producer — the new one's {@code initTransactions} completes or aborts the transaction in doubt — and
 * reads the run back, so a step or iteration re-sent after the outage is answered by what really happened
 * (already committed with the same content, or committed now). Until Kafka answers, that next call fails the same
 * way; nothing needs restarting.
 *
 * <pre>{@code
 * try (SimsnapWorker worker = SimsnapWorker.builder().config(props).run("sim01").worker("w0").build()) {
 *     worker.startRun(RunSpec.of("trading-arena", "w0"));
 *     try (Iteration it = worker.beginIteration(1, 0)) {
 *         it.upsert(person);
 *         it.patch(EntityType.PERSON, "3", payload, "cash");
 *         it.append(EntityType.STOCK, "0", "past_stock_last_prices", 10.5);
 *         it.commit();                       // closing without commit aborts
 *     }
 *     worker.endRun(RunStatus.COMPLETED);
 * }
 * }</pre>
 */
public final class SimsnapWorker implements AutoCloseable {

    /** How far beyond a worker's last committed iteration a v1 iteration may be (v2 steps go one at a time). */
    public static final long MAX_ITERATION_GAP = 1_000_000;
    private static final Logger LOG = LoggerFactory.getLogger(SimsnapWorker.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final Properties config;
    private final ClientConfig client;
    private final String transactionalId;
    private final String runId;
    private final String workerId;
    private final int deltaPartition;
    private final int partitions;
    private final Map<String, Object> producerProps;
    /** The key of every record: the run id's UTF-8 (what a StringSerializer would send). */
    private final byte[] key;
    private KafkaProducer<byte[], Object> producer;
    /** The value serializer of {@link #producer} (records, and StateDeltas already encoded). */
    private WorkerValueSerializer values;
    /** This worker's direct StateDelta encoder, once checked against {@link #values} (null: not usable). */
    private DeltaEncoder deltaEncoder;
    private boolean deltaEncoderChecked;
    /** The producer's transaction state is in doubt (a call timed out): replace it before the next transaction. */
    private boolean replaceProducer;
    private final WorkerStats stats = new WorkerStats();
    /** One callback for every send (it needs nothing of the record), not a new one per record. */
    private final Callback acked = (metadata, error) -> {
        if (error == null) {
            stats.recordAcked(metadata.serializedKeySize(), metadata.serializedValueSize());
        }
    };
    private RunState state;
    private long nextSequence;
    private Iteration open;
    private RuntimeException broken;
    private RunStarted startedRecord;
    private java.util.NavigableMap<Long, byte[]> digests = new java.util.TreeMap<>();
    private SchemaRegistry registry;
    private CollectionSchemas schemas;

    private SimsnapWorker(Properties config, String runId, String workerId) {
        this.config = config;
        this.client = ClientConfig.of(config);
        this.transactionalId = client.transactionalId(runId, workerId);
        this.runId = runId;
        this.workerId = workerId;
        this.partitions = TopicSetup.prepare(config);
        this.deltaPartition = RunHistory.partitionOf(runId, partitions);
        ensureEnvelopeLevels();
        Map<String, Object> own = new java.util.HashMap<>();
        own.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        own.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        own.put(ProducerConfig.ACKS_CONFIG, "all");
        Map<String, Object> props = client.kafka(own);
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
        this.producerProps = Map.copyOf(props);
        this.key = runId.getBytes(StandardCharsets.UTF_8);
        this.producer = newProducer();
        try {
            producer.initTransactions(); // fences the zombie and aborts its open transaction
            adopt(RunHistory.readFull(config, runId, workerId, partitions));
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            if (KafkaFailures.isSecurityFailure(e)) { // a wrong password, or an ACL refusing this transactional id
                throw new IllegalStateException("worker " + workerId + " of run " + runId
                        + " cannot open transactional id '" + transactionalId + "': " + KafkaFailures.describe(e), e);
            }
            throw e;
        }
        this.nextSequence = state.lastSequence() + 1;
        LOG.info("worker {} of run {} opened: last iteration {}, next sequence {}", workerId, runId,
                state.lastIteration(), nextSequence);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The transactional.id of a run's worker with the default prefix: {@code simsnap-<run>-<worker>} (a worker
     * configured with {@value ClientConfig#TRANSACTIONAL_ID_PREFIX} uses {@link #transactionalId()}).
     */
    public static String transactionalId(String runId, String workerId) {
        return ClientConfig.empty().transactionalId(runId, workerId);
    }

    /** This worker's transactional.id. */
    public String transactionalId() {
        return transactionalId;
    }

    /** The run id (the key of every record). */
    public String runId() {
        return runId;
    }

    /** This worker's id. */
    public String workerId() {
        return workerId;
    }

    /** The run as this worker knows it (read back at open, updated by its own commits). */
    public RunState state() {
        return state;
    }

    /** The sequence the next delta will get. */
    public long nextSequence() {
        return nextSequence;
    }

    /** Acknowledged records and bytes of this worker. */
    public WorkerStats stats() {
        return stats;
    }

    /**
     * Starts a v1 run (no state model) unless it is already started — one decision, however many starters race:
     * reads the run back, sends RunStarted when there is none, and waits until a RunStarted is readable; the first
     * one on the run's partition is the run's (the service dead-letters the others). A run already started with
     * the same kind and expected workers is a no-op.
     *
     * @return true if this call's RunStarted is the run's
     * @throws RunConflictException when the run was started with another kind, other workers, or a state model
     */
    public boolean startRun(RunSpec spec) {
        checkUsable();
        refresh();
        if (state.started()) {
            checkSameSpec(spec);
            return false;
        }
        RunStarted started = new RunStarted(runId, spec.kind(), new ArrayList<>(spec.expectedWorkers()),
                Map.copyOf(spec.config()), spec.randomSeed(), System.currentTimeMillis(), null, null);
        transaction(() -> send(Contracts.DELTAS_TOPIC, deltaPartition, started));
        awaitStarted();
        if (!startedRecord.equals(started)) {
            checkSameSpec(spec); // another starter got there first
            return false;
        }
        return true;
    }

    private void checkSameSpec(RunSpec spec) {
        RunStarted existing = startedRecord;
        String difference = null;
        if (existing.getModel() != null) {
            difference = "it was started with a state model";
        } else if (!existing.getExpectedWorkers().equals(spec.expectedWorkers())) {
            difference = "expected_workers " + existing.getExpectedWorkers() + " vs " + spec.expectedWorkers();
        } else if (!existing.getKind().equals(spec.kind())) {
            difference = "kind '" + existing.getKind() + "' vs '" + spec.kind() + "'";
        }
        if (difference != null) {
            throw new RunConflictException(runId, existing.getKind(), existing.getExpectedWorkers(),
                    existing.getModel(), difference);
        }
    }

    /** Waits until read_committed sees a RunStarted of the run (commitTransaction returns before the markers). */
    private void awaitStarted() {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        refresh();
        while (startedRecord == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("run " + runId + ": the RunStarted just committed is not readable"
                        + " after 30 s");
            }
            sleep(50);
            refresh();
        }
    }

    /**
     * Waits until the run's RunStarted is committed (re-reading the run), and returns the run's state.
     *
     * @throws IllegalStateException when the run does not start within {@code timeout}, or when this worker is not
     *                               one of its expected workers
     */
    public RunState joinRun(Duration timeout) {
        checkUsable();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!state.started()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("run " + runId + " did not start within " + timeout);
            }
            sleep(100);
            adopt(RunHistory.readFull(config, runId, workerId, partitions));
        }
        if (!state.expectedWorkers().contains(workerId)) {
            throw new IllegalStateException("worker '" + workerId + "' is not one of run " + runId
                    + "'s expected workers " + state.expectedWorkers());
        }
        return state;
    }

    /**
     * Opens iteration {@code iteration} (one transaction). Deltas are validated and sent as they are added;
     * {@link Iteration#commit()} adds the IterationCommitted record and commits; closing without commit aborts.
     *
     * @throws IllegalArgumentException when {@code iteration} is not greater than this worker's last committed one
     * @throws IllegalStateException    when the run has not started (see {@link #startRun}, {@link #joinRun}) or
     *                                  has ended, or another iteration is open
     */
    public Iteration beginIteration(long iteration, int virtualDate) {
        checkUsable();
        if (!state.started()) {
            throw new IllegalStateException("run " + runId + " has not started: call startRun or joinRun first");
        }
        if (state.ended()) {
            throw new IllegalStateException("run " + runId + " has ended");
        }
        if (iteration <= state.lastIteration()) {
            throw new IllegalArgumentException("field 'iteration': " + iteration + " is not greater than worker "
                    + workerId + "'s last committed iteration " + state.lastIteration());
        }
        if (iteration - MAX_ITERATION_GAP > state.lastIteration()) { // iteration >= 0: no overflow
            throw new IllegalArgumentException("field 'iteration': " + iteration + " is more than "
                    + MAX_ITERATION_GAP + " beyond worker " + workerId + "'s last committed iteration "
                    + state.lastIteration() + " (iterations only grow, so one far ahead would turn later ones"
                    + " into refusals)");
        }
        begin();
        open = new Iteration(this, iteration, virtualDate, nextSequence);
        return open;
    }

    /**
     * Publishes generation {@code generation} of the run in one transaction: GenerationChunk records of at most
     * 256 KiB of encoded members each, then GenerationSealed. Validation (null fields, score count) happens before
     * anything is sent.
     *
     * @param scores optional fitness per member, in population order; null for none, else exactly one per member
     * @return the number of chunks
     */
    public int publishGeneration(int generation, List<PersonaGenotype> members, List<Double> scores) {
        checkUsable();
        if (!state.started()) {
            throw new IllegalStateException("run " + runId + " has not started: call startRun or joinRun first");
        }
        if (generation < 0) {
            throw new IllegalArgumentException("field 'generation': must be >= 0, got " + generation);
        }
        if (scores != null) {
            if (scores.size() != members.size()) {
                throw new IllegalArgumentException("field 'scores': " + scores.size() + " scores for "
                        + members.size() + " members");
            }
            for (int i = 0; i < scores.size(); i++) {
                if (scores.get(i) == null || !Double.isFinite(scores.get(i))) {
                    throw new IllegalArgumentException("field 'scores[" + i + "]': must be a finite number");
                }
            }
        }
        for (int i = 0; i < members.size(); i++) {
            dev.simsnap.schema.legacy.LegacyDeltas.requireFinite(members.get(i), "members[" + i + "]");
        }
        List<List<PersonaGenotype>> chunks = GenerationChunker.split(members);
        transaction(() -> {
            int first = 0;
            for (int i = 0; i < chunks.size(); i++) {
                List<PersonaGenotype> slice = chunks.get(i);
                send(Contracts.GENERATIONS_TOPIC, null,
                        new GenerationChunk(runId, workerId, generation, i, first, slice, null, List.of()));
                first += slice.size();
            }
            send(Contracts.GENERATIONS_TOPIC, null, new GenerationSealed(runId, workerId, generation,
                    members.size(), chunks.size(), scores == null ? null : List.copyOf(scores), null, null));
        });
        stats.generationCommitted();
        return chunks.size();
    }

    /**
     * Ends the run with {@code status} (RunEnded, final_iteration = this worker's last committed iteration).
     * Does nothing when the run already ended. Call it from one worker once all workers are done.
     */
    public void endRun(RunStatus status) {
        checkUsable();
        if (state.ended()) {
            return;
        }
        RunEnded ended = new RunEnded(runId, workerId, state.lastIteration(), status, System.currentTimeMillis());
        transaction(() -> send(Contracts.DELTAS_TOPIC, deltaPartition, ended));
        state = new RunState(state.started(), state.kind(), state.expectedWorkers(), true, state.lastIteration(),
                state.lastSequence());
    }

    /** Aborts an open iteration and closes the producer. */
    @Override
    public void close() {
        if (open != null) {
            open.close();
        }
        producer.close(replaceProducer ? Duration.ZERO : CLOSE_TIMEOUT);
        if (registry != null) {
            registry.close();
        }
    }

    // ---- v2: state models, steps ---------------------------------------------------------------------------------

    private void adopt(RunHistory.Found found) {
        this.state = found.state();
        this.startedRecord = found.started();
        this.digests = found.digests();
    }

    private void refresh() {
        adopt(RunHistory.readFull(config, runId, workerId, partitions));
        if (schemas != null && !Objects.equals(schemas.model(), runModel().orElse(null))) {
            schemas = null;
        }
    }

    /** The run's state model as its RunStarted records it; empty when not started or started without one (v1). */
    public Optional<StateModel> runModel() {
        if (startedRecord == null || startedRecord.getModel() == null) {
            return Optional.empty();
        }
        if (schemas != null) {
            return Optional.of(schemas.model());
        }
        return Optional.of(StateModel.parse(startedRecord.getModel(), file -> null));
    }

    /**
     * Reads a run's first committed RunStarted (read_committed), without opening a worker; empty when the run has
     * not started. Creates the topics when absent, like a worker.
     */
    public static Optional<RunStarted> readRunStarted(Properties config, String runId) {
        RunIds.require("run id", runId);
        int partitions = TopicSetup.prepare(config);
        return Optional.ofNullable(RunHistory.readFull(config, runId, "", partitions).started());
    }

    /**
     * Reads what {@code workerId} has committed in run {@code runId} from the run's partition (read_committed, up to
     * the last stable offset), without opening a worker: nothing is fenced. {@link RunState#lastIteration()} is the
     * worker's last committed step. Creates the topics when absent, like a worker.
     */
    public static RunState readCommitted(Properties config, String runId, String workerId) {
        RunIds.require("run id", runId);
        RunIds.require("worker id", workerId);
        int partitions = TopicSetup.prepare(config);
        return RunHistory.readFull(config, runId, workerId, partitions).state();
    }

    /** The run's RunStarted as read back (null when the run has not started). */
    public RunStarted runStarted() {
        return startedRecord;
    }

    /**
     * Starts a v2 run: for every collection, sets its subject's compatibility to {@code model.compatibility(c)}
     * and registers its declared schema versions in order; then sends RunStarted ({@code kind = model.kind()},
     * {@code model = model.toJson()}) in its own transaction. Reads the run back first and after sending, so a run
     * already started with the same model and workers is a no-op.
     *
     * @return true if this call started the run, false if it was already started with this definition
     * @throws RunConflictException     when the run was started with a different model or worker list
     * @throws SchemaEvolutionException when a declared schema version is refused by its subject's level
     */
    public boolean start(RunDefinition definition) {
        checkUsable();
        refresh();
        if (state.started()) {
            checkSameDefinition(definition);
            return false;
        }
        CollectionSchemas declared = new CollectionSchemas(registry(), definition.model());
        declared.declare();
        RunStarted started = new RunStarted(runId, definition.kind(), new ArrayList<>(definition.expectedWorkers()),
                Map.copyOf(definition.config()), definition.seed(), System.currentTimeMillis(), null,
                definition.model().toJson());
        transaction(() -> send(Contracts.DELTAS_TOPIC, deltaPartition, started));
        awaitStarted();
        if (!startedRecord.equals(started)) {
            // another starter got there first: the first RunStarted on the partition is the run's
            checkSameDefinition(definition);
            return false;
        }
        schemas = declared;
        return true;
    }

    private void checkSameDefinition(RunDefinition definition) {
        RunStarted existing = startedRecord;
        List<String> workers = existing.getExpectedWorkers();
        String difference = null;
        if (!workers.equals(definition.expectedWorkers())) {
            difference = "expected_workers " + workers + " vs " + definition.expectedWorkers();
        } else if (existing.getModel() == null) {
            difference = "it was started without a state model";
        } else if (!existing.getModel().equals(definition.model().toJson())
                && !sameModel(existing.getModel(), definition.model())) {
            difference = "another model" + (existing.getKind().equals(definition.kind()) ? ""
                    : " (kind '" + existing.getKind() + "' vs '" + definition.kind() + "')");
        }
        if (difference != null) {
            throw new RunConflictException(runId, existing.getKind(), workers, existing.getModel(), difference);
        }
    }

    private static boolean sameModel(String json, StateModel model) {
        try {
            return StateModel.parse(json, file -> null).equals(model);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The run's collections and their registry subjects (the run must be started with a model). */
    public CollectionSchemas schemas() {
        if (schemas == null) {
            if (startedRecord == null) {
                refresh();
            }
            StateModel model = runModel().orElseThrow(() -> new IllegalStateException(startedRecord == null
                    ? "run " + runId + " has not started: call start first"
                    : "run " + runId + " was started without a state model (v1): use beginIteration"));
            schemas = new CollectionSchemas(registry(), model);
        }
        return schemas;
    }

    /**
     * Registers a new version of a collection's item schema under its subject (the existing id when the subject
     * already holds it).
     *
     * @return the schema id
     * @throws SchemaEvolutionException when the subject's compatibility level refuses it (nothing registered)
     */
    public int registerSchema(String collection, Schema schema) {
        checkUsable();
        return schemas().register(collection, schema).id();
    }

    /**
     * Begins this worker's next step ({@code last committed step + 1}). Changes are kept until
     * {@link Step#commit()}, which sends them with the IterationCommitted in one transaction.
     *
     * @param clock the simulation's clock: exactly the model's clock fields
     */
    public Step beginStep(Map<String, Long> clock) {
        prepareStep(clock);
        return new Step(this, schemas(), state.lastIteration() + 1, clock);
    }

    /**
     * Begins step {@code step} explicitly (a re-send after a failure): at most the next one. A step already
     * committed is answered by {@link Step#commit()} with ALREADY_COMMITTED when its content is the same, and
     * refused with {@link StepConflictException} otherwise.
     *
     * @throws IllegalArgumentException when {@code step} is beyond the next step
     */
    public Step beginStep(long step, Map<String, Long> clock) {
        prepareStep(clock);
        long next = state.lastIteration() + 1;
        if (step < 0) {
            throw new IllegalArgumentException("field 'step': must be >= 0, got " + step);
        }
        if (step > next) {
            throw new IllegalArgumentException("field 'step': steps go one at a time: next is " + next + ", not "
                    + step);
        }
        return new Step(this, schemas(), step, clock);
    }

    private void prepareStep(Map<String, Long> clock) {
        checkUsable();
        if (!state.started()) {
            refresh();
        }
        if (!state.started()) {
            throw new IllegalStateException("run " + runId + " has not started: call start first");
        }
        if (state.ended()) {
            throw new IllegalStateException("run " + runId + " has ended");
        }
        StateModel model = schemas().model();
        Objects.requireNonNull(clock, "clock");
        for (Map.Entry<String, Long> e : clock.entrySet()) {
            if (!model.clock().contains(e.getKey())) {
                throw new IllegalArgumentException("field 'clock." + e.getKey() + "': kind '" + model.kind()
                        + "' has clock fields " + model.clock());
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("field 'clock." + e.getKey() + "': must not be null");
            }
        }
        for (String field : model.clock()) {
            if (!clock.containsKey(field)) {
                throw new IllegalArgumentException("field 'clock." + field + "' is missing (kind '" + model.kind()
                        + "' has clock fields " + model.clock() + ")");
            }
        }
    }

    StepResult commitStep(Step step) {
        checkUsable();
        long last = state.lastIteration();
        if (step.step() <= last) {
            byte[] digest = step.digest();
            String hex = hex(digest);
            byte[] committed = digests.get(step.step());
            if (committed != null && java.util.Arrays.equals(committed, digest)) {
                return new StepResult(StepResult.Status.ALREADY_COMMITTED, step.step(), hex);
            }
            throw new StepConflictException(workerId, step.step(), committed == null ? "" : hex(committed), hex,
                    last + 1);
        }
        if (step.step() != last + 1) {
            throw new IllegalArgumentException("field 'step': steps go one at a time: next is " + (last + 1));
        }
        Map<String, Long> clock = step.clock();
        Long vd = clock.get("virtual_date");
        int virtualDate = vd != null && vd >= Integer.MIN_VALUE && vd <= Integer.MAX_VALUE ? vd.intValue() : 0;
        long first = nextSequence;
        long sequence = first;
        byte[] digest;
        DeltaEncoder direct = deltaEncoder();
        begin();
        try {
            for (Step.Change c : step.changes()) {
                byte[] item = c.item();
                if (direct != null && (item == null || item.length <= Contracts.ITEM_PART_BYTES)) {
                    send(Contracts.DELTAS_TOPIC, deltaPartition, direct.encode(sequence++, step.step(), c.entityId(),
                            c.collection(), c.op(), c.fields(), item, 0, item == null ? 0 : item.length, 0, 1));
                    continue;
                }
                // An item larger than a record should be goes as consecutive parts (StateDelta.item_part).
                List<ByteBuffer> slices = item == null ? java.util.Collections.singletonList(null)
                        : Contracts.itemSlices(item);
                for (int i = 0; i < slices.size(); i++) {
                    ByteBuffer slice = slices.get(i);
                    int count = slices.size();
                    Object delta = direct != null
                            ? direct.encode(sequence, step.step(), c.entityId(), c.collection(), c.op(), c.fields(),
                                    item, slice.arrayOffset() + slice.position(), slice.remaining(), i, count)
                            : new StateDelta(runId, workerId, sequence, step.step(), 0, null, c.entityId(),
                                    c.collection(), c.op(), c.fields(), null, slice,
                                    count == 1 ? null : new dev.simsnap.schema.delta.ItemPart(i, count));
                    sequence++;
                    send(Contracts.DELTAS_TOPIC, deltaPartition, delta);
                }
            }
            // Hashed while the producer's I/O thread already ships the deltas, not before the first send.
            digest = step.digest();
            send(Contracts.DELTAS_TOPIC, deltaPartition, new IterationCommitted(runId, workerId, step.step(),
                    virtualDate, (int) (sequence - first), sequence - 1, new java.util.HashMap<>(clock),
                    ByteBuffer.wrap(digest)));
        } catch (RuntimeException e) {
            abortQuietly();
            throw e;
        }
        commitOrThrow();
        nextSequence = sequence;
        digests.put(step.step(), digest);
        stats.iterationCommitted();
        state = new RunState(state.started(), state.kind(), state.expectedWorkers(), state.ended(), step.step(),
                sequence - 1);
        return new StepResult(StepResult.Status.COMMITTED, step.step(), hex(digest));
    }

    /**
     * Saves generation {@code generation} of a generations collection in one transaction: GenerationChunk v2
     * records (the members Confluent-framed, each with its registered schema version, at most 256 KiB of items
     * per chunk), then GenerationSealed. Saving a generation again makes a new version of it.
     *
     * @param step the worker's step the generation belongs to (null for none)
     * @return the number of chunks
     */
    public int saveGeneration(String collection, long generation, List<GenericRecord> members, Long step) {
        checkUsable();
        if (!state.started()) {
            refresh();
        }
        CollectionSchemas cs = schemas();
        CollectionSpec spec = cs.spec(collection);
        if (spec.shape() != Shape.GENERATIONS) {
            throw new IllegalArgumentException("collection '" + collection + "' is " + spec.shape().label()
                    + ", not generations: use a step");
        }
        if (generation < 0 || generation > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("field 'generation': must be 0.." + Integer.MAX_VALUE + ", got "
                    + generation);
        }
        List<byte[]> framedMembers = new ArrayList<>(members.size());
        for (int i = 0; i < members.size(); i++) {
            GenericRecord m = members.get(i);
            if (m == null) {
                throw new IllegalArgumentException("field 'members[" + i + "]': must not be null");
            }
            String invalid = AvroValues.firstInvalid(m.getSchema(), m, "members[" + i + "]");
            if (invalid != null) {
                throw new IllegalArgumentException("collection '" + collection + "': " + invalid);
            }
            CollectionSchemas.Writer w = cs.writerFor(collection, m.getSchema());
            byte[] framed = WireFormat.frame(w.id(), ItemCodec.encodeUpsert(w.schema(), m));
            if (framed.length > GenerationChunker.MAX_MEMBER_BYTES) {
                throw new IllegalArgumentException("field 'members[" + i + "]': encodes to " + framed.length
                        + " bytes, more than a record can carry (" + GenerationChunker.MAX_MEMBER_BYTES + ")");
            }
            framedMembers.add(framed);
        }
        List<List<ByteBuffer>> chunks = Contracts.memberChunks(framedMembers);
        int gen = (int) generation;
        transaction(() -> {
            int firstMember = 0;
            for (int i = 0; i < chunks.size(); i++) {
                send(Contracts.GENERATIONS_TOPIC, null, new GenerationChunk(runId, workerId, gen, i, firstMember,
                        List.of(), collection, chunks.get(i)));
                firstMember += chunks.get(i).size();
            }
            send(Contracts.GENERATIONS_TOPIC, null, new GenerationSealed(runId, workerId, gen, members.size(),
                    chunks.size(), null, collection, step));
        });
        stats.generationCommitted();
        return chunks.size();
    }

    /** Registry URL + subject of the envelope subjects already made BACKWARD_TRANSITIVE by this process. */
    private static final java.util.Set<String> ENSURED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * The record schemas of both topics evolve BACKWARD_TRANSITIVE (PROTOCOL.md section 4): their subjects are set
     * to it (once per process and registry) before this worker's serializer registers anything under them.
     */
    private void ensureEnvelopeLevels() {
        String url = config.getProperty(SimsnapConfig.SCHEMA_REGISTRY_URL, "");
        try {
            for (String topic : List.of(Contracts.DELTAS_TOPIC, Contracts.GENERATIONS_TOPIC)) {
                for (Schema record : topic.equals(Contracts.DELTAS_TOPIC) ? Contracts.DELTA_TOPIC_RECORDS
                        : Contracts.GENERATION_TOPIC_RECORDS) {
                    String subject = Contracts.subject(topic, record);
                    if (!ENSURED.contains(url + " " + subject)) {
                        dev.simsnap.registry.client.SubjectLevels.ensure(registry(), subject, "BACKWARD_TRANSITIVE");
                        ENSURED.add(url + " " + subject);
                    }
                }
            }
        } catch (RuntimeException e) {
            if (registry != null) {
                registry.close();
                registry = null;
            }
            throw e;
        }
    }

    private SchemaRegistry registry() {
        if (registry == null) {
            registry = SchemaRegistries.fromConfig(client.registry());
        }
        return registry;
    }

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }

    // ---- used by Iteration -------------------------------------------------------------------------------------

    void sendDelta(StateDelta delta) {
        send(Contracts.DELTAS_TOPIC, deltaPartition, delta);
        nextSequence = delta.getSequence() + 1;
    }

    /** The content digest this worker committed for {@code iteration} (a step), if history holds one. */
    public java.util.Optional<byte[]> committedDigest(long iteration) {
        return java.util.Optional.ofNullable(digests.get(iteration)).map(byte[]::clone);
    }

    void sendCommitted(Object record) {
        send(Contracts.DELTAS_TOPIC, deltaPartition, record);
    }

    void commitIteration(Iteration iteration, long lastSequence) {
        try {
            commitOrThrow();
        } catch (RuntimeException e) {
            nextSequence = iteration.firstSequence();
            open = null;
            throw e;
        }
        open = null;
        if (iteration.contentDigest() != null) {
            digests.put(iteration.iteration(), iteration.contentDigest());
        }
        stats.iterationCommitted();
        state = new RunState(state.started(), state.kind(), state.expectedWorkers(), state.ended(),
                iteration.iteration(), lastSequence);
    }

    void abortIteration(Iteration iteration) {
        nextSequence = iteration.firstSequence(); // aborted deltas never existed for readers
        open = null;
        abortQuietly();
    }

    void flush() {
        producer.flush();
    }

    // ---- transactions ------------------------------------------------------------------------------------------

    private void transaction(Runnable body) {
        begin();
        try {
            body.run();
        } catch (RuntimeException e) {
            abortQuietly();
            throw e;
        }
        commitOrThrow();
    }

    private void begin() {
        try {
            producer.beginTransaction();
        } catch (IllegalStateException e) {
            // Only a transactional call left pending by a timeout gets here (checkUsable replaced such producers).
            replaceProducer = true;
            throw new KafkaException("worker " + workerId + " of run " + runId + ": " + e.getMessage()
                    + " (the producer is replaced on the next call)", e);
        }
    }

    /**
     * Replaces a producer whose transaction state is in doubt: a new instance's {@code initTransactions} fences
     * the old one and completes (commit already recorded) or aborts its transaction; then the run is read back,
     * so this worker's last step, sequence and digests are what Kafka holds.
     */
    private void replaceProducerIfNeeded() {
        if (!replaceProducer) {
            return;
        }
        producer.close(Duration.ZERO);
        producer = newProducer();
        try {
            producer.initTransactions();
            refresh();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO); // closed: still replaced on the next call
            throw e;
        }
        replaceProducer = false;
        nextSequence = state.lastSequence() + 1;
        LOG.info("worker {} of run {}: producer replaced after a timeout; last committed {}, next sequence {}",
                workerId, runId, state.lastIteration(), nextSequence);
    }

    private void commitOrThrow() {
        try {
            producer.commitTransaction(); // flushes; fails if any send of the transaction failed
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                 | UnsupportedVersionException e) {
            broken = e;
            throw e;
        } catch (org.apache.kafka.common.errors.TimeoutException | org.apache.kafka.common.errors.InterruptException
                 | IllegalStateException e) {
            // Committed or not: only the coordinator knows. The next call replaces the producer and reads back.
            replaceProducer = true;
            throw new CommitOutcomeUnknownException(runId, workerId, e);
        } catch (KafkaException e) {
            // Abortable (InvalidProducerEpochException included): aborting tells whether we were fenced.
            RuntimeException fenced = abortAfter(e);
            throw fenced != null ? fenced : e;
        }
    }

    private void abortQuietly() {
        abortAfter(null);
    }

    /** Aborts the open transaction; returns the ProducerFencedException when a newer instance fenced this one. */
    private RuntimeException abortAfter(RuntimeException cause) {
        if (broken != null) {
            return broken;
        }
        try {
            producer.abortTransaction();
            return null;
        } catch (ProducerFencedException e) {
            broken = e;
            if (cause != null) {
                e.addSuppressed(cause);
            }
            LOG.warn("worker {} of run {} was fenced by a newer instance: {}", workerId, runId, e.toString());
            return e;
        } catch (KafkaException | IllegalStateException e) {
            // Not aborted (a timeout, or a call still pending): the producer is replaced before the next transaction.
            replaceProducer = true;
            LOG.warn("aborting the transaction of worker {} of run {} failed: {}", workerId, runId, e.toString());
            return null;
        }
    }

    /**
     * A producer with this worker's settings: keys are the run id's UTF-8, values Avro records or StateDeltas
     * already encoded ({@link WorkerValueSerializer}).
     */
    private KafkaProducer<byte[], Object> newProducer() {
        WorkerValueSerializer serializer = new WorkerValueSerializer(producerProps);
        KafkaProducer<byte[], Object> created = new KafkaProducer<>(producerProps, new ByteArraySerializer(),
                serializer); // a constructor that fails closes the serializers it was given
        values = serializer;
        return created;
    }

    /**
     * The direct encoder of this worker's StateDeltas, or null when it would not write what the value serializer
     * writes. Checked once, on a probe record: the serializer resolves the StateDelta schema id as for any send
     * (registering it, when the serde is configured to), and the encoder is used only when its bytes for the probe
     * are the serializer's.
     *
     * @throws org.apache.kafka.common.errors.SerializationException when the serializer cannot resolve the schema
     */
    private DeltaEncoder deltaEncoder() {
        if (!deltaEncoderChecked) {
            byte[] item = {0, 0, 0, 0, 1, 2, 42};
            List<String> fields = List.of("probe.path", "\u00e9t\u00e9");
            byte[] expected = values.serialize(Contracts.DELTAS_TOPIC, new StateDelta(runId, workerId, 1L, 2L, 0, null,
                    "probe/\u00e9", "probe", Operation.PATCH, fields, null, ByteBuffer.wrap(item), null));
            DeltaEncoder candidate = new DeltaEncoder(WireFormat.unframe(expected).schemaId(), runId, workerId);
            byte[] direct = candidate.encode(1L, 2L, "probe/\u00e9", "probe", Operation.PATCH, fields, item, 0,
                    item.length, 0, 1);
            if (java.util.Arrays.equals(direct, expected)) {
                deltaEncoder = candidate;
            } else {
                LOG.info("worker {} of run {}: StateDeltas go through the value serializer (its configuration writes"
                        + " other bytes than the direct encoding)", workerId, runId);
            }
            deltaEncoderChecked = true;
        }
        return deltaEncoder;
    }

    private void send(String topic, Integer partition, Object value) {
        try {
            producer.send(new ProducerRecord<>(topic, partition, key, value), acked);
        } catch (ProducerFencedException e) {
            broken = e;
            throw e;
        }
    }

    private void checkUsable() {
        if (broken != null) {
            throw new IllegalStateException("worker " + workerId + " of run " + runId
                    + " can no longer publish (fenced by a newer instance?): " + broken, broken);
        }
        if (open != null) {
            throw new IllegalStateException("iteration " + open.iteration() + " is still open");
        }
        replaceProducerIfNeeded();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Builds a {@link SimsnapWorker}; config sources: file &lt; environment &lt; code (later wins). */
    public static final class Builder {
        private Path configFile;
        private Map<String, String> environment = System.getenv();
        private final Properties explicit = new Properties();
        private String runId;
        private String workerId;

        private Builder() {
        }

        /** Properties set in code (any Kafka client property, {@code schema.registry.url}, {@code simsnap.*}). */
        public Builder config(Properties props) {
            props.stringPropertyNames().forEach(k -> explicit.setProperty(k, props.getProperty(k)));
            return this;
        }

        /** Same as {@link #config(Properties)} for a map. */
        public Builder config(Map<String, ?> props) {
            props.forEach((k, v) -> explicit.setProperty(k, String.valueOf(v)));
            return this;
        }

        /** One property. */
        public Builder property(String key, Object value) {
            explicit.setProperty(key, String.valueOf(value));
            return this;
        }

        /** A properties file read first (lowest precedence). */
        public Builder configFile(Path file) {
            this.configFile = file;
            return this;
        }

        /** The environment variables to map (default {@link System#getenv()}); an empty map ignores them. */
        public Builder environment(Map<String, String> env) {
            this.environment = Map.copyOf(env);
            return this;
        }

        /** The run id (validated by {@link RunIds}). */
        public Builder run(String runId) {
            this.runId = runId;
            return this;
        }

        /** The worker id (validated by {@link RunIds}). */
        public Builder worker(String workerId) {
            this.workerId = workerId;
            return this;
        }

        /** The merged configuration this builder would use ({@link ClientConfigSources}' precedence). */
        public Properties resolvedConfig() {
            return ClientConfigSources.resolve(configFile, environment, explicit, Map.of()).toProperties();
        }

        /**
         * Connects, fences earlier instances of the same run and worker, and reads the run back.
         *
         * @throws IllegalArgumentException when the run or worker id is invalid or bootstrap.servers /
         *                                  schema.registry.url is missing
         */
        public SimsnapWorker build() {
            RunIds.require("run id", runId);
            RunIds.require("worker id", workerId);
            Properties all = resolvedConfig();
            ClientConfig resolved = ClientConfig.of(all);
            resolved.bootstrapServers(); // both required: a one-line message naming where to set them
            resolved.registryUrl();
            return new SimsnapWorker(all, runId, workerId);
        }
    }
}
