package dev.simsnap.snapshot.topology;

import static dev.simsnap.schema.delta.EntityType.DOCUMENT;
import static dev.simsnap.schema.delta.EntityType.PERSON;
import static dev.simsnap.schema.delta.Operation.APPEND;
import static dev.simsnap.schema.delta.Operation.UPSERT;
import static dev.simsnap.snapshot.topology.Records.appendJson;
import static dev.simsnap.snapshot.topology.Records.chunk;
import static dev.simsnap.snapshot.topology.Records.delta;
import static dev.simsnap.snapshot.topology.Records.doc;
import static dev.simsnap.snapshot.topology.Records.genotype;
import static dev.simsnap.snapshot.topology.Records.person;
import static dev.simsnap.snapshot.topology.Records.seal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.simsnap.engine.entity.RejectedChange;
import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.registry.client.SchemaRegistry;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.generation.GenerationChunk;
import dev.simsnap.schema.generation.GenerationSealed;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.serde.WireFormat;
import dev.simsnap.snapshot.deadletter.DeadLetterHeaders;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every dead-letter reason the service can give -- the record-level ones of {@link DeadLetterReasons} and the
 * apply-time ones of state-model changes ({@link RejectedChange.Reason}) -- provoked one at a time through the
 * topology, each followed by a good step that must still be applied (the stream goes on). Each case sees exactly
 * one dead letter, with its reason, a detail, the source coordinates and, for a record refused on arrival, the
 * record's own bytes. The last check fails when a reason is added without a case here.
 */
class DeadLetterReasonsTest {

    /** One provocation: what it sends and the single reason it must produce. */
    private record Case(String reason, String what, boolean original, Runnable send) {
    }

    private TopologyHarness h;
    private StateModel model;
    private final Map<String, Integer> ids = new LinkedHashMap<>();
    private final Map<String, Long> sequences = new LinkedHashMap<>();
    private final Map<String, Long> steps = new LinkedHashMap<>();
    /** Deltas of run grid's worker w sent per step above its last committed step (what its next commit declares). */
    private final java.util.TreeMap<Long, Integer> sent = new java.util.TreeMap<>();
    private final Set<String> provoked = new TreeSet<>();
    private byte[] lastSent;
    private long canary;

