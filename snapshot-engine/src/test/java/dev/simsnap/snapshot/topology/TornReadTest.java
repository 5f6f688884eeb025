package dev.simsnap.snapshot.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.serde.WireFormat;
import dev.simsnap.snapshot.read.RunStateReader;
import dev.simsnap.snapshot.read.StoreProvider;
import dev.simsnap.snapshot.store.SnapshotStores;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A consistent read that overlaps an apply: the reader lists a collection's keys, then reads each item, and the
 * stream thread changes the stores in between. What the reader then sees (an item listed and gone, a value that no
 * longer joins) is torn, not wrong: it reads again and answers the state after the apply. A failure while nothing
 * changed is the answer.
 */
class TornReadTest {

    private TopologyHarness h;
    private StateModel model;
    private int cellsId;

    @BeforeEach
    void start() throws Exception {
        h = new TopologyHarness();
        model = StateModel.parse(ItemTopologyTest.MODEL, f -> null);
        model.collections().forEach(c -> {
            int id = h.registry().register(c.subject(), c.latestSchema().get());
            if (c.name().equals("cells")) {
                cellsId = id;
            }
        });
        h.send("grid", RunStarted.newBuilder().setRunId("grid").setKind("epidemic-grid")
                .setExpectedWorkers(List.of("w")).setModel(model.toJson()).setForkedFrom(null).build());
        h.send("grid", cell(0, 0, 0, 5), cell(1, 1, 1, 7), IterationCommitted.newBuilder().setRunId("grid")
                .setWorkerId("w").setIteration(0).setDeltaCount(2).setLastSequence(1).setClock(Map.of("day", 0L))
                .build());
        assertThat(h.deadLetters()).isEmpty();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void anItemDeletedBetweenTheScanAndItsReadIsReadAgain() {
        String key = "grid|cells|1/1";
        RunStateReader reader = readerWithApplyOnFirstGet(key, () -> {
            items().delete(key); // the apply of a step deleting cell 1/1
            bumpVersion();
            return null;
        });
        String cells = cellsJson(reader);
        assertThat(cells).contains("\"0/0\"").doesNotContain("\"1/1\"");
    }

    @Test
    void aReadFailingWhileTheRunChangesIsReadAgain() {
        RunStateReader reader = readerWithApplyOnFirstGet("grid|cells|1/1", () -> {
            bumpVersion(); // an apply ran meanwhile, and the reader saw its half-written value
            throw new IllegalStateException("value under key 'grid|cells|1/1': chunk 1 of 2 missing");
        });
        assertThat(cellsJson(reader)).contains("\"0/0\"").contains("\"1/1\"");
    }

    @Test
    void aReadFailingWhileNothingChangesFails() {
        RunStateReader reader = readerWithApplyOnFirstGet("grid|cells|1/1", () -> {
            throw new IllegalStateException("value under key 'grid|cells|1/1': chunk 1 of 2 missing");
        });
        assertThatThrownBy(() -> reader.runState("grid")).hasMessageContaining("chunk 1 of 2 missing");
    }

    /**
     * A reader over the harness's stores whose first {@code get} of {@code key} in the items store runs
     * {@code apply} and answers what it returns (or throws what it throws) instead of the store's value.
     */
    private RunStateReader readerWithApplyOnFirstGet(String key, java.util.concurrent.Callable<Object> apply) {
        boolean[] done = {false};
        StoreProvider stores = name -> {
            ReadOnlyKeyValueStore<String, ?> store = h.driver.getKeyValueStore(name);
            if (!name.equals(SnapshotStores.ITEMS)) {
                return store;
            }
            @SuppressWarnings("unchecked")
            ReadOnlyKeyValueStore<String, Object> wrapped = (ReadOnlyKeyValueStore<String, Object>) Proxy
                    .newProxyInstance(ReadOnlyKeyValueStore.class.getClassLoader(),
                            new Class<?>[] {ReadOnlyKeyValueStore.class}, (proxy, method, args) -> {
                                if (method.getName().equals("get") && key.equals(args[0]) && !done[0]) {
                                    done[0] = true;
                                    return apply.call();
                                }
                                try {
                                    return method.invoke(store, args);
                                } catch (InvocationTargetException e) {
                                    throw e.getCause();
                                }
                            });
            return wrapped;
        };
        return new RunStateReader(stores, dev.simsnap.engine.entity.SchemaLookup.cached(h.registry()));
    }

    private String cellsJson(RunStateReader reader) {
        return new String(reader.runState("grid").orElseThrow().layoutFiles().get("cells.json"),
                StandardCharsets.UTF_8);
    }

    private KeyValueStore<String, byte[]> items() {
        return h.driver.getKeyValueStore(SnapshotStores.ITEMS);
    }

    /** What an apply does to the run's version around its writes (+2), written into the run-meta store. */
    private void bumpVersion() {
        KeyValueStore<String, String> meta = h.driver.getKeyValueStore(SnapshotStores.RUN_META);
        String text = meta.get("grid");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"version\":(\\d+)").matcher(text);
        assertThat(m.find()).isTrue();
        meta.put("grid", m.replaceFirst("\"version\":" + (Long.parseLong(m.group(1)) + 2)));
    }

    private StateDelta cell(long x, long y, long sequence, long infected) {
        Schema schema = model.collection("cells").orElseThrow().latestSchema().orElseThrow();
        GenericRecord r = new GenericData.Record(schema);
        r.put("x", x);
        r.put("y", y);
        r.put("infected", infected);
        r.put("history", List.of());
        return StateDelta.newBuilder().setRunId("grid").setWorkerId("w").setSequence(sequence).setIteration(0)
                .setEntityType(null).setEntityId(x + "/" + y).setCollection("cells").setOp(Operation.UPSERT)
                .setPatchFields(List.of()).setPayload(null)
                .setItem(ByteBuffer.wrap(WireFormat.frame(cellsId, ItemCodec.encodeUpsert(schema, r)))).build();
    }
}
