package dev.simsnap.snapshot.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.registry.client.SchemaRegistry;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.serde.WireFormat;
import dev.simsnap.snapshot.deadletter.DeadLetterHeaders;
import dev.simsnap.snapshot.store.SnapshotStores;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A kind the engine has never seen, declared only by a descriptor, applied by the topology at consistent steps. */
class ItemTopologyTest {

    static final String MODEL = """
            {"kind": "epidemic-grid", "clock": ["day"],
             "collections": [
               {"name": "cells", "shape": "keyed", "key": ["x", "y"], "schemas": [{"type": "record", "name": "Cell",
                 "fields": [{"name": "x", "type": "long"}, {"name": "y", "type": "long"},
                            {"name": "infected", "type": "long"},
                            {"name": "history", "type": {"type": "array", "items": "long"}}]}]},
               {"name": "params", "shape": "singleton", "schemas": [{"type": "record", "name": "Params",
                 "fields": [{"name": "beta", "type": "double"}]}]},
               {"name": "events", "shape": "rows", "schemas": [{"type": "record", "name": "Event",
                 "fields": [{"name": "day", "type": "long"}, {"name": "kind", "type": "string"}]}]}],
             "layout": [{"path": "params.json", "render": "json", "from": "params"},
                        {"path": "cells.json", "render": "json", "from": "cells", "as": "object", "indent": null},
                        {"path": "cells/{x}_{y}.json", "render": "json-each", "from": "cells", "indent": null},
                        {"path": "events.json", "render": "json", "from": "events", "indent": null}]}""";

    private TopologyHarness h;
    private StateModel model;
    private final Map<String, Integer> ids = new LinkedHashMap<>();
    private final Map<String, Long> sequences = new LinkedHashMap<>();
    /** Deltas made per worker and step, not yet declared by a commit: what the next commit declares. */
    private final Map<String, java.util.TreeMap<Long, Integer>> sent = new LinkedHashMap<>();

