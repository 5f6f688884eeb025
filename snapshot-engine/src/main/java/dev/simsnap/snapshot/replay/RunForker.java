package dev.simsnap.snapshot.replay;

import dev.simsnap.snapshot.run.RunMeta;

import dev.simsnap.connection.ClientConfig;
import dev.simsnap.engine.entity.StoredEntity;
import dev.simsnap.model.CollectionSpec;
import dev.simsnap.render.json.JsonFormat;
import dev.simsnap.render.json.JsonWriter;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.ForkOrigin;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.serde.AvroSerializer;
import dev.simsnap.schema.legacy.LegacyKind;
import dev.simsnap.snapshot.delta.ItemStore;
import dev.simsnap.snapshot.delta.LegacyChanges;
import dev.simsnap.snapshot.read.RunState;
import dev.simsnap.snapshot.run.RunInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Forks a run: starts run R2 whose starting state is run R as of iteration N. R2 gets R's kind, expected workers,
 * config and seed, and {@code RunStarted.forked_from = {R, N}}; its first iteration is N itself: the first
 * expected worker publishes one UPSERT per entity of R at N (a v1 run: information, market, persons, stocks,
 * market indexes, documents, as v1 payloads; a state-model run: its items; in one transaction with the RunStarted),
 * and every expected worker commits iteration N with R's virtual date (a state-model run: its clock), so R2's
 * consistent iteration N is R's state at N and its workers continue at N+1. Transactions use the workers' own
 * transactional ids ({@code <prefix><run>-<worker>}, the prefix from the client configuration's
 * {@value ClientConfig#TRANSACTIONAL_ID_PREFIX}), as SimsnapWorker does.
 *
 * <p>A state-model run's generations are part of its state at N: each generation as it was at N (its newest version
 * saved at or before step N) is saved again in R2 by the first worker, in the same transaction as the items, members
 * Confluent-framed with the schema id they were stored with, sealed with step N; so R2's snapshots at N and later
 * hold them, and R2's own saves make new versions on top. A v1 run's generations are not copied (they are not
 * step-indexed: which of them belong to N is not known).
 */
public final class RunForker {

    /** The legacy collections in the order a v1 fork upserts them (v1's: singletons first, documents last). */
    private static final List<String> FORK_ORDER = List.of("information", "market", "person", "stock",
            "market_index", LegacyKind.DOCUMENT);
    private static final JsonWriter DOCUMENT_JSON = JsonWriter.of(JsonFormat.canonicalCompact());

    private final RunReplayer replayer;
    private final ClientConfig client;
    private final String deltasTopic;
    private final String generationsTopic;

    public RunForker(RunReplayer.Settings settings) {
        this.replayer = new RunReplayer(settings);
        this.client = settings.client();
        this.deltasTopic = settings.deltasTopic();
        this.generationsTopic = settings.generationsTopic();
    }

    /** A record and the topic it goes to. */
    private record Out(String topic, SpecificRecord record) {
    }

    /** A fork's outcome: R's state at N (what R2 starts from) and how many entities R2 was given. */
    public record Forked(RunState source, long entities) {
    }

    /**
     * Publishes the fork.
     *
     * @throws ReplayException unknown source run, iteration not reached, invalid or already existing new run id
     */
    public Forked fork(String sourceRun, long iteration, String newRun, Consumer<String> progress) {
        if (!RunIds.isValid(newRun)) {
            throw new ReplayException(ReplayException.Kind.INVALID, "invalid new run id '" + newRun + "'");
        }
        try {
            replayer.replay(newRun, 0, null);
            throw new ReplayException(ReplayException.Kind.INVALID, "run '" + newRun + "' already exists");
        } catch (ReplayException e) {
            if (e.kind() == ReplayException.Kind.OUT_OF_RANGE) {
                throw new ReplayException(ReplayException.Kind.INVALID, "run '" + newRun + "' already exists");
            }
            if (e.kind() != ReplayException.Kind.UNKNOWN_RUN) {
                throw e;
            }
        }
        RunReplayer.Replayed replayed = replayer.replayed(sourceRun, iteration, progress);
        RunReplayer.Result source = replayed.result();
        RunState state = source.state();
        RunInfo info = source.info();
        RunMeta meta = replayed.state().runMeta().orElseThrow();
        if (meta.model() != null) {
            return new Forked(state, forkItems(sourceRun, iteration, newRun, meta, info, replayed));
        }
        int date = meta.consistentVirtualDate() == null ? 0 : meta.consistentVirtualDate();
        List<String> workers = info.expectedWorkers();
        String first = workers.get(0);

        List<SpecificRecord> records = new ArrayList<>();
        records.add(RunStarted.newBuilder().setRunId(newRun).setKind(info.kind()).setExpectedWorkers(workers)
                .setConfig(info.config()).setRandomSeed(info.randomSeed()).setStartedAtMs(System.currentTimeMillis())
                .setForkedFrom(new ForkOrigin(sourceRun, iteration)).build());
        long seq = 0;
        ItemStore items = replayed.state().items(replayed.schemas());
        for (String collection : FORK_ORDER) {
            CollectionSpec c = LegacyKind.model().collection(collection).orElseThrow();
            List<Map.Entry<String, ItemStore.Stored>> rows = new ArrayList<>(items.scan(sourceRun, c.name()));
            rows.sort(Map.Entry.comparingByKey(c.order() == dev.simsnap.model.Order.TEXT
                    ? java.util.Comparator.<String>naturalOrder() : dev.simsnap.model.EntityIds.KEY_ORDER));
            for (Map.Entry<String, ItemStore.Stored> row : rows) {
                LegacyKind.Address a = LegacyKind.address(c, row.getKey());
                StoredEntity entity = row.getValue().entity();
                Object payload = c.name().equals(LegacyKind.DOCUMENT)
                        ? new Document(DOCUMENT_JSON.toText(LegacyChanges.view(items, c.name(), entity)))
                        : LegacyKind.view(c, (GenericRecord) items.decode(entity));
                records.add(StateDelta.newBuilder().setRunId(newRun).setWorkerId(first).setSequence(seq++)
                        .setIteration(iteration).setVirtualDate(date).setEntityType(a.type())
                        .setEntityId(a.entityId()).setCollection(a.collection()).setOp(Operation.UPSERT)
                        .setPayload(payload).build());
            }
        }
        long deltas = seq;
        records.add(new IterationCommitted(newRun, first, iteration, date, (int) deltas, deltas - 1, Map.of(), null));

        publish(newRun, first, deltas(records));
        for (String w : workers.subList(1, workers.size())) {
            publish(newRun, w, deltas(List.of(new IterationCommitted(newRun, w, iteration, date, 0, -1L, Map.of(),
                    null))));
        }
        return new Forked(state, deltas);
    }

    /**
     * A state-model run's fork: R's model, and R's items at N as UPSERTs of the first worker in one step N (each
     * collection in its insertion order, each item with the schema id it was stored with), committed by every worker
     * with R's clock at N.
     */
    private long forkItems(String sourceRun, long iteration, String newRun, RunMeta meta, RunInfo info,
                           RunReplayer.Replayed replayed) {
        dev.simsnap.model.StateModel model = meta.parsedModel();
        dev.simsnap.snapshot.delta.ItemStore items = replayed.state().items(replayed.schemas());
        List<String> workers = info.expectedWorkers();
        String first = workers.get(0);
        Map<String, Long> clock = meta.consistentClock() == null ? Map.of() : meta.consistentClock();
        List<SpecificRecord> records = new ArrayList<>();
        records.add(RunStarted.newBuilder().setRunId(newRun).setKind(info.kind()).setExpectedWorkers(workers)
                .setConfig(info.config()).setRandomSeed(info.randomSeed()).setStartedAtMs(System.currentTimeMillis())
                .setForkedFrom(new ForkOrigin(sourceRun, iteration)).setModel(meta.model()).build());
        dev.simsnap.model.step.StepDigest digest = new dev.simsnap.model.step.StepDigest();
        long seq = 0;
        List<Out> generations = new ArrayList<>();
        for (dev.simsnap.model.CollectionSpec c : model.collections()) {
            if (c.shape() == dev.simsnap.model.Shape.GENERATIONS) {
                if (replayed.generations() != null) {
                    replayed.generations().generations(sourceRun, c.name(), iteration).forEach((g, members) ->
                            generations.addAll(generation(newRun, first, c.name(), g, members, iteration)));
                }
                continue;
            }
            List<Map.Entry<String, dev.simsnap.snapshot.delta.ItemStore.Stored>> rows =
                    new ArrayList<>(items.scan(sourceRun, c.name()));
            rows.sort(java.util.Comparator.comparingLong(e -> e.getValue().position()));
            for (Map.Entry<String, dev.simsnap.snapshot.delta.ItemStore.Stored> e : rows) {
                byte[] item = dev.simsnap.serde.WireFormat.frame(e.getValue().entity().schemaId(),
                        e.getValue().entity().body());
                digest.change(c.name(), e.getKey(), Operation.UPSERT.name(), List.of(), item);
                List<java.nio.ByteBuffer> slices = dev.simsnap.schema.contract.Contracts.itemSlices(item);
                for (int i = 0; i < slices.size(); i++) { // a large item goes in parts, as a worker sends it
                    records.add(StateDelta.newBuilder().setRunId(newRun).setWorkerId(first).setSequence(seq++)
                            .setIteration(iteration).setEntityType(null).setEntityId(e.getKey())
                            .setCollection(c.name()).setOp(Operation.UPSERT).setPatchFields(List.of()).setPayload(null)
                            .setItem(slices.get(i)).setItemPart(slices.size() == 1 ? null
                                    : new dev.simsnap.schema.delta.ItemPart(i, slices.size())).build());
                }
            }
        }
        records.add(IterationCommitted.newBuilder().setRunId(newRun).setWorkerId(first).setIteration(iteration)
                .setDeltaCount((int) seq).setLastSequence(seq - 1).setClock(clock)
                .setContentDigest(java.nio.ByteBuffer.wrap(digest.finish(clock))).build());
        List<Out> firstWorkers = deltas(records);
        firstWorkers.addAll(generations);
        publish(newRun, first, firstWorkers);
        byte[] empty = new dev.simsnap.model.step.StepDigest().finish(clock);
        for (String w : workers.subList(1, workers.size())) {
            publish(newRun, w, deltas(List.of(IterationCommitted.newBuilder().setRunId(newRun).setWorkerId(w)
                    .setIteration(iteration).setDeltaCount(0).setLastSequence(-1L).setClock(clock)
                    .setContentDigest(java.nio.ByteBuffer.wrap(empty)).build())));
        }
        return seq;
    }

    /**
     * One generation saved again in the new run as a worker saves it (GenerationChunk v2 records chunked as
     * {@link dev.simsnap.schema.contract.Contracts#memberChunks} says, then GenerationSealed), with step {@code step}.
     */
    private List<Out> generation(String run, String worker, String collection, long generation,
                                 List<StoredEntity> members, long step) {
        List<List<java.nio.ByteBuffer>> chunks = dev.simsnap.schema.contract.Contracts.memberChunks(members.stream()
                .map(m -> dev.simsnap.serde.WireFormat.frame(m.schemaId(), m.body())).toList());
        List<Out> out = new ArrayList<>();
        int first = 0;
        for (int i = 0; i < chunks.size(); i++) {
            out.add(new Out(generationsTopic, new dev.simsnap.schema.generation.GenerationChunk(run, worker,
                    (int) generation, i, first, List.of(), collection, chunks.get(i))));
            first += chunks.get(i).size();
        }
        out.add(new Out(generationsTopic, new dev.simsnap.schema.generation.GenerationSealed(run, worker,
                (int) generation, members.size(), chunks.size(), null, collection, step)));
        return out;
    }

    private List<Out> deltas(List<SpecificRecord> records) {
        List<Out> out = new ArrayList<>(records.size());
        records.forEach(r -> out.add(new Out(deltasTopic, r)));
        return out;
    }

    private void publish(String run, String worker, List<Out> records) {
        Map<String, Object> props = client.kafka(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, client.transactionalId(run, worker),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        AvroSerializer<SpecificRecord> values = new AvroSerializer<>();
        values.configure(client.registry(), false);
        try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(props, new StringSerializer(), values)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (Out r : records) {
                producer.send(new ProducerRecord<>(r.topic(), run, r.record()));
            }
            producer.commitTransaction();
        }
    }

}
