package dev.simsnap.snapshot.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.engine.entity.SchemaLookup;
import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.simulate.EntityChange;
import dev.simsnap.simulate.TradingArenaModel;
import dev.simsnap.snapshot.deadletter.Rejection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A long-lived {@link DeltaLog} keeps caches (run metadata, decoded buffered deltas); these tests check that the
 * caches never change what is stored or reported: the same records (a v1 run: typed entities and documents, so the
 * legacy items) through one long-lived log and through a fresh log per record (nothing cached across records) give
 * identical stores and identical per-iteration changes.
 */
class DeltaLogCacheTest {

    private static final String RUN = "cache-run";
    private static final List<String> WORKERS = List.of("w0", "w1");
    private static List<Object> records;

    /** Everything one path produced. */
    private static final class Outcome {
        final TreeMap<String, String> meta = new TreeMap<>();
        final TreeMap<String, byte[]> heads = new TreeMap<>();
        final TreeMap<String, byte[]> chunks = new TreeMap<>();
        final TreeMap<String, byte[]> buffer = new TreeMap<>();
        final List<String> applied = new ArrayList<>();
        final List<String> rejected = new ArrayList<>();

        DeltaLog log() {
            ItemStore items = new ItemStore(DeltaLog.Kv.of(heads), DeltaLog.Kv.of(chunks), SchemaLookup.legacyOnly());
            return new DeltaLog(DeltaLog.Kv.of(meta), DeltaLog.Kv.of(buffer), items, false,
                    (run, bytes, rejection) -> rejected.add(rejection.reason() + " " + bytes.length),
                    Long.MAX_VALUE, (run, iteration, date, clock, changes) -> applied.add(run + "@" + iteration + " "
                            + date + " " + changes));
        }

        /** The item stores' contents, comparable. */
        Map<String, String> items() {
            Map<String, String> out = new TreeMap<>();
            heads.forEach((k, v) -> out.put(k, java.util.Arrays.toString(v)));
            chunks.forEach((k, v) -> out.put("chunk " + k, java.util.Arrays.toString(v)));
            return out;
        }

        void feed(DeltaLog log, Object record) {
            try {
                log.process(RUN, record);
            } catch (Rejection e) {
                rejected.add(e.reason());
            }
        }
    }

    @BeforeAll
    static void history() {
        TradingArenaModel model = new TradingArenaModel(40, 12, 11);
        records = new ArrayList<>();
        records.add(RunStarted.newBuilder().setRunId(RUN).setKind("trading-arena").setExpectedWorkers(WORKERS)
                .setConfig(Map.of()).build());
        long[] sequence = new long[WORKERS.size()];
        List<Object> w1Pending = new ArrayList<>();
        for (int i = 0; i <= 45; i++) {
            List<List<Object>> perWorker = List.of(new ArrayList<>(), new ArrayList<>());
            for (EntityChange c : model.advance()) {
                int w = TradingArenaModel.ownerOf(c, WORKERS.size());
                perWorker.get(w).add(delta(w, sequence[w]++, i, c.type(), c.entityId(), null, c.op(),
                        c.patchFields(), c.payload()));
            }
            // Documents: upsert, patch, append, a bad append (non-list) and deletes, all on worker 0.
            List<Object> w0 = perWorker.get(0);
            String id = "d" + (i % 4);
            w0.add(delta(0, sequence[0]++, i, EntityType.DOCUMENT, id, "notes", Operation.UPSERT, List.of(),
                    doc("{\"b\":" + i + ",\"a\":{\"z\":1,\"y\":[1.5,\"x\"]},\"text\":\"q\\\"uote\"}")));
            w0.add(delta(0, sequence[0]++, i, EntityType.DOCUMENT, id, "notes", Operation.PATCH,
                    List.of("c", "b"), doc("{\"c\":" + (i * 0.1) + "}")));
            w0.add(delta(0, sequence[0]++, i, EntityType.DOCUMENT, id, "notes", Operation.APPEND, List.of(),
                    new ListAppend("log", List.of(), List.of("{\"i\":" + i + "}", "2.25"))));
            if (i % 9 == 4) {
                w0.add(delta(0, sequence[0]++, i, EntityType.DOCUMENT, id, "notes", Operation.APPEND, List.of(),
                        new ListAppend("text", List.of(), List.of("1"))));
                w0.add(delta(0, sequence[0]++, i, EntityType.DOCUMENT, "d" + ((i + 1) % 4), "notes",
                        Operation.DELETE, List.of(), null));
            }
            records.addAll(w0);
            records.add(commit(0, i));
            // Worker 1 is sometimes a few iterations behind, so one commit applies several iterations at once.
            w1Pending.addAll(perWorker.get(1));
            w1Pending.add(commit(1, i));
            if (i % 5 != 2 && i % 5 != 3) {
                records.addAll(w1Pending);
                w1Pending.clear();
            }
        }
        records.addAll(w1Pending);
    }