    @BeforeEach
    void start() throws Exception {
        h = new TopologyHarness();
        model = StateModel.parse(ItemTopologyTest.MODEL, f -> null);
        SchemaRegistry registry = h.registry();
        model.collections().forEach(c -> ids.put(c.name(), registry.register(c.subject(), c.latestSchema().get())));
        // Schemas a wrong producer might frame a change with: another record named Cell whose fields do not
        // resolve to the collection's, a union of records, and a plain string.
        ids.put("alien", registry.register("alien", new Schema.Parser().parse("""
                {"type": "record", "name": "Cell", "fields": [{"name": "infected", "type": "string"}]}""")));
        ids.put("union", registry.register("union", new Schema.Parser().parse("""
                [{"type": "record", "name": "A", "fields": [{"name": "infected", "type": "long"}]},
                 {"type": "record", "name": "B", "fields": [{"name": "other", "type": "long"}]}]""")));
        ids.put("string", registry.register("string", Schema.create(Schema.Type.STRING)));
        h.send("grid", RunStarted.newBuilder().setRunId("grid").setKind("epidemic-grid")
                .setExpectedWorkers(List.of("w")).setModel(model.toJson()).setForkedFrom(null).build());
        h.send("legacy", Records.started("legacy", "w1"));
        upsertStep(cell(0, 0, 1)); // cell 0/0 exists from step 0 on
        assertThat(h.deadLetters()).isEmpty();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @TestFactory
    Stream<DynamicTest> everyReasonIsDeadLetteredAndTheStreamGoesOn() {
        List<Case> cases = cases();
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases) {
            tests.add(dynamicTest(c.reason() + ": " + c.what(), () -> {
                c.send().run();
                List<TestRecord<byte[], byte[]>> dead = h.deadLetters();
                assertThat(dead).extracting(r -> header(r, DeadLetterHeaders.REASON)).as(c.what())
                        .containsExactly(c.reason());
                TestRecord<byte[], byte[]> r = dead.get(0);
                assertThat(header(r, DeadLetterHeaders.DETAIL)).isNotBlank();
                assertThat(header(r, DeadLetterHeaders.ERROR_CLASS)).isNotBlank();
                assertThat(header(r, DeadLetterHeaders.SOURCE_TOPIC)).isIn(Contracts.DELTAS_TOPIC,
                        Contracts.GENERATIONS_TOPIC);
                assertThat(header(r, DeadLetterHeaders.SOURCE_OFFSET)).matches("\\d+");
                if (c.original()) {
                    assertThat(r.value()).as("a record refused on arrival is dead-lettered unchanged")
                            .isEqualTo(lastSent);
                    assertThat(header(r, DeadLetterHeaders.VALUE_FORMAT)).isNull();
                } else if (c.reason().equals(DeadLetterReasons.OUTPUT_TOO_LARGE)) {
                    assertThat(header(r, DeadLetterHeaders.VALUE_FORMAT)).isEqualTo(CurrentState.TOPIC);
                    assertThat(r.value()).as("the record too large to write is not in its dead letter").isNull();
                    assertThat(header(r, DeadLetterHeaders.DETAIL)).startsWith("the current-state record grid|");
                } else {
                    assertThat(header(r, DeadLetterHeaders.VALUE_FORMAT)).isEqualTo("avro-single-object");
                }
                provoked.add(c.reason());
                goesOn();
            }));
        }
        tests.add(dynamicTest("every reason has a case", () -> {
            Set<String> all = new TreeSet<>();
            for (Field f : DeadLetterReasons.class.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                    all.add((String) f.get(null));
                }
            }
            Arrays.stream(RejectedChange.Reason.values()).forEach(r -> all.add(r.code()));
            // A stored entity that does not decode: no record can cause it (UPSERT bodies are checked before they
            // are stored), only a store damaged underneath the engine; EntityOpsTest provokes it directly.
            all.remove(RejectedChange.Reason.CORRUPT_ENTITY.code());
            // The test driver reads every record from partition 0 and the harness configures no partition counts:
            // RunPartitionsTest provokes it.
            all.remove(DeadLetterReasons.WRONG_PARTITION);
            assertThat(provoked).isEqualTo(all);
        }));
        return tests.stream();
    }

    private List<Case> cases() {
        List<Case> c = new ArrayList<>();
        // ---- decoding (any topic) ----
        c.add(new Case(DeadLetterReasons.EMPTY_VALUE, "a record without a value", true,
                () -> raw("grid", new byte[0])));
        c.add(new Case(DeadLetterReasons.BAD_MAGIC_BYTE, "JSON instead of the Confluent framing", true,
                () -> raw("grid", "{\"run_id\": \"grid\"}".getBytes(StandardCharsets.UTF_8))));
        c.add(new Case(DeadLetterReasons.UNKNOWN_SCHEMA_ID, "a schema id the registry never gave", true,
                () -> raw("grid", new byte[] {0, 0x7f, 0x7f, 0x7f, 0x7f, 2, 4})));
        c.add(new Case(DeadLetterReasons.CORRUPT_AVRO, "a commit cut short", true,
                () -> raw("grid", Arrays.copyOf(h.wire(Contracts.DELTAS_TOPIC, commit(99)), 8))));
        c.add(new Case(DeadLetterReasons.UNDECODABLE, "the schema id in a header (Confluent header framing)", true,
                () -> {
                    lastSent = h.wire(Contracts.DELTAS_TOPIC, commit(99));
                    RecordHeaders headers = new RecordHeaders();
                    headers.add(WireFormat.VALUE_SCHEMA_ID_HEADER, new byte[] {0, 0, 0, 1});
                    h.deltas.pipeInput(new TestRecord<>("grid".getBytes(StandardCharsets.UTF_8), lastSent, headers));
                }));
        c.add(new Case(DeadLetterReasons.UNEXPECTED_RECORD_TYPE, "a GenerationSealed on the deltas topic", true,
                () -> record("grid", seal("grid", 0, 0, 0))));
        c.add(new Case(DeadLetterReasons.UNEXPECTED_RECORD_TYPE, "a RunStarted on the generations topic", true,
                () -> generation("grid", Records.started("grid", "w"))));
        // ---- the run's lifecycle ----
        c.add(new Case(DeadLetterReasons.KEY_MISMATCH, "a commit of run grid keyed legacy", true,
                () -> record("legacy", commit(99))));
        c.add(new Case(DeadLetterReasons.RUN_NOT_STARTED, "a commit of a run never started", true,
                () -> record("ghost", Records.commit("ghost", "w", 0))));
        c.add(new Case(DeadLetterReasons.RUN_ALREADY_STARTED, "a second RunStarted for grid", true,
                () -> record("grid", RunStarted.newBuilder().setRunId("grid").setKind("epidemic-grid")
                        .setExpectedWorkers(List.of("w")).setModel(model.toJson()).setForkedFrom(null).build())));
        c.add(new Case(DeadLetterReasons.INVALID_RUN_STARTED, "a RunStarted without workers", true,
                () -> record("nobody", Records.started("nobody"))));
        c.add(new Case(DeadLetterReasons.INVALID_RUN_STARTED, "a RunStarted naming one worker twice", true,
                () -> record("twice", Records.started("twice", "w", "w"))));
        c.add(new Case(DeadLetterReasons.INVALID_RUN_STARTED, "a RunStarted with a model that does not parse", true,
                () -> record("badmodel", RunStarted.newBuilder().setRunId("badmodel").setKind("x")
                        .setExpectedWorkers(List.of("w")).setModel("{\"kind\": \"x\"}").setForkedFrom(null).build())));
        c.add(new Case(DeadLetterReasons.INVALID_RUN_STARTED, "a RunStarted with a run id outside the alphabet", true,
                () -> record("../etc", Records.started("../etc", "w"))));
        c.add(new Case(DeadLetterReasons.UNKNOWN_WORKER, "a commit of a worker the run does not expect", true,
                () -> record("grid", IterationCommitted.newBuilder(commit(99)).setWorkerId("stranger").build())));
        c.add(new Case(DeadLetterReasons.RUN_ENDED, "a RunStarted again after RunEnded", true, () -> {
            h.send("over", Records.started("over", "w1"), Records.commit("over", "w1", 0), Records.ended("over"));
            record("over", Records.started("over", "w1"));
        }));
        c.add(new Case(DeadLetterReasons.RUN_ENDED, "a commit after RunEnded", true,
                () -> record("over", Records.commit("over", "w1", 1))));
        // ---- deltas and commits on arrival ----
        c.add(new Case(DeadLetterReasons.INVALID_DELTA, "a change to a collection the model does not have", true,
                () -> record("grid", change("nowhere", "1", Operation.DELETE, List.of(), null))));
        c.add(new Case(DeadLetterReasons.INVALID_DELTA, "an item that is not Confluent-framed", true,
                () -> record("grid", change("cells", "0/0", Operation.UPSERT, List.of(), new byte[] {1, 2, 3, 4, 5}))));
        c.add(new Case(DeadLetterReasons.TOO_LARGE, "an entity id longer than store and output keys allow", true,
                () -> record("grid", change("cells", "7".repeat(20_000), Operation.DELETE, List.of(), null))));
        c.add(new Case(DeadLetterReasons.INVALID_DELTA, "a legacy PATCH naming no field", true,
                () -> record("legacy", delta("legacy", "w1", 0, 0, PERSON, "1", Operation.PATCH,
                        person(1, "x", 1.0)).build())));
        c.add(new Case(DeadLetterReasons.STALE_SEQUENCE, "a delta re-sent with an already accepted sequence", true,
                () -> {
                    StateDelta d = upsertCell(next("w"), cell(3, 3, 3));
                    h.send("grid", d);
                    count(d);
                    record("grid", d); // the worker sent it twice: its step's commit declares both
                    long s = next("w");
                    h.send("grid", commit(s));
                    committed(s);
                }));
        c.add(new Case(DeadLetterReasons.LATE_DELTA, "a delta for a step its worker already committed", true,
                () -> record("grid", StateDelta.newBuilder(upsertCell(0, cell(4, 4, 4)))
                        .setSequence(sequences.merge("w", 1L, Long::sum) - 1).build())));
        c.add(new Case(DeadLetterReasons.STALE_COMMIT, "a commit of a step already committed", true,
                () -> record("grid", commit(0))));
        c.add(new Case(DeadLetterReasons.STALE_COMMIT, "a commit of a negative step", true,
                () -> record("grid", commit(-5))));
        c.add(new Case(DeadLetterReasons.DELTA_COUNT_MISMATCH, "a commit declaring a delta its step never sent",
                true, () -> {
                    IterationCommitted truth = commit(next("w"));
                    record("grid", IterationCommitted.newBuilder(truth).setDeltaCount(truth.getDeltaCount() + 1)
                            .build());
                }));
        c.add(new Case(DeadLetterReasons.TOO_FAR_AHEAD, "a worker's commit with "
                + dev.simsnap.snapshot.delta.DeltaLog.MAX_PENDING_STEPS + " of its steps already waiting for the"
                + " other worker", true, () -> {
                    h.send("ahead", RunStarted.newBuilder().setRunId("ahead").setKind("epidemic-grid")
                            .setExpectedWorkers(List.of("fast", "slow")).setModel(model.toJson())
                            .setForkedFrom(null).build());
                    int limit = dev.simsnap.snapshot.delta.DeltaLog.MAX_PENDING_STEPS;
                    for (int step = 0; step <= limit; step++) {
                        IterationCommitted commit = IterationCommitted.newBuilder().setRunId("ahead")
                                .setWorkerId("fast").setIteration(step).setDeltaCount(0).setLastSequence(-1)
                                .setClock(Map.of("day", (long) step)).build();
                        if (step < limit) {
                            h.send("ahead", commit);
                        } else {
                            record("ahead", commit);
                        }
                    }
                }));
        // ---- legacy apply time ----
        c.add(new Case(DeadLetterReasons.APPEND_TO_NON_LIST, "a legacy document APPEND to a number field", false,
                () -> {
                    long s = next("w1");
                    h.send("legacy",
                            delta("legacy", "w1", seq("w1"), s, DOCUMENT, "d", UPSERT, doc("{\"f\": 1}"))
                                    .setCollection("docs").build(),
                            delta("legacy", "w1", seq("w1"), s, DOCUMENT, "d", APPEND, appendJson("f", "2"))
                                    .setCollection("docs").build(),
                            Records.commit("legacy", "w1", s));
                }));
        // ---- state-model changes, refused when their step is applied ----
        Schema cells = schema("cells");
        c.add(new Case("patch-missing-entity", "PATCH of a cell nobody created", false,
                () -> step(change("cells", "9/9", Operation.PATCH, List.of("infected"),
                        framed("cells", ItemCodec.encodePatch(cells, List.of("infected"), List.of(1L)))))));
        c.add(new Case("append-missing-entity", "APPEND to a cell nobody created", false,
                () -> step(change("cells", "9/9", Operation.APPEND, List.of("history"),
                        framed("cells", ItemCodec.encodeAppend(cells, "history", List.of(1L)))))));
        c.add(new Case("delete-missing-entity", "DELETE of a cell nobody created", false,
                () -> step(change("cells", "9/9", Operation.DELETE, List.of(), null))));
        c.add(new Case("bad-path", "PATCH of a field the cell does not have", false,
                () -> step(change("cells", "0/0", Operation.PATCH, List.of("nope"),
                        framed("cells", ItemCodec.encodePatch(cells, List.of("infected"), List.of(1L)))))));
        c.add(new Case("bad-body", "PATCH whose body is not the value of its path", false,
                () -> step(change("cells", "0/0", Operation.PATCH, List.of("infected"), framed("cells",
                        new byte[0])))));
        c.add(new Case("unknown-schema", "PATCH framed with a schema id the registry does not have", false,
                () -> step(change("cells", "0/0", Operation.PATCH, List.of("infected"),
                        WireFormat.frame(0x7f7f7f, ItemCodec.encodePatch(cells, List.of("infected"),
                                List.of(1L)))))));
        c.add(new Case("schema-not-resolvable", "PATCH written with a schema the stored cell cannot resolve to",
                false, () -> step(change("cells", "0/0", Operation.PATCH, List.of("infected"),
                        WireFormat.frame(ids.get("alien"), ItemCodec.encodePatch(h.registry().getById(ids.get("alien")),
                                List.of("infected"), List.of("many")))))));
        c.add(new Case("bad-change", "PATCH written with a union of records", false,
                () -> step(change("cells", "0/0", Operation.PATCH, List.of("infected"),
                        WireFormat.frame(ids.get("union"), ItemCodec.encodePatch(h.registry().getById(ids.get("union")),
                                List.of("infected"), List.of(1L)))))));
        c.add(new Case("bad-change", "PATCH written with a schema that is not a record", false,
                () -> step(change("cells", "0/0", Operation.PATCH, List.of("infected"),
                        WireFormat.frame(ids.get("string"), new byte[] {2, 'x'})))));
        c.add(new Case("bad-body", "UPSERT whose body does not decode (refused before it is stored, so it can"
                + " never break a later render of the run)", false,
                () -> step(change("cells", "7/7", Operation.UPSERT, List.of(), framed("cells", new byte[] {(byte) 0xff})))));
        // ---- generations ----
        c.add(new Case(DeadLetterReasons.INVALID_GENERATION, "a legacy chunk with a negative index", true,
                () -> generation("legacy", GenerationChunk.newBuilder(chunk("legacy", 0, 0, 0, genotype("A", 20)))
                        .setWorkerId("w1").setChunkIndex(-1).build())));
        c.add(new Case(DeadLetterReasons.INVALID_GENERATION, "a state-model seal whose chunk never came", true,
                () -> generation("grid", GenerationSealed.newBuilder(seal("grid", 0, 1, 1)).setWorkerId("w")
                        .setCollection("cells").build())));
        c.add(new Case(DeadLetterReasons.GENERATION_CONFLICT, "a legacy chunk re-sent with other members", true,
                () -> {
                    generation("legacy", GenerationChunk.newBuilder(chunk("legacy", 1, 0, 0, genotype("A", 20)))
                            .setWorkerId("w1").build());
                    generation("legacy", GenerationChunk.newBuilder(chunk("legacy", 1, 0, 0, genotype("B", 30)))
                            .setWorkerId("w1").build());
                }));
        // ---- output ----
        c.add(new Case(DeadLetterReasons.OUTPUT_TOO_LARGE, "a cell whose JSON (25,000 seven-digit numbers) is over"
                + " what the current-state topic takes: stored, its current-state record not written", false, () -> {
                    List<Long> history = new ArrayList<>();
                    for (long i = 0; i < 25_000; i++) {
                        history.add(1_000_000 + i);
                    }
                    step(upsertCell(next("w"), cell(5, 5, 5)), change("cells", "5/5", Operation.APPEND,
                            List.of("history"), framed("cells", ItemCodec.encodeAppend(cells, "history", history))));
                    String stored = new String(h.reader.runState("grid").orElseThrow().layoutFiles()
                            .get("cells.json"), StandardCharsets.UTF_8);
                    assertThat(stored).as("the cell is stored whole").contains("1024999");
                }));
        return c;
    }

    // ---- the good step after each case ----

    /** A good step of run grid (params.beta = a new value) is applied after whatever came before. */
    private void goesOn() {
        canary++;
        GenericRecord params = new GenericData.Record(schema("params"));
        params.put("beta", canary / 1000.0);
        step(change("params", "", Operation.UPSERT, List.of(), framed("params", ItemCodec.encodeUpsert(
                schema("params"), params))));
        assertThat(h.deadLetters()).as("the good step after the case").isEmpty();
        String file = new String(h.reader.runState("grid").orElseThrow().layoutFiles().get("params.json"),
                StandardCharsets.UTF_8);
        assertThat(file).isEqualTo("{\n  \"beta\": " + (canary / 1000.0) + "\n}");
    }

    // ---- records ----

    private Schema schema(String collection) {
        return model.collection(collection).orElseThrow().latestSchema().orElseThrow();
    }

    private GenericRecord cell(long x, long y, long infected) {
        GenericRecord r = new GenericData.Record(schema("cells"));
        r.put("x", x);
        r.put("y", y);
        r.put("infected", infected);
        r.put("history", List.of());
        return r;
    }

    private byte[] framed(String collection, byte[] body) {
        return WireFormat.frame(ids.get(collection), body);
    }

    private long seq(String worker) {
        return sequences.merge(worker, 1L, Long::sum) - 1;
    }

    /** The worker's next step number. */
    private long next(String worker) {
        return steps.getOrDefault(worker, -1L) + 1;
    }

    /** A change of worker w at its next step. */
    private StateDelta change(String collection, String id, Operation op, List<String> paths, byte[] item) {
        return StateDelta.newBuilder().setRunId("grid").setWorkerId("w").setSequence(seq("w")).setIteration(next("w"))
                .setEntityType(null).setEntityId(id).setCollection(collection).setOp(op).setPatchFields(paths)
                .setPayload(null).setItem(item == null ? null : ByteBuffer.wrap(item)).build();
    }

    private StateDelta upsertCell(long step, GenericRecord cell) {
        return StateDelta.newBuilder(change("cells", cell.get("x") + "/" + cell.get("y"), Operation.UPSERT,
                List.of(), framed("cells", ItemCodec.encodeUpsert(schema("cells"), cell)))).setIteration(step).build();
    }

    /**
     * A commit of worker w's {@code step}, declaring the deltas of run grid the test sent for w's steps above its last
     * committed one up to {@code step} (refused ones included: the worker did send them).
     */
    private IterationCommitted commit(long step) {
        int declared = sent.headMap(step, true).values().stream().mapToInt(Integer::intValue).sum();
        return IterationCommitted.newBuilder().setRunId("grid").setWorkerId("w").setIteration(step)
                .setDeltaCount(declared)
                .setLastSequence(sequences.getOrDefault("w", 0L) - 1).setClock(Map.of("day", Math.max(step, 0)))
                .build();
    }

    /** Sends the changes and the commit of worker w's next step. */
    private void step(StateDelta... changes) {
        long s = next("w");
        h.send("grid", changes);
        for (StateDelta d : changes) {
            count(d);
        }
        h.send("grid", commit(s));
        committed(s);
    }

    /** Notes a delta of run grid's worker w sent, for the declared count of the commit of its step. */
    private void count(StateDelta d) {
        if (d.getWorkerId().equals("w") && d.getIteration() > steps.getOrDefault("w", -1L)) {
            sent.merge(d.getIteration(), 1, Integer::sum);
        }
    }

    /** Worker w committed {@code step}: what it sent up to it is declared. */
    private void committed(long step) {
        steps.put("w", step);
        sent.headMap(step, true).clear();
    }

    private void upsertStep(GenericRecord cell) {
        step(new StateDelta[] {upsertCell(next("w"), cell)});
    }

    private void record(String key, org.apache.avro.specific.SpecificRecord value) {
        if (key.equals("grid") && value instanceof StateDelta d && d.getRunId().equals("grid")) {
            count(d);
        }
        raw(key, h.wire(Contracts.DELTAS_TOPIC, value));
    }

    private void raw(String key, byte[] value) {
        lastSent = value;
        h.sendRaw(key, value);
    }

    private void generation(String key, org.apache.avro.specific.SpecificRecord value) {
        lastSent = h.wire(Contracts.GENERATIONS_TOPIC, value);
        h.generations.pipeInput(key.getBytes(StandardCharsets.UTF_8), lastSent);
    }

    private static String header(TestRecord<byte[], byte[]> r, String name) {
        var header = r.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
