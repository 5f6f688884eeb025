package dev.simsnap.bench;

import dev.simsnap.producer.Iteration;
import dev.simsnap.producer.RunSpec;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStatus;
import dev.simsnap.serde.AvroDeserializer;
import dev.simsnap.serde.AvroSerdeConfig;
import dev.simsnap.service.http.SnapshotServer;
import dev.simsnap.simulate.EntityChange;
import dev.simsnap.simulate.TradingArenaModel;
import dev.simsnap.snapshot.replay.RunReplayer;
import dev.simsnap.snapshot.topology.SnapshotTopics;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * 5. Observer latency: a run published at a fixed rate by several {@link SimsnapWorker}s into the bench's broker, the
 * real snapshot service ({@link SnapshotServer}: Streams, live hub, REST + SSE) running in this JVM, and an SSE client
 * on {@code /runs/<run>/events}. Per iteration the latency runs from the last worker's {@link Iteration#commit()} call
 * (its IterationCommitted handed to the producer, then flushed and committed) to the client reading that iteration's
 * {@code iteration} event. Baseline, same run, same records, same clock: a plain read_committed
 * {@code KafkaConsumer<byte[], byte[]>} on the run's partition of {@code simsnap.deltas}, from the same call to the
 * moment its poll returns the last worker's IterationCommitted of that iteration.
 */
final class ObserverBench {

    /** The shape of the load: run size, workers, rate, and how many iterations are warm-up and measured. */
    record Load(int agents, int stocks, int workers, int ratePerSecond, int warmupIterations, int measuredIterations) {
        int iterations() {
            return warmupIterations + measuredIterations;
        }

        static Load of(boolean quick) {
            // 5 s of warm-up (a cold JVM needs it to publish on schedule), then 20 s (8 s quick) measured, at 50
            // iterations/s like LiveEventsTest.
            return new Load(9, 2, 3, 50, 250, quick ? 400 : 1000);
        }
    }

    /** Latencies of the measured iterations (sorted nanos) and how steady the load was. */
    record Result(long commitIntervalMs, boolean serviceDefault, double deltasPerIteration, double achievedRate,
                  long maxLateNanos, int lateIterations, long[] sse, long[] baseline, long[] commit) {
    }

    private ObserverBench() {
    }