    @Test
    void cachesNeverChangeStoresOrReportedChanges() {
        Outcome longLived = new Outcome();
        DeltaLog one = longLived.log();
        Outcome fresh = new Outcome();
        for (Object r : records) {
            longLived.feed(one, r);
            fresh.feed(fresh.log(), r);
        }

        assertThat(longLived.heads).hasSizeGreaterThan(50);
        assertThat(longLived.applied).hasSize(46); // each iteration once, also when one step applies several
        assertThat(longLived.rejected).isNotEmpty().allMatch(r -> r.startsWith("append-to-non-list"));
        assertThat(fresh.meta).isEqualTo(longLived.meta);
        assertThat(fresh.items()).isEqualTo(longLived.items());
        assertThat(fresh.buffer.keySet()).isEqualTo(longLived.buffer.keySet());
        assertThat(fresh.applied).isEqualTo(longLived.applied);
        assertThat(fresh.rejected).isEqualTo(longLived.rejected);
        assertThat(longLived.buffer).isEmpty();
    }

    @Test
    void anUnexpectedFailureEmptiesTheCaches() throws Exception {
        // Control: without the failure, the long-lived log keeps its cached run meta and writes it back.
        assertThat(runWithTamperedStore(false)).doesNotContain("\"kind\":\"reset\"");
        assertThat(runWithTamperedStore(true)).contains("\"kind\":\"reset\"");
    }

    /** Feeds half the history, rewrites the stored run meta behind the log's back, optionally fails, feeds the rest. */
    private static String runWithTamperedStore(boolean fail) throws Exception {
        Outcome o = new Outcome();
        DeltaLog log = o.log();
        int half = records.size() / 2;
        for (Object r : records.subList(0, half)) {
            o.feed(log, r);
        }
        // Another writer changes the stored run meta behind the log's back; only a cache reset makes the log see it.
        o.meta.put(RUN, o.meta.get(RUN).replace("\"kind\":\"trading-arena\"", "\"kind\":\"reset\""));
        // A record without run_id fails inside the log with a NullPointerException (not a Rejection).
        StateDelta broken = delta(0, 1_000_000, 10_000, EntityType.MARKET, "market", null, Operation.DELETE,
                List.of(), null);
        broken.setRunId(null);
        if (fail) {
            assertThat(catchRuntime(() -> log.process(RUN, broken))).isInstanceOf(NullPointerException.class);
        }
        for (Object r : records.subList(half, records.size())) {
            o.feed(log, r);
        }
        return o.meta.get(RUN);
    }

    private static RuntimeException catchRuntime(ThrowingRunnable r) throws Rejection {
        try {
            r.run();
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private interface ThrowingRunnable {
        void run() throws Rejection;
    }

    private static StateDelta delta(int worker, long seq, long iteration, EntityType type, String id,
                                    String collection, Operation op, List<String> fields, Object payload) {
        return new StateDelta(RUN, WORKERS.get(worker), seq, iteration, TradingArenaModel.virtualDate(iteration),
                type, id, collection, op, fields, payload, null, null);
    }

    private static Document doc(String json) {
        return Document.newBuilder().setJson(json).build();
    }

    private static IterationCommitted commit(int worker, long iteration) {
        return IterationCommitted.newBuilder().setRunId(RUN).setWorkerId(WORKERS.get(worker)).setIteration(iteration)
                .setVirtualDate(TradingArenaModel.virtualDate(iteration)).setDeltaCount(0).setLastSequence(-1)
                .build();
    }
}
