package dev.simsnap.producer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.Market;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.RunInformation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.delta.Stock;
import dev.simsnap.schema.legacy.LegacyDeltas;
import dev.simsnap.schema.legacy.LegacyKind;
import dev.simsnap.schema.run.IterationCommitted;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/**
 * One iteration of one worker: an open Kafka transaction. Each added delta is checked against the legacy model
 * ({@link LegacyDeltas}, producer rules) — an invalid one throws {@link IllegalArgumentException} naming the field
 * and is not sent — then gets the worker's next sequence number and is sent inside the transaction. {@link #commit()} adds
 * IterationCommitted (delta_count, last_sequence) and commits; {@link #close()} without a successful commit aborts,
 * so read_committed readers see the whole iteration or nothing of it. Not thread-safe.
 */
public final class Iteration implements AutoCloseable {

    private final SimsnapWorker worker;
    private final long iteration;
    private final int virtualDate;
    private final long firstSequence;
    private int deltaCount;
    private boolean finished;
    private final dev.simsnap.model.step.StepDigest digest = new dev.simsnap.model.step.StepDigest();
    private byte[] contentDigest;

    Iteration(SimsnapWorker worker, long iteration, int virtualDate, long firstSequence) {
        this.worker = worker;
        this.iteration = iteration;
        this.virtualDate = virtualDate;
        this.firstSequence = firstSequence;
    }

    /** The iteration number. */
    public long iteration() {
        return iteration;
    }

    /** The virtual date of the iteration. */
    public int virtualDate() {
        return virtualDate;
    }

    /** Deltas sent so far in this iteration. */
    public int deltaCount() {
        return deltaCount;
    }

    long firstSequence() {
        return firstSequence;
    }

    /** UPSERT of a person (entity id = person_id). */
    public Iteration upsert(Person person) {
        return upsert(EntityType.PERSON, String.valueOf(person.getPersonId()), person);
    }

    /** UPSERT of a stock (entity id = stock_id). */
    public Iteration upsert(Stock stock) {
        return upsert(EntityType.STOCK, String.valueOf(stock.getStockId()), stock);
    }

    /** UPSERT of the information singleton. */
    public Iteration upsert(RunInformation information) {
        return upsert(EntityType.INFORMATION, LegacyKind.singletonId(EntityType.INFORMATION), information);
    }

    /** UPSERT of the market singleton. */
    public Iteration upsert(Market market) {
        return upsert(EntityType.MARKET, LegacyKind.singletonId(EntityType.MARKET), market);
    }

    /** UPSERT: replaces entity {@code id} of {@code type} with {@code payload}. */
    public Iteration upsert(EntityType type, String id, SpecificRecord payload) {
        return add(type, id, null, Operation.UPSERT, List.of(), payload);
    }

    /** PATCH: sets only {@code fields} of entity {@code id} to the values they have in {@code payload}. */
    public Iteration patch(EntityType type, String id, SpecificRecord payload, String... fields) {
        return add(type, id, null, Operation.PATCH, Arrays.asList(fields), payload);
    }

    /** DELETE of entity {@code id} of {@code type}. */
    public Iteration delete(EntityType type, String id) {
        return add(type, id, null, Operation.DELETE, List.of(), null);
    }

    /** APPEND: adds {@code numbers} to the end of list field {@code field} of entity {@code id}. */
    public Iteration append(EntityType type, String id, String field, double... numbers) {
        List<Double> items = new ArrayList<>(numbers.length);
        for (double n : numbers) {
            items.add(n);
        }
        return add(type, id, null, Operation.APPEND, List.of(), new ListAppend(field, items, List.of()));
    }

    /** UPSERT of document {@code id} of {@code collection}; {@code json} must be a JSON object. */
    public Iteration upsertDocument(String collection, String id, String json) {
        return add(EntityType.DOCUMENT, id, collection, Operation.UPSERT, List.of(), new Document(json));
    }

    /** PATCH of top-level keys {@code fields} of a document from the JSON object {@code json}. */
    public Iteration patchDocument(String collection, String id, String json, String... fields) {
        return add(EntityType.DOCUMENT, id, collection, Operation.PATCH, Arrays.asList(fields), new Document(json));
    }