    @BeforeEach
    void start() throws Exception {
        h = new TopologyHarness();
        model = StateModel.parse(MODEL, f -> null);
        SchemaRegistry registry = h.registry();
        model.collections().forEach(c -> ids.put(c.name(), registry.register(c.subject(), c.latestSchema().get())));
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private Schema schema(String collection) {
        return model.collection(collection).orElseThrow().latestSchema().orElseThrow();
    }

    private GenericRecord cell(long x, long y, long infected, List<Long> history) {
        GenericRecord r = new GenericData.Record(schema("cells"));
        r.put("x", x);
        r.put("y", y);
        r.put("infected", infected);
        r.put("history", history);
        return r;
    }

    private GenericRecord event(long day, String kind) {
        GenericRecord r = new GenericData.Record(schema("events"));
        r.put("day", day);
        r.put("kind", kind);
        return r;
    }

    private byte[] framed(String collection, byte[] body) {
        return WireFormat.frame(ids.get(collection), body);
    }

    private StateDelta delta(String worker, long step, String collection, String id, Operation op,
                             List<String> paths, byte[] item) {
        long seq = sequences.merge(worker, 1L, Long::sum) - 1;
        sent.computeIfAbsent(worker, w -> new java.util.TreeMap<>()).merge(step, 1, Integer::sum);
        return StateDelta.newBuilder().setRunId("grid").setWorkerId(worker).setSequence(seq).setIteration(step)
                .setEntityType(null).setEntityId(id).setCollection(collection).setOp(op).setPatchFields(paths)
                .setPayload(null).setItem(item == null ? null : ByteBuffer.wrap(item)).build();
    }

    private StateDelta upsert(String worker, long step, String collection, String id, GenericRecord item) {
        return delta(worker, step, collection, id, Operation.UPSERT, List.of(),
                framed(collection, ItemCodec.encodeUpsert(schema(collection), item)));
    }

    /** A commit declaring the deltas made for the worker's steps up to {@code step} since its last commit. */
    private IterationCommitted commit(String worker, long step, long day) {
        var steps = sent.computeIfAbsent(worker, w -> new java.util.TreeMap<>()).headMap(step, true);
        int count = steps.values().stream().mapToInt(Integer::intValue).sum();
        steps.clear();
        return IterationCommitted.newBuilder().setRunId("grid").setWorkerId(worker).setIteration(step)
                .setDeltaCount(count).setLastSequence(sequences.getOrDefault(worker, 0L) - 1)
                .setClock(Map.of("day", day)).build();
    }

    /** The decoded item at {@code collection/id}, or null. Reads the store's bytes without the engine's classes. */
    private Object item(String collection, String id) throws Exception {
        KeyValueStore<String, byte[]> heads = h.driver.getKeyValueStore(SnapshotStores.ITEMS);
        byte[] head = heads.get("grid|" + collection + "|" + id);
        if (head == null) {
            return null;
        }
        assertThat(head[0]).as("an inline head").isEqualTo((byte) 0);
        ByteBuffer b = ByteBuffer.wrap(head, 1, head.length - 1).order(ByteOrder.BIG_ENDIAN);
        b.getLong(); // insertion position
        assertThat(b.get()).as("stored entity format").isEqualTo((byte) 1);
        int schemaId = b.getInt();
        assertThat(schemaId).isEqualTo(ids.get(collection));
        byte[] body = new byte[b.remaining()];
        b.get(body);
        return new GenericDatumReader<>(schema(collection)).read(null, DecoderFactory.get().binaryDecoder(body, null));
    }

    @Test
    void changesApplyAtTheConsistentStepAndBadOnesAreDeadLettered() throws Exception {
        var currentState = h.driver.createOutputTopic(CurrentState.TOPIC, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        RunStarted started = RunStarted.newBuilder().setRunId("grid").setKind("epidemic-grid")
                .setExpectedWorkers(List.of("w0", "w1")).setModel(model.toJson()).setForkedFrom(null).build();
        GenericRecord params = new GenericData.Record(schema("params"));
        params.put("beta", 0.3);
        h.send("grid", started,
                upsert("w0", 0, "cells", "0/0", cell(0, 0, 1, List.of(1L))),
                upsert("w0", 0, "params", "", params),
                upsert("w1", 0, "cells", "1/0", cell(1, 0, 0, List.of())),
                upsert("w1", 0, "events", "1", event(0, "seeded")),
                commit("w0", 0, 0), commit("w1", 0, 0));
        assertThat(item("cells", "0/0")).isEqualTo(cell(0, 0, 1, List.of(1L)));
        assertThat(item("events", "1")).isEqualTo(event(0, "seeded"));

        Schema cells = schema("cells");
        h.send("grid",
                delta("w0", 1, "cells", "0/0", Operation.PATCH, List.of("infected"),
                        framed("cells", ItemCodec.encodePatch(cells, List.of("infected"), List.of(5L)))),
                delta("w0", 1, "cells", "0/0", Operation.APPEND, List.of("history"),
                        framed("cells", ItemCodec.encodeAppend(cells, "history", List.of(5L)))),
                delta("w0", 1, "cells", "9/9", Operation.PATCH, List.of("infected"),
                        framed("cells", ItemCodec.encodePatch(cells, List.of("infected"), List.of(1L)))),
                delta("w0", 1, "nowhere", "1", Operation.DELETE, List.of(), null),
                delta("w1", 1, "events", "1", Operation.DELETE, List.of(), null),
                upsert("w1", 1, "events", "2", event(1, "spread")),
                commit("w0", 1, 1));
        // Only w0 has committed step 1: nothing of it is visible yet.
        assertThat(item("cells", "0/0")).isEqualTo(cell(0, 0, 1, List.of(1L)));
        assertThat(item("events", "1")).isNotNull();
        h.send("grid", commit("w1", 1, 1));
        assertThat(item("cells", "0/0")).isEqualTo(cell(0, 0, 5, List.of(1L, 5L)));
        assertThat(item("events", "1")).isNull();
        assertThat(item("events", "2")).isEqualTo(event(1, "spread"));
        assertThat(item("cells", "9/9")).isNull();
        assertThat(item("params", "")).isEqualTo(params);

        List<String> reasons = new ArrayList<>();
        h.deadLetters().forEach(r -> reasons.add(new String(r.headers().lastHeader(DeadLetterHeaders.REASON).value(),
                StandardCharsets.UTF_8)));
        assertThat(reasons).containsExactlyInAnyOrder("invalid-delta", "patch-missing-entity");

        // The snapshot: the layout's files at the consistent step, each collection in its order.
        var files = h.reader.runState("grid").orElseThrow().layoutFiles();
        Map<String, String> text = new LinkedHashMap<>();
        files.forEach((path, bytes) -> text.put(path, new String(bytes, StandardCharsets.UTF_8)));
        assertThat(text).containsExactly(
                Map.entry("cells.json", "{\"0/0\": {\"x\": 0, \"y\": 0, \"infected\": 5, \"history\": [1, 5]}, "
                        + "\"1/0\": {\"x\": 1, \"y\": 0, \"infected\": 0, \"history\": []}}"),
                Map.entry("cells/0_0.json", "{\"x\": 0, \"y\": 0, \"infected\": 5, \"history\": [1, 5]}"),
                Map.entry("cells/1_0.json", "{\"x\": 1, \"y\": 0, \"infected\": 0, \"history\": []}"),
                Map.entry("events.json", "[{\"day\": 1, \"kind\": \"spread\"}]"),
                Map.entry("params.json", "{\n  \"beta\": 0.3\n}"));

        Map<String, String> latest = new LinkedHashMap<>();
        currentState.readRecordsToList().forEach(r -> latest.put(new String(r.key(), StandardCharsets.UTF_8),
                r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8)));
        assertThat(latest).containsEntry("grid|ITEM|cells|0/0",
                "{\"x\": 0, \"y\": 0, \"infected\": 5, \"history\": [1, 5]}");
        assertThat(latest).containsEntry("grid|ITEM|events|1", null);
        assertThat(latest).containsEntry("grid|ITEM|params|", "{\"beta\": 0.3}");
        // The step marker carries the simulation's clock as committed for the step (virtual_date: the v2 default).
        assertThat(latest).containsEntry("grid|ITERATION",
                "{\"run\":\"grid\",\"iteration\":1,\"virtual_date\":0,\"clock\":{\"day\":1}}");
    }

    @Test
    void anItemOfMillionsOfNumbersIsKeptChunkedAndAnnouncedSmall() throws Exception {
        var currentState = h.driver.createOutputTopic(CurrentState.TOPIC, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        h.send("grid", RunStarted.newBuilder().setRunId("grid").setKind("epidemic-grid")
                .setExpectedWorkers(List.of("w0")).setModel(model.toJson()).setForkedFrom(null).build(),
                upsert("w0", 0, "cells", "0/0", cell(0, 0, 1, List.of())), commit("w0", 0, 0));
        Schema cells = schema("cells");
        List<Long> expected = new ArrayList<>();
        for (int step = 1; step <= 8; step++) {
            List<Long> batch = new ArrayList<>();
            for (int i = 0; i < 100_000; i++) {
                batch.add((long) step * 1_000_000 + i);
            }
            expected.addAll(batch);
            // Each APPEND record stays under Kafka's 1 MB limit; the item grows past it.
            h.send("grid", delta("w0", step, "cells", "0/0", Operation.APPEND, List.of("history"),
                    framed("cells", ItemCodec.encodeAppend(cells, "history", batch))), commit("w0", step, step));
        }
        assertThat(h.deadLetters()).isEmpty();
        KeyValueStore<String, byte[]> heads = h.driver.getKeyValueStore(SnapshotStores.ITEMS);
        byte[] head = heads.get("grid|cells|0/0");
        assertThat(head[0]).as("a chunked head").isEqualTo((byte) 1);
        KeyValueStore<String, byte[]> chunks = h.driver.getKeyValueStore(SnapshotStores.ITEM_CHUNKS);
        int count = 0;
        try (var it = chunks.all()) {
            while (it.hasNext()) {
                assertThat(it.next().value.length).isLessThanOrEqualTo(512 * 1024);
                count++;
            }
        }
        assertThat(count).isGreaterThan(1);
        // The whole item is read back through the engine's own store.
        var items = new dev.simsnap.snapshot.delta.ItemStore(
                dev.simsnap.snapshot.delta.DeltaLog.Kv.of(new java.util.TreeMap<>(toMap(heads))),
                dev.simsnap.snapshot.delta.DeltaLog.Kv.of(new java.util.TreeMap<>(toMap(chunks))),
                dev.simsnap.engine.entity.SchemaLookup.cached(h.registry()));
        GenericRecord whole = (GenericRecord) items.decode(items.get("grid|cells|0/0").entity());
        assertThat((List<?>) whole.get("history")).hasSize(800_000).isEqualTo(expected);
        // Every current-state record stays small.
        currentState.readRecordsToList().forEach(r -> assertThat(r.value() == null ? 0 : r.value().length)
                .isLessThan(dev.simsnap.snapshot.delta.DeltaLog.MAX_CHANGE_JSON + 1024));
    }

    @Test
    void aChangeLargerThanAStoreRecordIsBufferedInChunksAndAppliedWhole() throws Exception {
        h.send("grid", RunStarted.newBuilder().setRunId("grid").setKind("epidemic-grid")
                .setExpectedWorkers(List.of("w0")).setModel(model.toJson()).setForkedFrom(null).build());
        List<Long> history = new ArrayList<>();
        for (long i = 0; i < 250_000; i++) {
            history.add(i * 1_000_003); // up to 6 bytes each as Avro longs: the item is about 1.4 MB
        }
        // One delta over RecordLimits.MAX_STORE_ENTRY: Kafka takes such a record when its topic allows it.
        StateDelta big = upsert("w0", 0, "cells", "0/0", cell(0, 0, 1, history));
        assertThat(big.getItem().remaining()).isGreaterThan(dev.simsnap.snapshot.store.RecordLimits.MAX_STORE_ENTRY);
        h.send("grid", big);
        KeyValueStore<String, byte[]> buffer = h.driver.getKeyValueStore(SnapshotStores.DELTA_BUFFER);
        int values = 0;
        try (var it = buffer.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                assertThat(kv.key.length() + kv.value.length)
                        .isLessThanOrEqualTo(dev.simsnap.snapshot.store.RecordLimits.MAX_STORE_ENTRY);
                values++;
            }
        }
        assertThat(values).as("a head and its chunks").isGreaterThan(2);
        h.send("grid", commit("w0", 0, 0));
        assertThat(h.deadLetters()).isEmpty();
        var items = new dev.simsnap.snapshot.delta.ItemStore(
                dev.simsnap.snapshot.delta.DeltaLog.Kv.of(new java.util.TreeMap<>(toMap(
                        h.driver.getKeyValueStore(SnapshotStores.ITEMS)))),
                dev.simsnap.snapshot.delta.DeltaLog.Kv.of(new java.util.TreeMap<>(toMap(
                        h.driver.getKeyValueStore(SnapshotStores.ITEM_CHUNKS)))),
                dev.simsnap.engine.entity.SchemaLookup.cached(h.registry()));
        GenericRecord whole = (GenericRecord) items.decode(items.get("grid|cells|0/0").entity());
        assertThat((List<?>) whole.get("history")).isEqualTo(history);
        try (var it = buffer.all()) {
            assertThat(it.hasNext()).as("the buffer is empty once applied, chunks included").isFalse();
        }
    }

    private static Map<String, byte[]> toMap(KeyValueStore<String, byte[]> store) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (var it = store.all()) {
            it.forEachRemaining(kv -> out.put(kv.key, kv.value));
        }
        return out;
    }
}