    /**
     * One measurement per entry of {@code commitIntervals} (null: the service's own default), each with a fresh
     * service and run; rows 5, 5b, ...
     */
    static List<Result> run(Properties config, Path work, Load load, Integer... commitIntervals) throws Exception {
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < commitIntervals.length; i++) {
            Result r = measure(config, work, load, commitIntervals[i]);
            results.add(r);
            String n = i == 0 ? "5" : "5" + (char) ('a' + i);
            BenchMain.row(n, "observer latency publish->SSE p50/p99, service with Streams commit.interval.ms="
                            + r.commitIntervalMs()
                            + (r.serviceDefault() ? " (service default)"
                                    : r.commitIntervalMs() == 20 ? " (set, as in LiveEventsTest)" : " (set)")
                            + "; " + load.workers() + " workers, " + BenchMain.fmt2(r.deltasPerIteration())
                            + " deltas/it (trading arena " + load.agents() + "x" + load.stocks() + "), "
                            + BenchMain.fmt2(r.achievedRate()) + " it/s achieved of " + load.ratePerSecond() + ", "
                            + load.measuredIterations() + " it. after " + load.warmupIterations()
                            + " warm-up; baseline: read_committed KafkaConsumer on " + BenchMain.DELTAS,
                    latencies(r.sse()), latencies(r.baseline()),
                    "SSE/consumer: p50 " + BenchMain.fmt2((double) pct(r.sse(), 0.50) / pct(r.baseline(), 0.50))
                            + "x, p99 " + BenchMain.fmt2((double) pct(r.sse(), 0.99) / pct(r.baseline(), 0.99)) + "x",
                    "(info)");
        }
        return results;
    }

    static Result measure(Properties config, Path work, Load load, Integer commitIntervalMs) throws Exception {
        String label = commitIntervalMs == null ? "default" : commitIntervalMs + "ms";
        String runId = "bench-observer-" + label;
        String appId = "bench-observer-service-" + label;
        String bootstrap = config.getProperty("bootstrap.servers");
        SnapshotTopics topics = SnapshotTopics.defaults();
        int n = load.iterations();
        int partition = RunReplayer.partitionOf(runId, BenchMain.PARTITIONS);

        // Precomputed, so the schedule only waits on Kafka (the model is not what is measured).
        List<List<List<EntityChange>>> owned = new ArrayList<>(); // [worker][iteration] -> changes
        for (int k = 0; k < load.workers(); k++) {
            owned.add(new ArrayList<>());
        }
        TradingArenaModel model = new TradingArenaModel(load.agents(), load.stocks(), 13);
        long deltas = 0;
        for (int i = 0; i <= n; i++) {
            List<List<EntityChange>> perWorker = new ArrayList<>();
            for (int k = 0; k < load.workers(); k++) {
                perWorker.add(new ArrayList<>());
            }
            for (EntityChange c : model.advance()) {
                perWorker.get(TradingArenaModel.ownerOf(c, load.workers())).add(c);
                deltas += i > 0 ? 1 : 0;
            }
            for (int k = 0; k < load.workers(); k++) {
                owned.get(k).add(perWorker.get(k));
            }
        }

        // A fresh application id would first fold every run the earlier phases left in the topics (hundreds of
        // thousands of records in full mode); steady-state latency does not depend on where the group started, so
        // it starts at their current end, as an operator would with kafka-consumer-groups --reset-offsets --to-latest.
        long skipped = startGroupAtEnd(bootstrap, appId, List.of(topics.deltas(), topics.generations()));
        SnapshotServer.Builder builder = SnapshotServer.builder().bootstrapServers(bootstrap)
                .schemaRegistryUrl(config.getProperty("schema.registry.url"))
                .stateDir(work.resolve("observer-" + label).resolve("state"))
                .outputRoot(work.resolve("observer-" + label).resolve("snapshots"))
                .http("127.0.0.1", 0).applicationId(appId).partitions(BenchMain.PARTITIONS);
        if (commitIntervalMs != null) {
            builder.streamsProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        }
        long t = System.nanoTime();
        try (SnapshotServer server = builder.build().start()) {
            server.awaitRunning(Duration.ofMinutes(2));
            if (!server.liveHub().awaitCaughtUp(Duration.ofMinutes(2))) {
                throw new IllegalStateException("live hub did not catch up on the current-state topic");
            }
            // What Streams really runs with (for exactly_once_v2 it lowers its own default to 100 ms).
            long interval = new StreamsConfig(server.service().streamsProperties())
                    .getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);
            System.out.printf("[observer] %s: service %s up in %d ms (commit.interval.ms=%d%s; group starts after %d "
                            + "earlier records), run %s on partition %d, %d workers, %d iterations at %d/s%n", label,
                    server.url(), (System.nanoTime() - t) / 1_000_000, interval,
                    commitIntervalMs == null ? ", default" : ", set", skipped, runId, partition, load.workers(),
                    n, load.ratePerSecond());

            List<String> ids = new ArrayList<>();
            for (int k = 0; k < load.workers(); k++) {
                ids.add("w" + k);
            }
            List<SimsnapWorker> workers = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(load.workers());
            try (CommitWatcher baseline = new CommitWatcher(config, runId, partition, ids, n);
                 SseObserver sse = new SseObserver(server.url() + "/runs/" + runId + "/events", n)) {
                for (String id : ids) {
                    SimsnapWorker w = SimsnapWorker.builder().config(config).run(runId).worker(id).build();
                    workers.add(w);
                    if (id.equals(ids.get(0))) {
                        w.startRun(new RunSpec("trading-arena", ids, Map.of(), 13L));
                    } else {
                        w.joinRun(Duration.ofSeconds(60));
                    }
                }
                await("SSE hello", Duration.ofSeconds(60), sse::subscribed, sse);
                // Iteration 0 (the whole initial state) before the clock starts: both paths see the run first.
                for (int k = 0; k < workers.size(); k++) {
                    publish(workers.get(k), 0, owned.get(k).get(0));
                }
                await("iteration 0 on both paths", Duration.ofSeconds(60),
                        () -> sse.received(0) && baseline.received(0), sse);

                long[][] call = new long[workers.size()][n + 1];
                long[][] returned = new long[workers.size()][n + 1];
                long[][] late = new long[workers.size()][n + 1];
                long period = 1_000_000_000L / load.ratePerSecond();
                long start = System.nanoTime() + 20_000_000L;
                List<Future<?>> done = new ArrayList<>();
                for (int k = 0; k < workers.size(); k++) {
                    int w = k;
                    done.add(pool.submit(() -> {
                        for (int i = 1; i <= n; i++) {
                            // Absolute schedule: a late iteration does not push the later ones back.
                            long due = start + (i - 1) * period;
                            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                                LockSupport.parkNanos(wait);
                                if (Thread.interrupted()) {
                                    throw new InterruptedException("load stopped");
                                }
                            }
                            late[w][i] = System.nanoTime() - due;
                            try (Iteration it = workers.get(w).beginIteration(i, TradingArenaModel.virtualDate(i))) {
                                for (EntityChange c : owned.get(w).get(i)) {
                                    c.applyTo(it);
                                }
                                call[w][i] = System.nanoTime();
                                it.commit();
                                returned[w][i] = System.nanoTime();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(); // also makes the workers' arrays visible here
                }
                await("every iteration on both paths", Duration.ofSeconds(120),
                        () -> sse.received(n) && baseline.received(n), sse);
                workers.get(0).endRun(RunStatus.COMPLETED);

                if (sse.outOfOrder.get() > 0) {
                    throw new IllegalStateException(sse.outOfOrder.get() + " SSE iteration events out of order");
                }
                int from = load.warmupIterations() + 1;
                int m = n - from + 1;
                long[] sseLat = new long[m];
                long[] baseLat = new long[m];
                long[] commit = new long[m];
                long[] lateness = new long[m];
                for (int i = from; i <= n; i++) {
                    long last = Long.MIN_VALUE;
                    long lastBase = Long.MIN_VALUE;
                    for (int k = 0; k < workers.size(); k++) {
                        if (call[k][i] > last) {
                            last = call[k][i];
                            // how long that last commit() took (send, flush, commitTransaction)
                            commit[i - from] = returned[k][i] - call[k][i];
                        }
                        lastBase = Math.max(lastBase, baseline.at(k, i));
                        lateness[i - from] = Math.max(lateness[i - from], late[k][i]);
                    }
                    sseLat[i - from] = sse.at(i) - last;
                    baseLat[i - from] = lastBase - last;
                }
                double rate = m > 1 ? (m - 1) * 1e9 / (lastCall(call, n) - lastCall(call, from)) : 0;
                // In publishing order, before sorting: a latency that grows through the window is a backlog (the
                // service not keeping up with the offered rate), not a steady state.
                String sseTrend = quarters(sseLat);
                String baseTrend = quarters(baseLat);
                Arrays.sort(sseLat);
                Arrays.sort(baseLat);
                Arrays.sort(commit);
                Arrays.sort(lateness);
                int lateIterations = 0;
                for (long l : lateness) {
                    lateIterations += l > period ? 1 : 0;
                }
                Result r = new Result(interval, commitIntervalMs == null, deltas / (double) n, rate,
                        lateness[m - 1], lateIterations, sseLat, baseLat, commit);
                System.out.printf("[observer] %s: %d measured iterations, achieved %.2f it/s (schedule %d/s); start "
                                + "lateness behind schedule p50 %s max %s ms, %d iterations started > 1 period late%n",
                        label, m, rate, load.ratePerSecond(), ms1(pct(lateness, 0.5)), ms1(lateness[m - 1]),
                        lateIterations);
                System.out.printf("[observer] %s: publish->SSE p50 %s p99 %s max %s | publish->read_committed "
                                + "consumer p50 %s p99 %s max %s (ms)%n", label, ms1(pct(sseLat, 0.5)),
                        ms1(pct(sseLat, 0.99)), ms1(sseLat[m - 1]), ms1(pct(baseLat, 0.5)), ms1(pct(baseLat, 0.99)),
                        ms1(baseLat[m - 1]));
                System.out.printf("[observer] %s: p50 per quarter of the window, in publishing order: SSE %s | "
                        + "consumer %s (ms)%n", label, sseTrend, baseTrend);
                System.out.printf("[observer] %s: of which the last worker's commit() call itself (until "
                                + "commitTransaction returned) p50 %s p99 %s max %s (ms)%n", label,
                        ms1(pct(commit, 0.5)), ms1(pct(commit, 0.99)), ms1(commit[m - 1]));
                return r;
            } finally {
                pool.shutdownNow();
                for (SimsnapWorker w : workers) {
                    w.close();
                }
            }
        }
    }

    /** When the last worker called commit() for iteration {@code i}. */
    private static long lastCall(long[][] call, int i) {
        long last = Long.MIN_VALUE;
        for (long[] worker : call) {
            last = Math.max(last, worker[i]);
        }
        return last;
    }

    /** The p50 of each quarter of {@code values} (in their order), as "a / b / c / d". */
    static String quarters(long[] values) {
        List<String> out = new ArrayList<>();
        for (int q = 0; q < 4; q++) {
            long[] part = Arrays.copyOfRange(values, q * values.length / 4, (q + 1) * values.length / 4);
            if (part.length > 0) {
                Arrays.sort(part);
                out.add(ms1(pct(part, 0.5)));
            }
        }
        return String.join(" / ", out);
    }

    private static void publish(SimsnapWorker worker, long iteration, List<EntityChange> changes) {
        try (Iteration it = worker.beginIteration(iteration, TradingArenaModel.virtualDate(iteration))) {
            for (EntityChange c : changes) {
                c.applyTo(it);
            }
            it.commit();
        }
    }

    /** Commits {@code group}'s offsets at the current (read_committed) end of every partition of {@code topics}. */
    static long startGroupAtEnd(String bootstrap, String group, List<String> topics) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> existing = admin.listTopics().names().get();
            List<String> present = topics.stream().filter(existing::contains).toList();
            if (present.isEmpty()) {
                return 0;
            }
            Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
            for (TopicDescription d : admin.describeTopics(present).allTopicNames().get().values()) {
                d.partitions().forEach(p -> specs.put(new TopicPartition(d.name(), p.partition()),
                        OffsetSpec.latest()));
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            long total = 0;
            for (var e : admin.listOffsets(specs, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
                    .entrySet()) {
                offsets.put(e.getKey(), new OffsetAndMetadata(e.getValue().offset()));
                total += e.getValue().offset();
            }
            admin.alterConsumerGroupOffsets(group, offsets).all().get();
            return total;
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition, SseObserver sse)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (sse.dropped != null) {
                throw new IllegalStateException("SSE stream ended while waiting for " + what + ": " + sse.dropped);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    /** Nearest-rank percentile of sorted values. */
    static long pct(long[] sorted, double q) {
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
    }

    static String latencies(long[] sorted) {
        return ms1(pct(sorted, 0.50)) + " / " + ms1(pct(sorted, 0.99)) + " ms (max " + ms1(sorted[sorted.length - 1])
                + ")";
    }

    static String ms1(long nanos) {
        return String.format("%.1f", nanos / 1e6);
    }

    /** An SSE client on its own thread: the nanoTime at which each iteration's event was read. */
    static final class SseObserver implements AutoCloseable {
        private final AtomicLongArray at;
        final AtomicInteger outOfOrder = new AtomicInteger();
        private final InputStream body;
        private final Thread thread;
        private volatile boolean hello;
        volatile String dropped;

        SseObserver(String url, int lastIteration) throws Exception {
            at = new AtomicLongArray(lastIteration + 1);
            HttpResponse<InputStream> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                    .send(HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").build(),
                            HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                r.body().close();
                throw new IllegalStateException("GET " + url + " answered " + r.statusCode());
            }
            body = r.body();
            thread = new Thread(this::read, "bench-sse-observer");
            thread.setDaemon(true);
            thread.start();
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String event = null;
                String id = null;
                String data = null;
                long last = -1;
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (!line.isEmpty()) {
                        if (line.startsWith("event:")) {
                            event = line.substring(6).trim();
                        } else if (line.startsWith("id:")) {
                            id = line.substring(3).trim();
                        } else if (line.startsWith("data:")) {
                            data = line.substring(5).trim();
                        }
                        continue;
                    }
                    long now = System.nanoTime(); // first: parsing below is not part of the latency
                    if ("iteration".equals(event) && id != null) {
                        int it = Integer.parseInt(id); // the service sends the iteration as the event id
                        if (it != last + 1 && last >= 0) {
                            outOfOrder.incrementAndGet();
                        }
                        last = it;
                        if (it < at.length()) {
                            at.compareAndSet(it, 0, now);
                        }
                    } else if ("hello".equals(event)) {
                        hello = true;
                    } else if ("dropped".equals(event)) {
                        dropped = "dropped: " + data;
                    }
                    event = null;
                    id = null;
                    data = null;
                }
                if (dropped == null) {
                    dropped = "stream closed by the service";
                }
            } catch (Exception e) {
                if (dropped == null) {
                    dropped = e.toString();
                }
            }
        }

        boolean subscribed() {
            return hello;
        }

        /** Whether iteration {@code i} and every one before it arrived. */
        boolean received(int i) {
            for (int j = i; j >= 0; j--) {
                if (at.get(j) == 0) {
                    return false;
                }
            }
            return true;
        }

        long at(int i) {
            return at.get(i);
        }

        @Override
        public void close() throws Exception {
            dropped = dropped == null ? "closed" : dropped;
            body.close();
            thread.join(5000);
        }
    }

    /**
     * The baseline: a plain read_committed consumer assigned to the run's partition of simsnap.deltas, from its end,
     * noting when each worker's IterationCommitted of each iteration is returned by poll.
     */
    static final class CommitWatcher implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final AvroDeserializer<IndexedRecord> values = new AvroDeserializer<>();
        private final byte[] key;
        private final List<String> workers;
        private final int iterations;
        private final AtomicLongArray at; // [worker * (iterations + 1) + iteration]
        private final Thread thread;
        private volatile boolean closed;

        CommitWatcher(Properties config, String runId, int partition, List<String> workers, int lastIteration) {
            this.key = runId.getBytes(StandardCharsets.UTF_8);
            this.workers = workers;
            this.iterations = lastIteration + 1;
            this.at = new AtomicLongArray(workers.size() * iterations);
            Map<String, Object> serde = new HashMap<>();
            serde.put("schema.registry.url", config.getProperty("schema.registry.url"));
            serde.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
            values.configure(serde, false);
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getProperty("bootstrap.servers"));
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50); // as the service's live hub consumer
            consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            TopicPartition tp = new TopicPartition(BenchMain.DELTAS, partition);
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp); // resolve the end now, before the run's first record
            thread = new Thread(this::poll, "bench-commit-watcher");
            thread.setDaemon(true);
            thread.start();
        }

        private void poll() {
            try {
                while (!closed) {
                    var records = consumer.poll(Duration.ofMillis(200));
                    long now = System.nanoTime(); // when poll handed the records over; decoding is not counted
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        if (r.key() == null || !Arrays.equals(r.key(), key)) {
                            continue;
                        }
                        if (values.deserialize(BenchMain.DELTAS, r.value()) instanceof IterationCommitted c) {
                            int w = workers.indexOf(c.getWorkerId());
                            if (w >= 0 && c.getIteration() < iterations) {
                                at.compareAndSet(w * iterations + (int) c.getIteration(), 0, now);
                            }
                        }
                    }
                }
            } catch (WakeupException e) {
                // closing
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }

        /** Whether every worker's commit of iteration {@code i} and of every one before it arrived. */
        boolean received(int i) {
            for (int j = i; j >= 0; j--) {
                for (int w = 0; w < workers.size(); w++) {
                    if (at.get(w * iterations + j) == 0) {
                        return false;
                    }
                }
            }
            return true;
        }

        long at(int worker, int iteration) {
            return at.get(worker * iterations + iteration);
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            consumer.wakeup();
            thread.join(10_000);
        }
    }
}
