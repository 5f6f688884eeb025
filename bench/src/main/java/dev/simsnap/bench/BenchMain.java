package dev.simsnap.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.devstack.EmbeddedKafkaBroker;
import dev.simsnap.producer.Iteration;
import dev.simsnap.producer.RunSpec;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.engine.entity.SchemaLookup;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.delta.Stock;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.schema.run.RunStatus;
import dev.simsnap.serde.AvroDeserializer;
import dev.simsnap.serde.AvroSerdeConfig;
import dev.simsnap.simulate.EntityChange;
import dev.simsnap.simulate.TradingArenaModel;
import dev.simsnap.simulate.TradingArenaSimulation;
import dev.simsnap.snapshot.deadletter.DeadLetterStats;
import dev.simsnap.snapshot.deadletter.Rejection;
import dev.simsnap.snapshot.delta.DeltaLog;
import dev.simsnap.snapshot.read.RunState;
import dev.simsnap.snapshot.replay.ReplayState;
import dev.simsnap.snapshot.replay.RunReplayer;
import dev.simsnap.snapshot.topology.SnapshotTopics;
import dev.simsnap.snapshot.topology.SnapshotTopology;
import dev.simsnap.snapshot.write.SnapshotWriter;
import dev.simsnap.topic.SimsnapTopics;
import dev.simsnap.topic.TopicAdmin;
import dev.simsnap.topic.TopicSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * All simsnap benchmarks in one JVM against one embedded broker + registry; each figure next to a baseline measured
 * in the same run. Usage:
 * {@code BenchMain [--quick] [--skip-jmh] [--keep] [--only=PHASE,...] [--kind-dir=DIR] [--v2-rounds=N] [--v2-steps=N]} with
 * phases {@code ingest,compaction,snapshot,replay,observer,serde} (v1: typed StateDelta v1, JSON entity stores),
 * {@code ingest-v2,compaction-v2,snapshot-v2} (state models: the example epidemic-grid kind from {@code DIR},
 * default {@code examples/kinds/epidemic-grid}), or {@code v1} / {@code v2} for each group.
 * Figures are numbered as in the benchmark issue: 1 ingest, 2 compaction, 3 snapshot, 4 replay, 5 observer latency,
 * 6 storage, 7 serde; the v2 ones carry a {@code -v2} suffix.
 */
public final class BenchMain {

    static final String DELTAS = "simsnap.deltas";
    static final int PARTITIONS = 6;

    /** A benchmark-only topic: no configs, the deployment's partitions, replication by the rule. */
    static TopicSpec plainTopic(String name) {
        return TopicSpec.builder(name).purpose("benchmark baseline").build();
    }
    static final List<String[]> TABLE = new ArrayList<>();

    private BenchMain() {
    }

