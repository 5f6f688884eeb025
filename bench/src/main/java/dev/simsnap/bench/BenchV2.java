package dev.simsnap.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.simsnap.engine.entity.SchemaLookup;
import dev.simsnap.engine.entity.StoredEntity;
import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.producer.Step;
import dev.simsnap.render.layout.LayoutRenderer;
import dev.simsnap.render.layout.RunView;
import dev.simsnap.schema.run.RunStatus;
import dev.simsnap.serde.AvroDeserializer;
import dev.simsnap.serde.AvroSerdeConfig;
import dev.simsnap.snapshot.deadletter.DeadLetterStats;
import dev.simsnap.snapshot.read.RunState;
import dev.simsnap.snapshot.replay.RunReplayer;
import dev.simsnap.snapshot.topology.SnapshotTopics;
import dev.simsnap.snapshot.topology.SnapshotTopology;
import dev.simsnap.snapshot.write.SnapshotWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The state-model (v2) path: ingest through the Step API, compaction by the item topology, snapshot by the layout
 * renderer. Workload: the example kind {@code examples/kinds/epidemic-grid} (descriptor + .avsc only), a grid of
 * cells changed by a mix of UPSERT / PATCH / APPEND each step, plus event rows inserted, updated and deleted.
 */
final class BenchV2 {

    /** The copy of the v2 ingest run's bytes (per-step transactions): the raw baseline's target and compaction input. */
    static final String V2_DELTAS = "bench.v2.deltas";
    static final String V2_CURRENT_STATE = "bench.v2.current-state";
    static final String V2_PASS_OUT = "bench.v2.passthrough-out";
    static final String V2_FLOOR_OUT = "bench.v2.floor-out";
    /** The stateful floor's store: as many keys as the workload has cells, one put per offset. */
    private static final int FLOOR_KEYS = 1_600;

    private BenchV2() {
    }

    // ---- workload --------------------------------------------------------------------------------------------------

    enum Kind { UPSERT, PATCH, APPEND, INSERT_ROW, UPDATE_ROW, DELETE_ROW }

    /** One change of a step, built before the clock starts. */
    record Op(Kind kind, String collection, String id, long row, GenericRecord item, Map<String, Object> values,
              String path, List<?> items) {

        void applyTo(Step step) {
            switch (kind) {
                case UPSERT -> step.upsert(collection, item);
                case PATCH -> step.patch(collection, id, values);
                case APPEND -> step.append(collection, id, path, items);
                case INSERT_ROW -> step.insertRow(collection, row, item);
                case UPDATE_ROW -> step.updateRow(collection, row, values);
                case DELETE_ROW -> step.deleteRow(collection, row);
            }
        }
    }

    /** Counts of each kind of change over a workload. */
    static Map<Kind, Long> mix(List<List<Op>> steps) {
        Map<Kind, Long> out = new java.util.EnumMap<>(Kind.class);
        for (List<Op> s : steps) {
            for (Op o : s) {
                out.merge(o.kind(), 1L, Long::sum);
            }
        }
        return out;
    }

    static StateModel epidemic(Path kindDir) {
        if (!Files.isDirectory(kindDir)) {
            throw new IllegalArgumentException("kind folder " + kindDir.toAbsolutePath() + " not found: run from the"
                    + " repository root or pass --kind-dir=examples/kinds/epidemic-grid");
        }
        return StateModel.load(kindDir);
    }

    static Schema schemaOf(StateModel model, String collection) {
        return model.collection(collection).orElseThrow().latestSchema().orElseThrow();
    }

    static GenericRecord cell(Schema schema, int x, int y, long s, long i, long r, List<String> tags) {
        GenericRecord c = new GenericData.Record(schema);
        c.put("x", x);
        c.put("y", y);
        c.put("susceptible", s);
        c.put("infected", i);
        c.put("recovered", r);
        c.put("tags", new ArrayList<>(tags));
        return c;
    }

    static GenericRecord event(Schema schema, long day, int x, int y, String kind, long count) {
        GenericRecord e = new GenericData.Record(schema);
        e.put("day", day);
        e.put("x", x);
        e.put("y", y);
        e.put("kind", kind);
        e.put("count", count);
        return e;
    }