    /** DELETE of a document. */
    public Iteration deleteDocument(String collection, String id) {
        return add(EntityType.DOCUMENT, id, collection, Operation.DELETE, List.of(), null);
    }

    /** APPEND of JSON items (each JSON text) to list key {@code field} of a document. */
    public Iteration appendDocument(String collection, String id, String field, String... jsonItems) {
        return add(EntityType.DOCUMENT, id, collection, Operation.APPEND, List.of(),
                new ListAppend(field, List.of(), List.of(jsonItems)));
    }

    /**
     * Adds one delta given as JSON (the gateway's entry), see {@link JsonDeltas#parse} for the shape.
     *
     * @throws IllegalArgumentException naming the field when the JSON does not match the Avro contract
     */
    public Iteration apply(JsonNode delta) {
        JsonDeltas.Parsed d = JsonDeltas.parse(delta);
        return add(d.type(), d.entityId(), d.collection(), d.op(), d.patchFields(), d.payload());
    }

    /** The general form; every other method ends here. */
    public Iteration add(EntityType type, String id, String collection, Operation op, List<String> patchFields,
                         Object payload) {
        checkOpen();
        StateDelta delta = new StateDelta(worker.runId(), worker.workerId(), worker.nextSequence(), iteration,
                virtualDate, type, id, collection, op, patchFields == null ? List.of() : List.copyOf(patchFields),
                payload, null, null);
        LegacyDeltas.check(delta, LegacyDeltas.Rules.PRODUCER);
        worker.sendDelta(delta);
        addToDigest(digest, delta);
        deltaCount++;
        return this;
    }

    /**
     * The content digest of a v1 iteration with these deltas: what a re-sent iteration is recognised by. Each delta
     * counts as its entity type (and collection), id, op, patch fields and the Avro binary of its payload; the
     * virtual date is the clock.
     */
    public static byte[] digestOf(int virtualDate, List<StateDelta> deltas) {
        dev.simsnap.model.step.StepDigest d = new dev.simsnap.model.step.StepDigest();
        deltas.forEach(delta -> addToDigest(d, delta));
        return d.finish(java.util.Map.of("virtual_date", (long) virtualDate));
    }

    private static void addToDigest(dev.simsnap.model.step.StepDigest d, StateDelta delta) {
        String what = delta.getEntityType().name() + (delta.getCollection() == null ? "" : "/" + delta.getCollection());
        byte[] payload = null;
        if (delta.getPayload() instanceof org.apache.avro.specific.SpecificRecord record) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
            try {
                new org.apache.avro.specific.SpecificDatumWriter<Object>(record.getSchema()).write(record, encoder);
                encoder.flush();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            payload = out.toByteArray();
        }
        d.change(what, delta.getEntityId(), delta.getOp().name(), delta.getPatchFields(), payload);
    }

    /** Sends what is buffered to the broker (still uncommitted: invisible to read_committed readers). */
    public void flush() {
        checkOpen();
        worker.flush();
    }

    /**
     * Sends IterationCommitted and commits the transaction.
     *
     * @throws org.apache.kafka.common.KafkaException when the commit fails (the iteration is then aborted, or the
     *                                                worker was fenced and can no longer publish)
     */
    public void commit() {
        checkOpen();
        long lastSequence = worker.nextSequence() - 1;
        finished = true;
        try {
            contentDigest = digest.finish(java.util.Map.of("virtual_date", (long) virtualDate));
            worker.sendCommitted(new IterationCommitted(worker.runId(), worker.workerId(), iteration, virtualDate,
                    deltaCount, lastSequence, java.util.Map.of(), java.nio.ByteBuffer.wrap(contentDigest)));
        } catch (RuntimeException e) {
            worker.abortIteration(this);
            throw e;
        }
        worker.commitIteration(this, lastSequence);
    }

    /** The content digest sent with the commit (null before {@link #commit()}). */
    byte[] contentDigest() {
        return contentDigest;
    }

    /** Aborts the transaction unless {@link #commit()} was called. */
    @Override
    public void close() {
        if (!finished) {
            finished = true;
            worker.abortIteration(this);
        }
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("iteration " + iteration + " is already committed or aborted");
        }
    }
}