    /** Phases: the v1 ones (legacy typed deltas) and the state-model (v2) ones. */
    static final List<String> V1_PHASES = List.of("snapshot", "ingest", "compaction", "replay", "observer", "serde");
    static final List<String> V2_PHASES = List.of("ingest-v2", "compaction-v2", "snapshot-v2");

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        boolean jmh = !List.of(args).contains("--skip-jmh");
        java.util.Set<String> only = new java.util.LinkedHashSet<>();
        Path kindDir = Path.of("examples/kinds/epidemic-grid");
        int v2Rounds = quick ? 1 : 2;
        Integer v2StepsArg = null;
        for (String a : args) {
            if (a.startsWith("--only=")) {
                for (String phase : a.substring(7).split(",")) {
                    if (phase.isBlank()) {
                        continue;
                    }
                    if (phase.equals("v1") || phase.equals("v2")) {
                        only.addAll(phase.equals("v1") ? V1_PHASES : V2_PHASES);
                    } else if (V1_PHASES.contains(phase) || V2_PHASES.contains(phase)) {
                        only.add(phase);
                    } else {
                        throw new IllegalArgumentException("unknown phase '" + phase + "': one of " + V1_PHASES
                                + ", " + V2_PHASES + ", v1, v2");
                    }
                }
            } else if (a.startsWith("--kind-dir=")) {
                kindDir = Path.of(a.substring("--kind-dir=".length()));
            } else if (a.startsWith("--v2-steps=")) {
                v2StepsArg = Integer.parseInt(a.substring("--v2-steps=".length()));
            } else if (a.startsWith("--v2-rounds=")) {
                v2Rounds = Integer.parseInt(a.substring("--v2-rounds=".length()));
            }
        }
        if (only.isEmpty()) {
            only.addAll(V1_PHASES);
            only.addAll(V2_PHASES);
        }
        if (only.contains("compaction-v2")) {
            only.add("ingest-v2"); // its input is the v2 ingest run
        }
        Path work = Files.createTempDirectory("simsnap-bench");
        System.out.printf("simsnap bench: mode=%s phases=%s work=%s cores=%d maxHeap=%dMB%n", quick ? "quick" : "full",
                only, work, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
        // Workload sizes.
        int ingestAgents = 1000;
        int ingestStocks = 100;
        int ingestIterations = quick ? 200 : 300;
        int replayIterations = quick ? 2000 : 10_000;
        int snapAgents = 10_000;
        int snapStocks = 1_000;
        int snapPrices = 1_000;
        int v2Grid = 40; // 1,600 cells: about 1,370 changes per step
        int v2Steps = v2StepsArg != null ? v2StepsArg : quick ? 200 : 300;
        int v2SnapGrid = 100; // 10,000 cells, one file each
        int v2SnapEvents = 20_000;

        if (only.contains("snapshot")) {
            snapshot(work, snapAgents, snapStocks, snapPrices, quick ? 3 : 5);
        }
        if (only.contains("snapshot-v2")) {
            BenchV2.snapshot(work, kindDir, v2SnapGrid, v2SnapEvents, 8, quick ? 3 : 5);
        }
        java.util.Set<String> needBroker = new java.util.HashSet<>(only);
        needBroker.removeAll(List.of("snapshot", "serde", "snapshot-v2"));
        if (!needBroker.isEmpty()) {
            try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(work.resolve("kafka")).start();
                 SchemaRegistryServer registry = SchemaRegistryServer.builder(broker.bootstrapServers()).port(0)
                         .build().start()) {
                Properties config = new Properties();
                config.put("bootstrap.servers", broker.bootstrapServers());
                config.put("schema.registry.url", registry.url());
                config.put("simsnap.topic.partitions", String.valueOf(PARTITIONS));
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                        broker.bootstrapServers()))) {
                    // simsnap's own topics by their specs; the baselines' topics are plain (no configs).
                    TopicAdmin.on(admin).partitions(PARTITIONS).ensure(List.of(SimsnapTopics.DEAD_LETTER,
                            plainTopic("bench.raw-tx"), plainTopic("bench.raw-nontx"),
                            plainTopic("bench.passthrough-out"), plainTopic("bench.warmup"),
                            SimsnapTopics.DELTAS.withName(BenchV2.V2_DELTAS),
                            SimsnapTopics.CURRENT_STATE.withName(BenchV2.V2_CURRENT_STATE),
                            plainTopic(BenchV2.V2_PASS_OUT), plainTopic(BenchV2.V2_FLOOR_OUT)));
                }
                String ingestRun = "bench-ingest";
                if (only.contains("ingest") || only.contains("compaction")) {
                    ingest(config, ingestRun, ingestAgents, ingestStocks, ingestIterations);
                }
                if (only.contains("compaction")) {
                    compaction(config, work, ingestRun);
                }
                if (only.contains("ingest-v2")) {
                    BenchV2.ingest(config, kindDir, v2Grid, v2Steps, v2Rounds);
                }
                if (only.contains("compaction-v2")) {
                    BenchV2.compaction(config, work);
                }
                if (only.contains("replay")) {
                    replay(config, replayIterations);
                }
                if (only.contains("observer")) {
                    // 5: at the service's default commit interval, then at the 20 ms LiveEventsTest uses.
                    ObserverBench.run(config, work, ObserverBench.Load.of(quick), null, 20);
                }
            }
        }
        if (jmh && only.contains("serde")) {
            serde(quick);
        }
        System.out.println();
        System.out.println("| # | figure | simsnap | baseline | ratio | target |");
        System.out.println("|---|---|---|---|---|---|");
        for (String[] row : TABLE) {
            System.out.println("| " + String.join(" | ", row) + " |");
        }
        if (!List.of(args).contains("--keep")) {
            deleteTree(work); // a full run leaves about 1 GB of broker logs and state
        }
        System.exit(0); // Streams / broker threads must not keep the JVM alive
    }

    /** Deletes {@code root} and everything below it, best effort. */
    static void deleteTree(Path root) {
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            System.err.println("could not delete " + root + ": " + e);
        }
    }

    static void row(String n, String figure, String simsnap, String baseline, String ratio, String target) {
        TABLE.add(new String[] {n, figure, simsnap, baseline, ratio, target});
        System.out.printf("  -> %s %s: simsnap %s | baseline %s | ratio %s (target %s)%n", n, figure, simsnap,
                baseline, ratio, target);
    }

    // ---- 1. ingest + 6. storage ----------------------------------------------------------------------------------

    static void ingest(Properties config, String runId, int agents, int stocks, int iterations) throws Exception {
        System.out.printf("[ingest] trading arena agents=%d stocks=%d iterations=%d%n", agents, stocks, iterations);
        TradingArenaModel model = new TradingArenaModel(agents, stocks, 7);
        List<List<EntityChange>> changes = new ArrayList<>();
        long seedJsonBytes = 0;
        int seedSamples = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i <= iterations; i++) {
            changes.add(model.advance());
            if (i % 20 == 0 || i == iterations) { // 6. the seed's approach: whole save folder as JSON per iteration
                seedJsonBytes += seedFolderBytes(model, runId);
                seedSamples++;
            }
        }
        System.out.printf("[ingest] model precomputed in %d ms (excluded)%n", (System.nanoTime() - t0) / 1_000_000);

        // Warm-up of the simsnap path (class loading, registry ids) on another run.
        try (SimsnapWorker w = SimsnapWorker.builder().config(config).run("bench-warmup").worker("w0").build()) {
            w.startRun(new RunSpec("trading-arena", List.of("w0"), Map.of(), 1L));
            for (int i = 0; i < Math.min(20, changes.size()); i++) {
                try (Iteration it = w.beginIteration(i, TradingArenaModel.virtualDate(i))) {
                    for (EntityChange c : changes.get(i)) {
                        c.applyTo(it);
                    }
                    it.commit();
                }
            }
        }

        long deltas = 0;
        long simsnapNanos;
        long statsBytes;
        long statsRecords;
        try (SimsnapWorker w = SimsnapWorker.builder().config(config).run(runId).worker("w0").build()) {
            w.startRun(new RunSpec("trading-arena", List.of("w0"), Map.of(), 7L));
            long start = System.nanoTime();
            for (int i = 0; i <= iterations; i++) {
                try (Iteration it = w.beginIteration(i, TradingArenaModel.virtualDate(i))) {
                    for (EntityChange c : changes.get(i)) {
                        c.applyTo(it);
                    }
                    deltas += changes.get(i).size();
                    it.commit();
                }
            }
            simsnapNanos = System.nanoTime() - start;
            w.endRun(RunStatus.COMPLETED);
            statsBytes = w.stats().bytes();
            statsRecords = w.stats().records();
        }

        // Read the run back as bytes, grouped per transaction (iteration), to replay the same sizes raw.
        int partition = RunReplayer.partitionOf(runId, PARTITIONS);
        List<List<byte[]>> perIteration = new ArrayList<>();
        List<byte[]> current = new ArrayList<>();
        long iterationBytes = 0;
        long iterationRecords = 0;
        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        for (ConsumerRecord<byte[], byte[]> r : readAll(config, DELTAS, partition)) {
            if (!java.util.Arrays.equals(r.key(), key)) {
                continue;
            }
            current.add(r.value());
            iterationBytes += r.value().length + r.key().length;
            iterationRecords++;
            if (r.value().length > 5 && isIterationCommitted(r.value(), config)) {
                perIteration.add(current);
                current = new ArrayList<>();
            }
        }
        long payloadBytes = 0;
        long recs = 0;
        for (List<byte[]> l : perIteration) {
            for (byte[] b : l) {
                payloadBytes += b.length + key.length;
                recs++;
            }
        }
        double secs = simsnapNanos / 1e9;
        System.out.printf("[ingest] simsnap: %d deltas, %d records, %d iterations in %.2f s (stats: %d records, %d bytes)%n",
                deltas, recs, perIteration.size(), secs, statsRecords, statsBytes);

        // Raw baselines: same bytes, same key, same partition, acks=all + idempotence, default batching.
        double rawTx = rawSend(config, "bench.raw-tx", partition, key, perIteration, true);
        double rawNonTx = rawSend(config, "bench.raw-nontx", partition, key, perIteration, false);
        double mb = payloadBytes / 1e6;
        row("1a", "ingest deltas/s (Avro, 1 tx/iteration) vs raw KafkaProducer byte[] tx/iteration",
                fmt(deltas / secs) + " deltas/s, " + fmt2(mb / secs) + " MB/s",
                fmt(deltas / rawTx) + " deltas/s, " + fmt2(mb / rawTx) + " MB/s", fmt2(rawTx / secs), ">= 0.8");
        row("1b", "ingest vs raw KafkaProducer byte[] non-transactional (one flush at end)",
                fmt(deltas / secs) + " deltas/s", fmt(deltas / rawNonTx) + " deltas/s, " + fmt2(mb / rawNonTx)
                        + " MB/s", fmt2(rawNonTx / secs), "(info)");
        double simsnapPerIt = payloadBytes / (double) perIteration.size();
        double seedPerIt = seedJsonBytes / (double) seedSamples;
        row("6", "storage bytes/iteration (trading arena " + agents + "x" + stocks + "; key+value of all records)",
                fmt(simsnapPerIt) + " B", fmt(seedPerIt) + " B (whole seed folder JSON, sampled every 20 it.)",
                String.format("%.4f", simsnapPerIt / seedPerIt), "(lower is better)");
    }

    static AvroDeserializer<org.apache.avro.generic.IndexedRecord> probe;

    static boolean isIterationCommitted(byte[] value, Properties config) {
        if (probe == null) {
            Map<String, Object> cfg = new HashMap<>();
            cfg.put("schema.registry.url", config.getProperty("schema.registry.url"));
            cfg.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
            probe = new AvroDeserializer<>();
            probe.configure(cfg, false);
        }
        Object o = probe.deserialize(DELTAS, value);
        return o instanceof dev.simsnap.schema.run.IterationCommitted;
    }

    static long seedFolderBytes(TradingArenaModel model, String runId) {
        long n = 0;
        for (byte[] b : SnapshotWriter.render(legacyState(runId, model, Map.of())).values()) {
            n += b.length;
        }
        return n;
    }

    /**
     * The model's state as a v1 run's snapshot holds it: its entities upserted in one iteration (stocks with the
     * given past prices instead of the model's, when given), applied and rendered by the engine's own code.
     */
    static RunState legacyState(String runId, TradingArenaModel model, Map<Integer, List<Double>> pastPrices) {
        ReplayState replay = ReplayState.fresh(runId, 0);
        DeltaLog log = replay.log(Long.MAX_VALUE, SchemaLookup.legacyOnly(), null);
        List<StateDelta> upserts = new ArrayList<>();
        java.util.function.BiConsumer<EntityType, Map.Entry<String, Object>> upsert = (type, e) -> upserts.add(
                new StateDelta(runId, "w0", (long) upserts.size(), model.iteration(),
                        TradingArenaModel.virtualDate(model.iteration()), type, e.getKey(), null, Operation.UPSERT,
                        List.of(), e.getValue(), null, null));
        upsert.accept(EntityType.INFORMATION, Map.entry("information", model.information()));
        upsert.accept(EntityType.MARKET, Map.entry("market", model.market()));
        upsert.accept(EntityType.MARKET_INDEX, Map.entry(model.indexId(), model.marketIndex()));
        model.persons().forEach((id, p) -> upsert.accept(EntityType.PERSON, Map.entry(String.valueOf(id), p)));
        model.stocks().forEach((id, st) -> {
            Stock copy = Stock.newBuilder(st).build();
            if (pastPrices.containsKey(id)) {
                copy.setPastStockLastPrices(pastPrices.get(id));
            }
            upsert.accept(EntityType.STOCK, Map.entry(String.valueOf(id), copy));
        });
        try {
            log.process(runId, RunStarted.newBuilder().setRunId(runId).setKind("trading-arena")
                    .setExpectedWorkers(List.of("w0")).setConfig(Map.of()).build());
            for (StateDelta d : upserts) {
                log.process(runId, d);
            }
            log.process(runId, new IterationCommitted(runId, "w0", model.iteration(),
                    TradingArenaModel.virtualDate(model.iteration()), upserts.size(), upserts.size() - 1L, Map.of(),
                    null));
        } catch (Rejection e) {
            throw new IllegalStateException("the engine refused the model's state: " + e.getMessage(), e);
        }
        return replay.state(SchemaLookup.legacyOnly());
    }

    static double rawSend(Properties config, String topic, int partition, byte[] key, List<List<byte[]>> iterations,
                          boolean tx) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getProperty("bootstrap.servers"));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        if (tx) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-raw-" + topic);
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            if (tx) {
                producer.initTransactions();
            }
            // warm-up: 20 iterations to a scratch topic
            for (int i = 0; i < Math.min(20, iterations.size()); i++) {
                if (tx) {
                    producer.beginTransaction();
                }
                for (byte[] v : iterations.get(i)) {
                    producer.send(new ProducerRecord<>("bench.warmup", partition, key, v));
                }
                if (tx) {
                    producer.commitTransaction();
                }
            }
            producer.flush();
            long start = System.nanoTime();
            for (List<byte[]> it : iterations) {
                if (tx) {
                    producer.beginTransaction();
                }
                for (byte[] v : it) {
                    producer.send(new ProducerRecord<>(topic, partition, key, v), (m, e) -> {
                    });
                }
                if (tx) {
                    producer.commitTransaction();
                }
            }
            producer.flush();
            double s = (System.nanoTime() - start) / 1e9;
            System.out.printf("[ingest] raw %s: %.2f s%n", tx ? "tx" : "non-tx", s);
            return s;
        }
    }

    static List<ConsumerRecord<byte[], byte[]>> readAll(Properties config, String topic, int partition) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getProperty("bootstrap.servers"));
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, partition);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    // ---- 2. compaction -------------------------------------------------------------------------------------------

    static void compaction(Properties config, Path work, String runId) throws Exception {
        String bootstrap = config.getProperty("bootstrap.servers");
        long inputRecords = 0;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, Long> ends = endOffsets(bootstrap, DELTAS);
            for (long e : ends.values()) {
                inputRecords += e; // includes transaction markers: same input for both apps
            }
            System.out.printf("[compaction] input %s: %d offsets%n", DELTAS, inputRecords);
            // pass-through first (its result does not depend on order; run both once)
            double passBefore = runStreams(admin, passThrough(), "bench-passthrough", work, bootstrap, ends);
            StreamsBuilder sb = new StreamsBuilder();
            Supplier<Deserializer<?>> values = () -> {
                Map<String, Object> serde = new HashMap<>();
                serde.put("schema.registry.url", config.getProperty("schema.registry.url"));
                serde.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
                AvroDeserializer<?> d = new AvroDeserializer<>();
                d.configure(serde, false);
                return d;
            };
            SnapshotTopology.build(sb, SnapshotTopics.defaults(), values, new DeadLetterStats());
            double topoSecs = runStreams(admin, sb.build(), "bench-snapshot", work, bootstrap, ends);
            // The pass-through runs again after the topology and the baseline is the mean of both runs, so a load
            // change on a shared machine during the phase does not favour either side.
            double passAfter = runStreams(admin, passThrough(), "bench-passthrough-again", work, bootstrap, ends);
            double passSecs = (passBefore + passAfter) / 2;
            row("2", "compaction offsets/s, SnapshotTopology EOS v2 vs pass-through EOS v2 (1 thread, "
                            + inputRecords + " offsets from " + DELTAS + ")",
                    fmt(inputRecords / topoSecs) + " rec/s (" + fmt2(topoSecs) + " s)",
                    fmt(inputRecords / passSecs) + " rec/s (mean of " + fmt2(passBefore) + " s before and "
                            + fmt2(passAfter) + " s after)", fmt2(passSecs / topoSecs),
                    ">= 0.5");
        }
    }

    /** The baseline app: source to sink, bytes unchanged. */
    static Topology passThrough() {
        StreamsBuilder pb = new StreamsBuilder();
        pb.stream(DELTAS, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to("bench.passthrough-out", Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        return pb.build();
    }

    static Map<TopicPartition, Long> endOffsets(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < PARTITIONS; i++) {
                tps.add(new TopicPartition(topic, i));
            }
            return new HashMap<>(c.endOffsets(tps));
        }
    }

    /** Seconds from RUNNING to the group's committed offsets reaching {@code ends}. */
    static double runStreams(Admin admin, Topology topology, String appId, Path work, String bootstrap,
                             Map<TopicPartition, Long> ends) throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve("streams-" + appId).toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        try (KafkaStreams streams = new KafkaStreams(topology, p)) {
            long[] running = {0};
            streams.setStateListener((n, o) -> {
                if (n == KafkaStreams.State.RUNNING && running[0] == 0) {
                    running[0] = System.nanoTime();
                }
            });
            long start = System.nanoTime();
            streams.start();
            long deadline = System.currentTimeMillis() + 300_000;
            while (System.currentTimeMillis() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(appId)
                        .partitionsToOffsetAndMetadata().get();
                boolean done = true;
                for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                    if (e.getValue() == 0) {
                        continue;
                    }
                    OffsetAndMetadata om = committed.get(e.getKey());
                    if (om == null || om.offset() < e.getValue()) {
                        done = false;
                    }
                }
                if (done) {
                    break;
                }
                Thread.sleep(20);
            }
            long end = System.nanoTime();
            long from = running[0] != 0 ? running[0] : start;
            System.out.printf("[compaction] %s: start->RUNNING %d ms, RUNNING->caught up %d ms, stream thread CPU %d ms%n",
                    appId, (from - start) / 1_000_000, (end - from) / 1_000_000, streamThreadCpuMillis(appId));
            streams.close(Duration.ofSeconds(30));
            return (end - from) / 1e9;
        }
    }

    /** CPU time used so far by the stream threads of {@code appId} (where the topology's own work runs). */
    static long streamThreadCpuMillis(String appId) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long nanos = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(appId + "-") && t.getName().contains("StreamThread")
                    && !t.getName().contains("producer") && !t.getName().contains("consumer")) {
                nanos += Math.max(0, mx.getThreadCpuTime(t.getId()));
            }
        }
        return nanos / 1_000_000;
    }

    // ---- 3. snapshot ---------------------------------------------------------------------------------------------

    public static void snapshot(Path work, int agents, int stocks, int prices, int reps) throws Exception {
        System.out.printf("[snapshot] %d agents, %d stocks x %d prices%n", agents, stocks, prices);
        TradingArenaModel model = new TradingArenaModel(agents, stocks, 11);
        model.advance();
        Map<Integer, List<Double>> pastPrices = new HashMap<>();
        for (int id : model.stocks().keySet()) {
            List<Double> ps = new ArrayList<>(prices);
            for (int i = 0; i < prices; i++) {
                ps.add(10.0 + ((i * 7919L + id) % 1000) / 100.0);
            }
            pastPrices.put(id, ps);
        }
        RunState state = legacyState("bench-snapshot", model, pastPrices);
        // The baseline writes the same files' content: Jackson trees of them, parsed once, untimed.
        Map<String, JsonNode> trees = new TreeMap<>();
        ObjectMapper reader = new ObjectMapper();
        for (Map.Entry<String, byte[]> f : state.layoutFiles().entrySet()) {
            trees.put(f.getKey(), reader.readTree(f.getValue()));
        }
        SnapshotWriter writer = new SnapshotWriter(work.resolve("snap-simsnap"));
        ObjectMapper mapper = new ObjectMapper();
        ObjectWriter pretty = mapper.writerWithDefaultPrettyPrinter();
        long bestWrite = Long.MAX_VALUE;
        long bestRender = Long.MAX_VALUE;
        long bestJackson = Long.MAX_VALUE;
        long bestJacksonSync = Long.MAX_VALUE;
        long bytes = 0;
        int files = 0;
        for (int r = 0; r < reps + 1; r++) { // first round = warm-up
            long t = System.nanoTime();
            SortedMap<String, byte[]> rendered = SnapshotWriter.render(state);
            long render = System.nanoTime() - t;
            t = System.nanoTime();
            writer.write(state);
            long write = System.nanoTime() - t;
            // The replaced snapshot is deleted in the background after write() returns; let that finish (untimed,
            // reported below) so it does not slow down the baselines measured next.
            t = System.nanoTime();
            if (!writer.awaitBackgroundDeletes(Duration.ofMinutes(5))) {
                throw new IllegalStateException("background deletion of the replaced snapshot did not finish");
            }
            long cleanup = System.nanoTime() - t;
            t = System.nanoTime();
            jacksonWrite(pretty, trees, work.resolve("snap-jackson-" + r));
            long jackson = System.nanoTime() - t;
            t = System.nanoTime();
            jacksonWrite(pretty, trees, work.resolve("snap-jackson-sync-" + r));
            fsyncTree(work.resolve("snap-jackson-sync-" + r));
            long jacksonSync = System.nanoTime() - t;
            if (r > 0) {
                bestJacksonSync = Math.min(bestJacksonSync, jacksonSync);
                bestWrite = Math.min(bestWrite, write);
                bestRender = Math.min(bestRender, render);
                bestJackson = Math.min(bestJackson, jackson);
            }
            bytes = rendered.values().stream().mapToLong(b -> b.length).sum();
            files = rendered.size();
            System.out.printf("[snapshot] round %d: render %d ms, SnapshotWriter.write %d ms (then background delete of "
                            + "the replaced snapshot %d ms), jackson %d ms, jackson+fsync %d ms%n",
                    r, render / 1_000_000, write / 1_000_000, cleanup / 1_000_000, jackson / 1_000_000,
                    jacksonSync / 1_000_000);
        }
        writer.close();
        row("3", "snapshot folder " + agents + " agents + " + stocks + " stocks x " + prices + " prices ("
                        + files + " files, " + fmt2(bytes / 1e6) + " MB), best of " + reps,
                ms(bestWrite) + " (render only " + ms(bestRender) + ")",
                ms(bestJackson) + " (Jackson pretty writer, same files, no fsync)",
                fmt2((double) bestWrite / bestJackson) + "x", "<= 2x");
        row("3b", "same snapshot vs Jackson writing the same files + fsync of every file and directory",
                ms(bestWrite), ms(bestJacksonSync) + " (Jackson + fsync)",
                fmt2((double) bestWrite / bestJacksonSync) + "x", "(info)");
    }

    /** fsync of every file, then every directory (like SnapshotWriter's durability, without the rename). */
    static void fsyncTree(Path root) throws IOException {
        List<Path> dirs = new ArrayList<>();
        try (var paths = Files.walk(root)) {
            for (Path f : (Iterable<Path>) paths::iterator) {
                if (Files.isDirectory(f)) {
                    dirs.add(f);
                } else {
                    try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                }
            }
        }
        for (Path d : dirs) {
            try (var ch = java.nio.channels.FileChannel.open(d, java.nio.file.StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException ignored) {
                // not supported everywhere
            }
        }
    }

    static void jacksonWrite(ObjectWriter w, Map<String, JsonNode> files, Path dir) throws IOException {
        Path run = dir.resolve("bench-snapshot");
        for (Map.Entry<String, JsonNode> f : files.entrySet()) {
            Path file = run.resolve(f.getKey());
            Files.createDirectories(file.getParent());
            w.writeValue(file.toFile(), f.getValue());
        }
    }

    // ---- 4. replay -----------------------------------------------------------------------------------------------

    static void replay(Properties config, int iterations) throws Exception {
        String runId = "bench-replay";
        long t0 = System.nanoTime();
        TradingArenaSimulation.run(config, new TradingArenaSimulation.Params(runId, 20, 5, iterations, 1, 3), null);
        System.out.printf("[replay] published %d iterations (20 agents, 5 stocks) in %d ms%n", iterations,
                (System.nanoTime() - t0) / 1_000_000);
        String bootstrap = config.getProperty("bootstrap.servers");
        String url = config.getProperty("schema.registry.url");
        long target = iterations - 37; // not on a checkpoint boundary
        int partition = RunReplayer.partitionOf(runId, PARTITIONS);

        long t = System.nanoTime();
        List<ConsumerRecord<byte[], byte[]>> raw = readAll(config, DELTAS, partition);
        long rawNanos = System.nanoTime() - t;

        RunReplayer.Result none;
        long noneNanos;
        try (RunReplayer r = new RunReplayer(RunReplayer.Settings.of(bootstrap, url).withoutCheckpoints())) {
            r.replay(runId, 10, null); // warm-up
            t = System.nanoTime();
            none = r.replay(runId, target, null);
            noneNanos = System.nanoTime() - t;
        }
        long firstNanos;
        long warmNanos;
        RunReplayer.Result warm;
        RunReplayer.Result first;
        try (RunReplayer r = new RunReplayer(RunReplayer.Settings.of(bootstrap, url))) {
            t = System.nanoTime();
            first = r.replay(runId, target, null); // writes checkpoints
            firstNanos = System.nanoTime() - t;
            t = System.nanoTime();
            warm = r.replay(runId, target, null);
            warmNanos = System.nanoTime() - t;
        }
        System.out.printf("[replay] raw consumer: %d records %d ms; no checkpoints: %d records %d ms; "
                        + "checkpointed first (writes %d): %d records %d ms; warm: from checkpoint %s, %d records %d ms%n",
                raw.size(), rawNanos / 1_000_000, none.records(), noneNanos / 1_000_000, first.checkpointsWritten(),
                first.records(), firstNanos / 1_000_000, warm.checkpointIteration(), warm.records(),
                warmNanos / 1_000_000);
        row("4a", "replay as of iteration " + target + " of " + iterations + " with checkpoints (warm) vs without",
                ms(warmNanos) + " (" + warm.records() + " records)", ms(noneNanos) + " (" + none.records()
                        + " records)", fmt2((double) noneNanos / warmNanos) + "x faster", "(info)");
        row("4b", "replay without checkpoints vs raw KafkaConsumer reading the partition (byte[], read_committed)",
                ms(noneNanos), ms(rawNanos) + " (" + raw.size() + " records)",
                fmt2((double) rawNanos / noneNanos), "(info)");
        row("4c", "replay first pass with checkpointing (writes " + first.checkpointsWritten()
                + " checkpoints) vs without", ms(firstNanos), ms(noneNanos),
                fmt2((double) noneNanos / firstNanos), "(info)");
    }

    // ---- 7. serde (JMH) ------------------------------------------------------------------------------------------

    static void serde(boolean quick) throws Exception {
        Options opt = new OptionsBuilder().include(SerdeBench.class.getName())
                .forks(1).warmupIterations(quick ? 2 : 3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 3 : 5).measurementTime(TimeValue.seconds(quick ? 1 : 2))
                .threads(1).build();
        Map<String, Double> score = new LinkedHashMap<>();
        Collection<org.openjdk.jmh.results.RunResult> results = new Runner(opt).run();
        for (org.openjdk.jmh.results.RunResult r : results) {
            String name = r.getParams().getBenchmark();
            score.put(name.substring(name.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
        }
        serdeRow("7a", "encode Person (wire format) ops/s/core vs plain Avro binary", score, "encodePersonWire", "rawPerson");
        serdeRow("7b", "encode Stock ops/s/core vs plain Avro binary", score, "encodeStockWire", "rawStock");
        serdeRow("7c", "decode Person ops/s/core vs plain Avro binary", score, "decodePersonWire", "rawDecodePerson");
        serdeRow("7d", "decode Stock ops/s/core vs plain Avro binary", score, "decodeStockWire", "rawDecodeStock");
    }

    static void serdeRow(String n, String figure, Map<String, Double> score, String a, String b) {
        Double x = score.get(a);
        Double y = score.get(b);
        if (x == null || y == null) {
            return;
        }
        row(n, figure, fmt(x), fmt(y), fmt2(x / y), "(info)");
    }

    static String fmt(double v) {
        return String.format("%,.0f", v);
    }

    static String fmt2(double v) {
        return String.format("%.2f", v);
    }

    static String ms(long nanos) {
        return String.format("%,d ms", nanos / 1_000_000);
    }
}