    static GenericRecord params(Schema schema, double beta, int grid) {
        GenericRecord p = new GenericData.Record(schema);
        p.put("beta", beta);
        p.put("gamma", 0.1);
        Schema valueSchema = schema.getField("meta").schema().getValueType();
        GenericRecord v = new GenericData.Record(valueSchema);
        v.put("v", (long) grid);
        GenericRecord name = new GenericData.Record(valueSchema);
        name.put("v", "sir");
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("grid", v);
        meta.put("model", name);
        p.put("meta", meta);
        return p;
    }

    /**
     * Steps 0..{@code steps}: step 0 upserts params and every cell; each later step, for cell index i, by
     * {@code (i + s) % 4}: 0 UPSERT of the whole cell, 1 and 2 PATCH of its three counts, 3 nothing; every 20th
     * cell also gets an APPEND to its tags; 40 event rows are inserted, 10 of the previous step's updated and the
     * rows of step s-10 deleted; every 10th step patches params.beta.
     */
    static List<List<Op>> workload(StateModel model, int grid, int steps) {
        Schema cellSchema = schemaOf(model, "cells");
        Schema eventSchema = schemaOf(model, "events");
        Schema paramsSchema = schemaOf(model, "params");
        int n = grid * grid;
        long[] sus = new long[n];
        long[] inf = new long[n];
        long[] rec = new long[n];
        List<List<String>> tags = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            sus[i] = 1000;
            tags.add(new ArrayList<>());
        }
        int eventsPerStep = 40;
        List<List<Op>> out = new ArrayList<>(steps + 1);
        for (int s = 0; s <= steps; s++) {
            List<Op> ops = new ArrayList<>();
            if (s == 0) {
                ops.add(new Op(Kind.UPSERT, "params", "", 0, params(paramsSchema, 0.3, grid), null, null, null));
            } else if (s % 10 == 0) {
                Map<String, Object> beta = new LinkedHashMap<>();
                beta.put("beta", 0.3 + s / 10000.0);
                ops.add(new Op(Kind.PATCH, "params", "", 0, null, beta, null, null));
            }
            for (int i = 0; i < n; i++) {
                int x = i / grid;
                int y = i % grid;
                String id = x + "/" + y;
                if (s > 0) { // the epidemic moves: deterministic, changes every count
                    long moved = (i * 31L + s * 17L) % 7;
                    long healed = (i * 13L + s * 5L) % 5;
                    moved = Math.min(moved, sus[i]);
                    healed = Math.min(healed, inf[i] + moved);
                    sus[i] -= moved;
                    inf[i] += moved - healed;
                    rec[i] += healed;
                }
                int r = (i + s) % 4;
                if (s == 0 || r == 0) {
                    ops.add(new Op(Kind.UPSERT, "cells", id, 0,
                            cell(cellSchema, x, y, sus[i], inf[i], rec[i], tags.get(i)), null, null, null));
                } else if (r == 1 || r == 2) {
                    Map<String, Object> counts = new LinkedHashMap<>();
                    counts.put("susceptible", sus[i]);
                    counts.put("infected", inf[i]);
                    counts.put("recovered", rec[i]);
                    ops.add(new Op(Kind.PATCH, "cells", id, 0, null, counts, null, null));
                }
                if (s > 0 && (i + s) % 20 == 0) {
                    String tag = "d" + s;
                    tags.get(i).add(tag);
                    ops.add(new Op(Kind.APPEND, "cells", id, 0, null, null, "tags", List.of(tag)));
                }
            }
            for (int k = 0; k < eventsPerStep; k++) {
                int cellIndex = (k * 97 + s * 31) % n;
                ops.add(new Op(Kind.INSERT_ROW, "events", null, s * 1000L + k,
                        event(eventSchema, s, cellIndex / grid, cellIndex % grid, k % 3 == 0 ? "outbreak" : "spread",
                                k + 1), null, null, null));
            }
            if (s > 0) {
                for (int k = 0; k < 10; k++) {
                    Map<String, Object> count = new LinkedHashMap<>();
                    count.put("count", (long) (k + s));
                    ops.add(new Op(Kind.UPDATE_ROW, "events", null, (s - 1) * 1000L + k, null, count, null, null));
                }
            }
            if (s >= 10) {
                for (int k = 0; k < eventsPerStep; k++) {
                    ops.add(new Op(Kind.DELETE_ROW, "events", null, (s - 10) * 1000L + k, null, null, null, null));
                }
            }
            out.add(ops);
        }
        return out;
    }

    // ---- ingest v2 -------------------------------------------------------------------------------------------------

    /**
     * Ingest through {@code SimsnapWorker.start(RunDefinition)} / {@code beginStep} / {@code Step} / {@code commit}
     * (one transaction per step) vs a raw transactional producer sending the same bytes with the same transactions.
     * Round 1's raw copy goes to {@link #V2_DELTAS}, the compaction input.
     */
    static void ingest(Properties config, Path kindDir, int grid, int steps, int rounds) throws Exception {
        StateModel model = epidemic(kindDir);
        long t0 = System.nanoTime();
        List<List<Op>> work = workload(model, grid, steps);
        long deltas = work.stream().mapToLong(List::size).sum();
        System.out.printf("[ingest-v2] epidemic-grid %dx%d, %d steps, %d changes %s; workload built in %d ms "
                        + "(excluded)%n", grid, grid, work.size(), deltas, mix(work),
                (System.nanoTime() - t0) / 1_000_000);

        // warm-up of the Step path (class loading, registry ids) on another run
        try (SimsnapWorker w = worker(config, "bench-v2-warmup")) {
            w.start(new RunDefinition(model, List.of("w0"), Map.of(), 1L));
            for (int s = 0; s < Math.min(20, work.size()); s++) {
                Step step = w.beginStep(Map.of("day", (long) s));
                for (Op o : work.get(s)) {
                    o.applyTo(step);
                }
                step.commit();
            }
        }

        double sumRatio = 0;
        for (int round = 1; round <= rounds; round++) {
            String runId = "bench-v2-ingest-" + round;
            long nanos;
            long commitNanos = 0;
            try (SimsnapWorker w = worker(config, runId)) {
                w.start(new RunDefinition(model, List.of("w0"), Map.of("grid", grid + "x" + grid), 7L));
                long start = System.nanoTime();
                for (int s = 0; s < work.size(); s++) {
                    Step step = w.beginStep(Map.of("day", (long) s));
                    for (Op o : work.get(s)) {
                        o.applyTo(step);
                    }
                    long c = System.nanoTime();
                    step.commit();
                    commitNanos += System.nanoTime() - c;
                }
                nanos = System.nanoTime() - start;
                w.endRun(RunStatus.COMPLETED);
            }
            List<List<byte[]>> perStep = readSteps(config, runId);
            long bytes = 0;
            long records = 0;
            for (List<byte[]> l : perStep) {
                for (byte[] b : l) {
                    bytes += b.length + runId.length();
                    records++;
                }
            }
            double secs = nanos / 1e9;
            System.out.printf("[ingest-v2] round %d: Step API %d changes, %d records (%d steps, %.1f MB) in %.2f s "
                            + "(adding changes %.2f s, commit() %.2f s)%n", round, deltas, records, perStep.size(),
                    bytes / 1e6, secs, (nanos - commitNanos) / 1e9, commitNanos / 1e9);
            String topic = round == 1 ? V2_DELTAS : "bench.v2.raw-tx-" + round;
            if (round > 1) { // the broker creates no topic on first use
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                        config.getProperty("bootstrap.servers")))) {
                    dev.simsnap.topic.TopicAdmin.on(admin).partitions(BenchMain.PARTITIONS)
                            .ensure(BenchMain.plainTopic(topic));
                }
            }
            double raw = rawSendTx(config, topic, RunReplayer.partitionOf(runId, BenchMain.PARTITIONS),
                    runId.getBytes(StandardCharsets.UTF_8), perStep);
            double ratio = raw / secs;
            sumRatio += ratio;
            double mb = bytes / 1e6;
            BenchMain.row("1a-v2" + (rounds > 1 ? " r" + round : ""),
                    "ingest v2, epidemic-grid " + grid + "x" + grid + ", " + work.size() + " steps, " + deltas
                            + " changes (" + records + " records, " + BenchMain.fmt2(mb) + " MB): Step API, 1 tx/step"
                            + " vs raw KafkaProducer byte[] same bytes, 1 tx/step",
                    BenchMain.fmt(deltas / secs) + " changes/s, " + BenchMain.fmt2(mb / secs) + " MB/s ("
                            + BenchMain.fmt2(secs) + " s)",
                    BenchMain.fmt(deltas / raw) + " changes/s, " + BenchMain.fmt2(mb / raw) + " MB/s ("
                            + BenchMain.fmt2(raw) + " s)", BenchMain.fmt2(ratio), ">= 0.8");
        }
        if (rounds > 1) {
            BenchMain.row("1a-v2 mean", "ingest v2, mean ratio of " + rounds + " rounds", "", "",
                    BenchMain.fmt2(sumRatio / rounds), ">= 0.8");
        }
    }

    static SimsnapWorker worker(Properties config, String runId) {
        return SimsnapWorker.builder().environment(Map.of()).config(config).run(runId).worker("w0").build();
    }

    /** The run's records on simsnap.deltas as bytes, grouped per transaction (ending with its IterationCommitted). */
    static List<List<byte[]>> readSteps(Properties config, String runId) {
        int partition = RunReplayer.partitionOf(runId, BenchMain.PARTITIONS);
        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        List<List<byte[]>> out = new ArrayList<>();
        List<byte[]> current = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : BenchMain.readAll(config, BenchMain.DELTAS, partition)) {
            if (!Arrays.equals(r.key(), key)) {
                continue;
            }
            current.add(r.value());
            if (r.value().length > 5 && BenchMain.isIterationCommitted(r.value(), config)) {
                out.add(current);
                current = new ArrayList<>();
            }
        }
        return out; // RunStarted is in the first group; RunEnded (after the last commit) is left out
    }

    /** The raw baseline: same bytes, key and partition, acks=all + idempotence, one transaction per step. */
    static double rawSendTx(Properties config, String topic, int partition, byte[] key, List<List<byte[]>> steps) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getProperty("bootstrap.servers"));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-raw-" + topic);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
            for (int i = 0; i < Math.min(20, steps.size()); i++) { // warm-up to a scratch topic
                producer.beginTransaction();
                for (byte[] v : steps.get(i)) {
                    producer.send(new ProducerRecord<>("bench.warmup", partition, key, v));
                }
                producer.commitTransaction();
            }
            long start = System.nanoTime();
            for (List<byte[]> it : steps) {
                producer.beginTransaction();
                for (byte[] v : it) {
                    producer.send(new ProducerRecord<>(topic, partition, key, v), (m, e) -> {
                    });
                }
                producer.commitTransaction();
            }
            double s = (System.nanoTime() - start) / 1e9;
            System.out.printf("[ingest-v2] raw tx to %s: %.2f s%n", topic, s);
            return s;
        }
    }

    // ---- compaction v2 ---------------------------------------------------------------------------------------------

    /** The v2 topology over {@link #V2_DELTAS} vs a pass-through app over the same topic (before and after). */
    static void compaction(Properties config, Path work) throws Exception {
        String bootstrap = config.getProperty("bootstrap.servers");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, Long> ends = BenchMain.endOffsets(bootstrap, V2_DELTAS);
            long input = ends.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("[compaction-v2] input %s: %d offsets%n", V2_DELTAS, input);
            double passBefore = BenchMain.runStreams(admin, passThrough(), "bench-v2-passthrough", work, bootstrap,
                    ends);
            StreamsBuilder sb = new StreamsBuilder();
            Supplier<Deserializer<?>> values = () -> {
                Map<String, Object> serde = new HashMap<>();
                serde.put("schema.registry.url", config.getProperty("schema.registry.url"));
                serde.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
                AvroDeserializer<?> d = new AvroDeserializer<>();
                d.configure(serde, false);
                return d;
            };
            DeadLetterStats dead = new DeadLetterStats();
            SnapshotTopology.build(sb, new SnapshotTopics(V2_DELTAS, dev.simsnap.schema.contract.Contracts
                    .GENERATIONS_TOPIC, dev.simsnap.schema.contract.Contracts.DEAD_LETTER_TOPIC), values, dead);
            double topo = BenchMain.runStreams(admin, sb.build(), "bench-v2-snapshot", work, bootstrap, ends);
            double floor = BenchMain.runStreams(admin, statefulFloor(), "bench-v2-floor", work, bootstrap, ends);
            double passAfter = BenchMain.runStreams(admin, passThrough(), "bench-v2-passthrough-again", work,
                    bootstrap, ends);
            long currentState = BenchMain.endOffsets(bootstrap, V2_CURRENT_STATE).values().stream()
                    .mapToLong(Long::longValue).sum();
            System.out.printf("[compaction-v2] dead letters %s; %s holds %d offsets%n", dead.snapshot(),
                    V2_CURRENT_STATE, currentState);
            topicBytes(admin, "bench-v2-snapshot-", V2_DELTAS, V2_CURRENT_STATE, V2_PASS_OUT, V2_FLOOR_OUT);
            if (dead.total() > 0) {
                throw new IllegalStateException("the v2 topology dead-lettered " + dead.snapshot()
                        + ": the workload is not what the engine accepts, the figure would be meaningless");
            }
            double pass = (passBefore + passAfter) / 2;
            BenchMain.row("2-v2", "compaction v2 offsets/s, SnapshotTopology (item stores) EOS v2 vs pass-through EOS v2 "
                            + "(1 thread, " + input + " offsets of the v2 ingest run)",
                    BenchMain.fmt(input / topo) + " rec/s (" + BenchMain.fmt2(topo) + " s)",
                    BenchMain.fmt(input / pass) + " rec/s (mean of " + BenchMain.fmt2(passBefore) + " s before and "
                            + BenchMain.fmt2(passAfter) + " s after)", BenchMain.fmt2(pass / topo), ">= 0.5");
            BenchMain.row("2b-v2", "stateful floor offsets/s: per offset one RocksDB put (changelogged, " + FLOOR_KEYS
                            + " keys) and one output record, no decoding, EOS v2 vs pass-through EOS v2 (the least"
                            + " any topology that stores and emits each change does)",
                    BenchMain.fmt(input / floor) + " rec/s (" + BenchMain.fmt2(floor) + " s)",
                    BenchMain.fmt(input / pass) + " rec/s", BenchMain.fmt2(pass / floor), "(info)");
        }
    }

    /** Bytes on the broker per topic (all partitions) for the named topics and those starting with {@code prefix}. */
    static void topicBytes(Admin admin, String prefix, String... topics) throws Exception {
        Map<String, Long> bytes = new TreeMap<>();
        List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList();
        admin.describeLogDirs(brokers).allDescriptions().get().values().forEach(dirs -> dirs.values().forEach(d ->
                d.replicaInfos().forEach((tp, info) -> {
                    if (tp.topic().startsWith(prefix) || List.of(topics).contains(tp.topic())) {
                        bytes.merge(tp.topic(), info.size(), Long::sum);
                    }
                })));
        bytes.forEach((t, b) -> System.out.printf("[compaction-v2] topic %s: %.1f MB%n", t, b / 1e6));
    }

    /**
     * The least a topology that keeps and announces every change can do: per offset, one put into a changelogged
     * RocksDB store (keys cycling over {@link #FLOOR_KEYS}, as the workload's cells) and the value forwarded to
     * {@link #V2_FLOOR_OUT}; nothing decoded, no reads.
     */
    static Topology statefulFloor() {
        StreamsBuilder b = new StreamsBuilder();
        b.addStateStore(org.apache.kafka.streams.state.Stores.keyValueStoreBuilder(
                org.apache.kafka.streams.state.Stores.persistentKeyValueStore("floor-store"), Serdes.Long(),
                Serdes.ByteArray()).withCachingDisabled().withLoggingEnabled(Map.of()));
        b.stream(V2_DELTAS, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .process(() -> new org.apache.kafka.streams.processor.api.Processor<byte[], byte[], byte[], byte[]>() {
                    private org.apache.kafka.streams.processor.api.ProcessorContext<byte[], byte[]> context;
                    private org.apache.kafka.streams.state.KeyValueStore<Long, byte[]> store;

                    @Override
                    public void init(org.apache.kafka.streams.processor.api.ProcessorContext<byte[], byte[]> c) {
                        context = c;
                        store = c.getStateStore("floor-store");
                    }

                    @Override
                    public void process(org.apache.kafka.streams.processor.api.Record<byte[], byte[]> r) {
                        long offset = context.recordMetadata().map(m -> m.offset()).orElse(0L);
                        store.put(offset % FLOOR_KEYS, r.value());
                        context.forward(r);
                    }
                }, "floor-store")
                .to(V2_FLOOR_OUT, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        return b.build();
    }

    static Topology passThrough() {
        StreamsBuilder pb = new StreamsBuilder();
        pb.stream(V2_DELTAS, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(V2_PASS_OUT, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        return pb.build();
    }

    // ---- snapshot v2 -----------------------------------------------------------------------------------------------

    /** An in-memory view: items as the engine stores them (schema id + Avro body). */
    static final class View implements RunView {
        final Map<String, List<Item>> items = new HashMap<>();

        @Override
        public List<Item> items(String collection) {
            return items.getOrDefault(collection, List.of());
        }

        @Override
        public SortedMap<Long, List<StoredEntity>> generations(String collection) {
            return new TreeMap<>();
        }
    }

    /**
     * {@code LayoutRenderer.render} + {@code SnapshotWriter.write} of a grid x grid epidemic (params, cells.json,
     * one file per cell, events.json with {@code events} rows) vs Jackson's pretty writer writing the same content,
     * from plain Java maps and lists built beforehand, to the same file names (no fsync).
     */
    static void snapshot(Path work, Path kindDir, int grid, int events, int tagsPerCell, int reps) throws Exception {
        StateModel model = epidemic(kindDir);
        Schema cellSchema = schemaOf(model, "cells");
        Schema eventSchema = schemaOf(model, "events");
        Schema paramsSchema = schemaOf(model, "params");
        Map<Integer, Schema> ids = Map.of(1, cellSchema, 2, eventSchema, 3, paramsSchema);
        SchemaLookup lookup = ids::get;
        View view = new View();
        // the same content for Jackson: maps and lists as an application would hold them
        Map<String, Object> jParams = new LinkedHashMap<>();
        Map<String, Object> jCells = new LinkedHashMap<>();
        List<Object> jEvents = new ArrayList<>();
        GenericRecord p = params(paramsSchema, 0.3, grid);
        view.items.put("params", List.of(new RunView.Item("", new StoredEntity(3, ItemCodec.encodeUpsert(paramsSchema,
                p)))));
        jParams.put("beta", 0.3);
        jParams.put("gamma", 0.1);
        jParams.put("meta", new LinkedHashMap<>(Map.of("grid", (long) grid, "model", "sir")));
        List<RunView.Item> cells = new ArrayList<>();
        for (int x = 0; x < grid; x++) {
            for (int y = 0; y < grid; y++) {
                int i = x * grid + y;
                List<String> tags = new ArrayList<>();
                for (int t = 0; t < tagsPerCell; t++) {
                    tags.add("d" + (i + t * 7) % 300);
                }
                long s = 1000 - i % 500;
                long inf = i % 97;
                long rec = 1000 - s - inf;
                String id = x + "/" + y;
                cells.add(new RunView.Item(id, new StoredEntity(1, ItemCodec.encodeUpsert(cellSchema,
                        cell(cellSchema, x, y, s, inf, rec, tags)))));
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("x", x);
                c.put("y", y);
                c.put("susceptible", s);
                c.put("infected", inf);
                c.put("recovered", rec);
                c.put("tags", tags);
                jCells.put(id, c);
            }
        }
        view.items.put("cells", cells);
        List<RunView.Item> rows = new ArrayList<>();
        for (int k = 0; k < events; k++) {
            int ci = (k * 97) % (grid * grid);
            String kind = k % 3 == 0 ? "outbreak" : "spread";
            rows.add(new RunView.Item(Long.toString(k + 1), new StoredEntity(2, ItemCodec.encodeUpsert(eventSchema,
                    event(eventSchema, k / 40, ci / grid, ci % grid, kind, k + 1)))));
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("day", (long) (k / 40));
            e.put("x", ci / grid);
            e.put("y", ci % grid);
            e.put("kind", kind);
            e.put("count", (long) (k + 1));
            jEvents.add(e);
        }
        view.items.put("events", rows);
        System.out.printf("[snapshot-v2] epidemic-grid %dx%d cells (%d tags each), %d event rows%n", grid, grid,
                tagsPerCell, events);

        ObjectWriter pretty = new ObjectMapper().writerWithDefaultPrettyPrinter();
        long bestTotal = Long.MAX_VALUE;
        long bestRender = Long.MAX_VALUE;
        long bestWrite = Long.MAX_VALUE;
        long minRender = Long.MAX_VALUE;
        long bestJackson = Long.MAX_VALUE;
        long bestJacksonSync = Long.MAX_VALUE;
        long bytes = 0;
        int files = 0;
        long jacksonBytes = 0;
        try (SnapshotWriter writer = new SnapshotWriter(work.resolve("snap-v2-simsnap"))) {
            for (int r = 0; r < reps + 1; r++) { // round 0 = warm-up
                long t = System.nanoTime();
                LayoutRenderer renderer = new LayoutRenderer(model, lookup); // as the reader does, per snapshot
                SortedMap<String, byte[]> rendered = renderer.render(view);
                long render = System.nanoTime() - t;
                long w0 = System.nanoTime();
                writer.write(RunState.rendered("bench-v2-snapshot", 1, rendered));
                long write = System.nanoTime() - w0;
                long total = System.nanoTime() - t;
                t = System.nanoTime();
                if (!writer.awaitBackgroundDeletes(Duration.ofMinutes(5))) {
                    throw new IllegalStateException("background deletion of the replaced snapshot did not finish");
                }
                long cleanup = System.nanoTime() - t;
                Path jDir = work.resolve("snap-v2-jackson-" + r);
                t = System.nanoTime();
                jacksonWrite(pretty, jDir, jParams, jCells, jEvents);
                long jackson = System.nanoTime() - t;
                Path jsDir = work.resolve("snap-v2-jackson-sync-" + r);
                t = System.nanoTime();
                jacksonWrite(pretty, jsDir, jParams, jCells, jEvents);
                BenchMain.fsyncTree(jsDir);
                long jacksonSync = System.nanoTime() - t;
                if (r > 0) {
                    if (total < bestTotal) { // render and write of the best round, not bests of their own
                        bestTotal = total;
                        bestRender = render;
                        bestWrite = write;
                    }
                    minRender = Math.min(minRender, render);
                    bestJackson = Math.min(bestJackson, jackson);
                    bestJacksonSync = Math.min(bestJacksonSync, jacksonSync);
                }
                bytes = rendered.values().stream().mapToLong(b -> b.length).sum();
                files = rendered.size();
                try (var walk = Files.walk(jDir)) {
                    jacksonBytes = walk.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
                }
                // The Jackson folders stay until the work dir goes (as in the v1 phase): deleting 20,000 files here
                // left their unlinks for the next round's first fsync, which SnapshotWriter.write then paid for.
                System.out.printf("[snapshot-v2] round %d: render %d ms + SnapshotWriter.write %d ms = %d ms "
                                + "(background delete %d ms), jackson %d ms, jackson+fsync %d ms%n", r,
                        render / 1_000_000, write / 1_000_000, total / 1_000_000, cleanup / 1_000_000,
                        jackson / 1_000_000, jacksonSync / 1_000_000);
            }
        }
        BenchMain.row("3-v2", "snapshot v2, epidemic-grid " + grid + "x" + grid + " cells + " + events + " event rows ("
                        + files + " files, " + BenchMain.fmt2(bytes / 1e6) + " MB; Jackson's "
                        + BenchMain.fmt2(jacksonBytes / 1e6) + " MB), best of " + reps,
                BenchMain.ms(bestTotal) + " (render " + BenchMain.ms(bestRender) + " + write "
                        + BenchMain.ms(bestWrite) + "; fastest render " + BenchMain.ms(minRender) + ")",
                BenchMain.ms(bestJackson) + " (Jackson pretty writer, same files, no fsync)",
                BenchMain.fmt2((double) bestTotal / bestJackson) + "x", "<= 2x");
        BenchMain.row("3b-v2", "same snapshot v2 vs Jackson + fsync of every file and directory",
                BenchMain.ms(bestTotal), BenchMain.ms(bestJacksonSync) + " (Jackson + fsync)",
                BenchMain.fmt2((double) bestTotal / bestJacksonSync) + "x", "(info)");
    }

    static void jacksonWrite(ObjectWriter w, Path dir, Map<String, Object> params, Map<String, Object> cells,
                             List<Object> events) throws java.io.IOException {
        Path root = dir.resolve("bench-v2-snapshot");
        Files.createDirectories(root.resolve("cells"));
        w.writeValue(root.resolve("params.json").toFile(), params);
        w.writeValue(root.resolve("cells.json").toFile(), cells);
        for (Object c : cells.values()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) c;
            w.writeValue(root.resolve("cells/" + m.get("x") + "_" + m.get("y") + ".json").toFile(), m);
        }
        w.writeValue(root.resolve("events.json").toFile(), events);
    }
}
