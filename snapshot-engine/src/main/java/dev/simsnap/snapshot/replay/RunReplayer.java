package dev.simsnap.snapshot.replay;

import dev.simsnap.connection.ClientConfig;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.engine.entity.SchemaLookup;
import dev.simsnap.serde.AvroDeserializer;
import dev.simsnap.serde.AvroSerdeConfig;
import dev.simsnap.snapshot.deadletter.Rejection;
import dev.simsnap.snapshot.delta.DeclaredDeltaCount;
import dev.simsnap.snapshot.read.RunState;
import dev.simsnap.snapshot.read.RunStateReader;
import dev.simsnap.snapshot.run.RunInfo;
import dev.simsnap.snapshot.run.RunMeta;
import dev.simsnap.snapshot.topology.WireFormatDecoder;
import dev.simsnap.topic.SimsnapTopics;
import dev.simsnap.topic.TopicAdmin;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Rebuilds a run as it stood at the end of iteration N from {@code simsnap.deltas} history, with the same rules as
 * the live topology ({@link dev.simsnap.snapshot.delta.DeltaLog}): needs only Kafka and the schema registry.
 *
 * <p>Reads the run's partition (murmur2 of the run id, like the producer's default partitioner) with
 * {@code read_committed} and {@code assign()} (no consumer group), up to the last stable offset, applying the
 * run's records with the consistent iteration capped at N, and stops once it reaches N. Records of other runs on
 * the partition are skipped; records the topology dead-letters are skipped too (same checks). A state-model run
 * with generations collections also has its partition of {@code simsnap.generations} read (see
 * {@link Settings#generationsTopic()}).
 *
 * <p><b>Checkpoints.</b> Topic {@code simsnap.checkpoints} ({@link SimsnapTopics#CHECKPOINTS}: compacted, created
 * when absent with as many partitions as the deltas topic; a run's checkpoints go to the run's partition). A
 * checkpoint is the gzip'd {@link ReplayState} (run meta, items, buffered deltas of later iterations) plus the deltas
 * offset it reflects, split into
 * chunks of at most {@value #CHUNK_BYTES} bytes under keys {@code <run>@<iteration:20>#<chunk>} (headers
 * {@code simsnap.chunks}, {@code simsnap.offset}), so any state size stays under the 1 MB record limit. The
 * replayer writes one whenever its replay passes a multiple of {@code checkpointEvery} consistent iterations at
 * a point where the state is exact (consistent iteration == min committed, not capped). A replay as of N starts
 * from the newest complete checkpoint at or before N, then reads only the deltas after its offset. A checkpoint an
 * earlier version wrote of a v1 run's entities ({@link ReplayState#stale()}) is no start: such a run is replayed
 * from its beginning, and new checkpoints of it are written as the replay passes them.
 */
public final class RunReplayer implements AutoCloseable {

    /** Checkpoint topic name: the name of {@link SimsnapTopics#CHECKPOINTS}. */
    public static final String CHECKPOINTS_TOPIC = SimsnapTopics.CHECKPOINTS.name();
    /** Largest checkpoint chunk (well under the 1 MB default record limit). */
    public static final int CHUNK_BYTES = 512 * 1024;
    /** Default checkpoint interval, in consistent iterations. */
    public static final int DEFAULT_CHECKPOINT_EVERY = 100;

    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /**
     * @param client           the client configuration every consumer, producer, admin client and registry client
     *                         of the replay is built from (bootstrap servers, registry URL, security settings)
     * @param deltasTopic      the deltas topic
     * @param checkpointsTopic the checkpoints topic, or null to neither read nor write checkpoints
     * @param checkpointEvery  consistent iterations between checkpoints (>= 1)
     * @param generationsTopic the generations topic a state-model run's generations are read from (each as it was at
     *                         the replayed step), or null to replay without them
     */
    public record Settings(ClientConfig client, String deltasTopic, String checkpointsTopic, int checkpointEvery,
                           String generationsTopic) {
        public Settings {
            java.util.Objects.requireNonNull(client, "client");
        }

        /** Settings reading generations from the contract's generations topic. */
        public Settings(ClientConfig client, String deltasTopic, String checkpointsTopic, int checkpointEvery) {
            this(client, deltasTopic, checkpointsTopic, checkpointEvery, Contracts.GENERATIONS_TOPIC);
        }

        /** The contract topics and default checkpoint interval, with {@code client}. */
        public static Settings of(ClientConfig client) {
            return new Settings(client, Contracts.DELTAS_TOPIC, CHECKPOINTS_TOPIC, DEFAULT_CHECKPOINT_EVERY);
        }

        /** {@link #of(ClientConfig)} with just the two addresses. */
        public static Settings of(String bootstrapServers, String schemaRegistryUrl) {
            return of(ClientConfig.of(bootstrapServers, schemaRegistryUrl));
        }

        public Settings withoutCheckpoints() {
            return new Settings(client, deltasTopic, null, checkpointEvery, generationsTopic);
        }

        public Settings checkpointEvery(int every) {
            return new Settings(client, deltasTopic, checkpointsTopic, every, generationsTopic);
        }

        /** These settings with generations read from {@code topic} (null: none). */
        public Settings generationsTopic(String topic) {
            return new Settings(client, deltasTopic, checkpointsTopic, checkpointEvery, topic);
        }
    }

    /** What a replay did (for progress and measurements). */
    public record Result(RunState state, RunInfo info, long fromOffset, long records, Long checkpointIteration,
                         int checkpointsWritten, long checkpointLookupNanos) {
    }

    private final Settings settings;
    private volatile boolean checkpointTopicReady;

    public RunReplayer(Settings settings) {
        if (settings.checkpointEvery() < 1) {
            throw new IllegalArgumentException("checkpointEvery must be >= 1");
        }
        this.settings = settings;
    }

    /**
     * The run as of the end of {@code iteration}: a state-model run's generations each as it was then (its newest
     * version saved at or before that step); a v1 run's without its generations.
     */
    public RunState replay(String runId, long iteration) {
        return replay(runId, iteration, null).state();
    }

    /**
     * Replays {@code runId} up to the end of {@code iteration}.
     *
     * @param progress receives one-line progress messages (every ~2 s on long replays), or null
     * @throws ReplayException unknown run, iteration never reached (or past the consistent iteration), bad input
     */
    public Result replay(String runId, long iteration, Consumer<String> progress) {
        return replayed(runId, iteration, progress).result();
    }

    /**
     * The step a run had consistently reached when its simulation's clock stood at {@code clock}: the last step that
     * became consistent whose clock (the commit's, compared field by field in the model's clock order) is not after
     * {@code clock}. Reads the run's history once, without applying it; a commit whose {@code delta_count} does not
     * match what its worker sent ({@link DeclaredDeltaCount}, refused by the engine) makes no step consistent.
     *
     * @throws ReplayException INVALID when the clock does not name exactly the model's clock fields or the run has no
     *                         model; UNKNOWN_RUN; OUT_OF_RANGE when no consistent step is that early
     */
    public long stepAt(String runId, Map<String, Long> clock) {
        if (!RunIds.isValid(runId)) {
            throw new ReplayException(ReplayException.Kind.INVALID, "invalid run id '" + runId + "'");
        }
        AvroDeserializer<?> values = deserializer();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer();
             WireFormatDecoder decoder = new WireFormatDecoder(values)) {
            List<PartitionInfo> parts = consumer.partitionsFor(settings.deltasTopic(), TIMEOUT);
            if (parts == null || parts.isEmpty()) {
                throw new ReplayException(ReplayException.Kind.UNKNOWN_RUN, "unknown run '" + runId + "'");
            }
            TopicPartition tp = new TopicPartition(settings.deltasTopic(), partitionOf(runId, parts.size()));
            consumer.assign(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), TIMEOUT).get(tp);
            consumer.seekToBeginning(List.of(tp));
            List<String> fields = null;
            Map<String, Long> committed = new java.util.TreeMap<>();
            Map<Long, Map<String, Long>> clocks = new java.util.HashMap<>();
            // StateDeltas per worker and step above its last commit, for the delta_count check DeltaLog makes.
            Map<String, java.util.TreeMap<Long, Long>> sent = new java.util.HashMap<>();
            long consistent = -1;
            long answer = -1;
            outer:
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    if (r.offset() >= end) {
                        break outer;
                    }
                    if (r.key() == null || !runId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        continue;
                    }
                    Object v;
                    try {
                        v = decoder.decode(r.topic(), r.headers(), r.value());
                    } catch (Rejection e) {
                        continue;
                    }
                    if (v instanceof dev.simsnap.schema.run.RunStarted started && fields == null) {
                        if (started.getModel() == null) {
                            throw new ReplayException(ReplayException.Kind.INVALID, "run '" + runId
                                    + "' has no state model, so no clock: ask by iteration");
                        }
                        fields = dev.simsnap.model.StateModel.parse(started.getModel(), f -> null).clock();
                        if (!new java.util.TreeSet<>(fields).equals(new java.util.TreeSet<>(clock.keySet()))) {
                            throw new ReplayException(ReplayException.Kind.INVALID, "run '" + runId
                                    + "' keeps the clock " + fields + ", not " + clock.keySet());
                        }
                        started.getExpectedWorkers().forEach(w -> committed.put(w, -1L));
                    } else if (v instanceof dev.simsnap.schema.delta.StateDelta d && fields != null
                            && runId.equals(d.getRunId()) && committed.containsKey(d.getWorkerId())
                            && d.getIteration() > committed.get(d.getWorkerId())) {
                        sent.computeIfAbsent(d.getWorkerId(), w -> new java.util.TreeMap<>())
                                .merge(d.getIteration(), 1L, Long::sum);
                    } else if (v instanceof dev.simsnap.schema.run.IterationCommitted c && fields != null
                            && committed.containsKey(c.getWorkerId()) && c.getIteration() > committed.get(c.getWorkerId())) {
                        java.util.NavigableMap<Long, Long> steps = sent.computeIfAbsent(c.getWorkerId(),
                                w -> new java.util.TreeMap<>()).headMap(c.getIteration(), true);
                        long count = steps.values().stream().mapToLong(Long::longValue).sum();
                        steps.clear();
                        if (DeclaredDeltaCount.checked(true, c.getDeltaCount()) && count != c.getDeltaCount()) {
                            continue; // refused (delta-count-mismatch): the worker's step stays where it was
                        }
                        committed.put(c.getWorkerId(), c.getIteration());
                        clocks.putIfAbsent(c.getIteration(), c.getClock());
                        long now = java.util.Collections.min(committed.values());
                        if (now > consistent) {
                            consistent = now;
                            Map<String, Long> at = clocks.get(consistent);
                            if (at != null && compare(fields, at, clock) <= 0) {
                                answer = consistent;
                            }
                        }
                    }
                }
            }
            if (fields == null) {
                throw new ReplayException(ReplayException.Kind.UNKNOWN_RUN, "unknown run '" + runId + "'");
            }
            if (answer < 0) {
                throw new ReplayException(ReplayException.Kind.OUT_OF_RANGE, "run '" + runId
                        + "' has no consistent step at or before the clock " + clock);
            }
            return answer;
        }
    }

    private static int compare(List<String> fields, Map<String, Long> a, Map<String, Long> b) {
        for (String f : fields) {
            int c = Long.compare(a.getOrDefault(f, Long.MIN_VALUE), b.getOrDefault(f, Long.MIN_VALUE));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /** A replay's result with the state it was rendered from (the fork copies a state-model run's items). */
    /**
     * A replay's result with what it was built from: the replayed stores, the schemas, and (a state-model run with
     * generations read) the generations store, every version with its step; null otherwise.
     */
    record Replayed(Result result, ReplayState state, SchemaLookup schemas,
                    dev.simsnap.snapshot.delta.ItemStore generations) {
    }

    Replayed replayed(String runId, long iteration, Consumer<String> progress) {
        if (!RunIds.isValid(runId)) {
            throw new ReplayException(ReplayException.Kind.INVALID, "invalid run id '" + runId + "'");
        }
        if (iteration < 0) {
            throw new ReplayException(ReplayException.Kind.INVALID, "iteration must be >= 0, got " + iteration);
        }
        AvroDeserializer<?> values = deserializer();
        SchemaLookup schemas = SchemaLookup.cached(values.registry());
        try (KafkaConsumer<byte[], byte[]> consumer = consumer();
             WireFormatDecoder decoder = new WireFormatDecoder(values)) {
            List<PartitionInfo> parts = consumer.partitionsFor(settings.deltasTopic(), TIMEOUT);
            if (parts == null || parts.isEmpty()) {
                throw new ReplayException(ReplayException.Kind.UNKNOWN_RUN,
                        "topic " + settings.deltasTopic() + " does not exist");
            }
            int partition = partitionOf(runId, parts.size());
            TopicPartition tp = new TopicPartition(settings.deltasTopic(), partition);

            ReplayState state = null;
            Long fromCheckpoint = null;
            java.util.Set<Long> existing = new java.util.HashSet<>();
            long lookupStart = System.nanoTime();
            if (settings.checkpointsTopic() != null) {
                ensureCheckpointTopic(parts.size());
                var found = latestCheckpoint(consumer, runId, partition, iteration, existing);
                if (found.isPresent()) {
                    state = found.get();
                    fromCheckpoint = state.runMeta().map(RunMeta::consistentIteration).orElse(null);
                }
            }
            long lookup = System.nanoTime() - lookupStart;
            consumer.assign(List.of(tp));
            long begin = consumer.beginningOffsets(List.of(tp), TIMEOUT).get(tp);
            long end = consumer.endOffsets(List.of(tp), TIMEOUT).get(tp); // last stable offset (read_committed)
            if (state == null) {
                state = new ReplayState(runId, begin);
            }
            long from = state.nextOffset;
            consumer.seek(tp, from);
            var log = state.log(iteration, schemas);
            long records = 0;
            int written = 0;
            long lastReport = System.nanoTime();
            long consistent = state.runMeta().map(RunMeta::consistentIteration).orElse(-1L);
            long lastCheckpointed = consistent;
            outer:
            while (consistent < iteration && consumer.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    if (r.offset() >= end) {
                        break outer;
                    }
                    state.nextOffset = r.offset() + 1;
                    records++;
                    if (r.key() == null || !runId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        continue; // another run on this partition (or a poison key the topology dead-letters)
                    }
                    try {
                        log.process(runId, decoder.decode(r.topic(), r.headers(), r.value()));
                    } catch (Rejection rejected) {
                        continue; // the topology dead-letters it: no effect on the state
                    }
                    Optional<RunMeta> meta = state.runMeta();
                    consistent = meta.map(RunMeta::consistentIteration).orElse(-1L);
                    if (settings.checkpointsTopic() != null && meta.isPresent()
                            && consistent / settings.checkpointEvery() > lastCheckpointed / settings.checkpointEvery()
                            && exact(meta.get()) && !existing.contains(consistent)) {
                        writeCheckpoint(state, consistent, partition);
                        existing.add(consistent);
                        lastCheckpointed = consistent;
                        written++;
                    }
                    if (consistent >= iteration) {
                        break outer;
                    }
                    if (progress != null && System.nanoTime() - lastReport > 2_000_000_000L) {
                        lastReport = System.nanoTime();
                        progress.accept("replay " + runId + ": offset " + r.offset() + " of " + end
                                + ", consistent iteration " + consistent + " of " + iteration);
                    }
                }
            }
            Optional<RunMeta> meta = state.runMeta();
            if (meta.isEmpty()) {
                throw new ReplayException(ReplayException.Kind.UNKNOWN_RUN, "unknown run '" + runId + "'");
            }
            if (meta.get().consistentIteration() < iteration) {
                throw new ReplayException(ReplayException.Kind.OUT_OF_RANGE, "run '" + runId
                        + "' is consistent only up to iteration " + meta.get().consistentIteration()
                        + "; iteration " + iteration + " is not available");
            }
            RunMeta m = meta.get();
            dev.simsnap.snapshot.delta.ItemStore generations = hasGenerations(m)
                    ? generations(consumer, decoder, runId, schemas) : null;
            RunState result = generations != null
                    ? RunStateReader.rendered(m, state.items(schemas), generations, m.consistentIteration(), schemas)
                    : RunStateReader.rendered(m, state.items(schemas), schemas);
            return new Replayed(new Result(result, meta.get().toInfo(), from, records, fromCheckpoint, written, lookup),
                    state, schemas, generations);
        }
    }

    /** True when {@code m} is a state-model run with a generations collection and generations are replayed. */
    private boolean hasGenerations(RunMeta m) {
        return settings.generationsTopic() != null && m.model() != null && m.parsedModel().collections().stream()
                .anyMatch(c -> c.shape() == dev.simsnap.model.Shape.GENERATIONS);
    }

    /**
     * A state-model run's generations from the generations topic (its partition, {@code read_committed}, up to the
     * last stable offset), staged and sealed by the same rules as the live topology
     * ({@link dev.simsnap.snapshot.delta.GenerationItems}): every version, each with its step, so that the caller
     * sees each generation as of the replayed step. Generation records are not checkpointed: they are read whole on
     * every such replay.
     */
    private dev.simsnap.snapshot.delta.ItemStore generations(KafkaConsumer<byte[], byte[]> consumer,
                                                             WireFormatDecoder decoder, String runId,
                                                             SchemaLookup schemas) {
        TreeMap<String, byte[]> heads = new TreeMap<>();
        TreeMap<String, byte[]> chunks = new TreeMap<>();
        var headKv = dev.simsnap.snapshot.delta.DeltaLog.Kv.of(heads);
        var chunkKv = dev.simsnap.snapshot.delta.ItemStore.adapt(dev.simsnap.snapshot.delta.DeltaLog.Kv.of(chunks));
        List<PartitionInfo> parts = consumer.partitionsFor(settings.generationsTopic(), TIMEOUT);
        if (parts != null && !parts.isEmpty()) {
            TopicPartition tp = new TopicPartition(settings.generationsTopic(), partitionOf(runId, parts.size()));
            consumer.assign(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), TIMEOUT).get(tp);
            consumer.seekToBeginning(List.of(tp));
            outer:
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    if (r.offset() >= end) {
                        break outer;
                    }
                    if (r.key() == null || !runId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        continue;
                    }
                    try {
                        Object v = decoder.decode(r.topic(), r.headers(), r.value());
                        if (v instanceof dev.simsnap.schema.generation.GenerationChunk c && c.getCollection() != null
                                && runId.equals(c.getRunId())) {
                            dev.simsnap.snapshot.delta.GenerationItems.stage(headKv, c);
                        } else if (v instanceof dev.simsnap.schema.generation.GenerationSealed g
                                && g.getCollection() != null && runId.equals(g.getRunId())) {
                            dev.simsnap.snapshot.delta.GenerationItems.seal(headKv, chunkKv, g);
                        }
                    } catch (Rejection rejected) {
                        // dead-lettered by the topology: no effect
                    }
                }
            }
        }
        return new dev.simsnap.snapshot.delta.ItemStore(headKv, dev.simsnap.snapshot.delta.DeltaLog.Kv.of(chunks),
                schemas);
    }

    /** True when the state is not capped: the consistent iteration is the true min over committed iterations. */
    private static boolean exact(RunMeta m) {
        RunInfo info = m.toInfo();
        long min = info.workers().stream().mapToLong(RunInfo.WorkerProgress::lastCommittedIteration).min().orElse(-1);
        return min == m.consistentIteration();
    }

    /** The partition the default partitioner picks for {@code runId} (murmur2 of the UTF-8 key). */
    public static int partitionOf(String runId, int partitions) {
        return Utils.toPositive(Utils.murmur2(runId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private Optional<ReplayState> latestCheckpoint(KafkaConsumer<byte[], byte[]> consumer, String runId,
                                                   int partition, long atMost, java.util.Set<Long> existing) {
        TopicPartition tp = new TopicPartition(settings.checkpointsTopic(), partition);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        long end = consumer.endOffsets(List.of(tp), TIMEOUT).get(tp);
        String prefix = runId + "@";
        // iteration -> chunk index -> bytes (only checkpoints at or before atMost)
        TreeMap<Long, TreeMap<Integer, byte[]>> chunks = new TreeMap<>();
        Map<Long, Integer> counts = new HashMap<>();
        while (consumer.position(tp) < end) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                if (!key.startsWith(prefix) || r.value() == null) {
                    continue;
                }
                int hash = key.indexOf('#');
                long it = Long.parseLong(key.substring(prefix.length(), hash));
                existing.add(it);
                if (it > atMost) {
                    continue;
                }
                Header count = r.headers().lastHeader("simsnap.chunks");
                counts.put(it, ByteBuffer.wrap(count.value()).getInt());
                chunks.computeIfAbsent(it, k -> new TreeMap<>()).put(Integer.parseInt(key.substring(hash + 1)), r.value());
            }
        }
        for (Long it : chunks.descendingKeySet()) {
            // Chunks 0..count-1 of the newest write (a stale higher chunk left by compaction is ignored).
            TreeMap<Integer, byte[]> parts = new TreeMap<>(chunks.get(it).headMap(counts.get(it)));
            if (parts.size() == counts.get(it)) {
                int size = parts.values().stream().mapToInt(b -> b.length).sum();
                ByteBuffer all = ByteBuffer.allocate(size);
                parts.values().forEach(all::put);
                ReplayState state = ReplayState.deserialize(all.array());
                if (!state.stale()) {
                    return Optional.of(state);
                }
                // A v1 run's entities as an earlier version kept them: no start, and neither are the older ones
                // (that version wrote them too). The replay writes them again as it passes them.
                existing.removeIf(other -> other <= it);
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private void writeCheckpoint(ReplayState state, long iteration, int partition) {
        byte[] data = state.serialize();
        int count = Math.max(1, (data.length + CHUNK_BYTES - 1) / CHUNK_BYTES);
        Map<String, Object> props = settings.client().kafka(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                int off = i * CHUNK_BYTES;
                byte[] chunk = java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + CHUNK_BYTES));
                RecordHeaders headers = new RecordHeaders();
                headers.add("simsnap.chunks", ByteBuffer.allocate(4).putInt(count).array());
                headers.add("simsnap.offset", ByteBuffer.allocate(8).putLong(state.nextOffset).array());
                String key = state.runId + "@" + String.format("%020d", iteration) + "#" + i;
                producer.send(new ProducerRecord<>(settings.checkpointsTopic(), partition, null,
                        key.getBytes(StandardCharsets.UTF_8), chunk, headers));
            }
            producer.flush();
        }
    }

    private void ensureCheckpointTopic(int partitions) {
        if (checkpointTopicReady) {
            return;
        }
        try (Admin admin = Admin.create(settings.client().kafka())) {
            TopicAdmin.on(admin).partitions(partitions)
                    .ensure(SimsnapTopics.CHECKPOINTS.withName(settings.checkpointsTopic()));
        }
        checkpointTopicReady = true;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        // Short: a fetch parked at the end of the checkpoint partition must not delay the switch to the deltas.
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        return new KafkaConsumer<>(settings.client().kafka(props), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    private AvroDeserializer<?> deserializer() {
        AvroDeserializer<?> d = new AvroDeserializer<>();
        d.configure(settings.client().registry(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER, true)), false);
        return d;
    }

    @Override
    public void close() {
        // stateless between replays: clients are per call
    }

}
