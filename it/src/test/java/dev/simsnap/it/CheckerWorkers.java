package dev.simsnap.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.producer.Step;
import dev.simsnap.producer.StepConflictException;
import dev.simsnap.producer.StepResult;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.IterationCommitted;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The writing side of one checker try: starts the run with the worker library, then plays the script's schedule
 * with one thread per worker (so steps of different workers really overlap when the schedule says so), each worker
 * publishing through the Java library or the HTTP gateway.
 *
 * <p>Faults before a step's real commit, as the broker sees a worker process that dies mid-commit: a producer with
 * the worker's {@code transactional.id} ({@code simsnap-<run>-<worker>}, a gateway worker's
 * {@code simsnap-gateway:<run>-<worker>}; PROTOCOL.md section 5) sends poison
 * deltas and an IterationCommitted for the step, then either aborts ({@code ZOMBIE_ABORTED}) or is left hanging
 * with the transaction open ({@code ZOMBIE_KILLED}: the restarted worker's {@code initTransactions} fences it and
 * aborts it; until then the run's partition is stuck at its first record). A library worker is closed before
 * (its process died) and reopened after; a gateway worker's cached instance is fenced, its next request answers
 * 503 and the client retries (PROTOCOL.md 6.1). Retries after the real commit: the identical step re-sent (library
 * and gateway: {@code already_committed}), re-sent by a new library instance after a lost acknowledgement
 * ({@code ALREADY_COMMITTED}), and re-sent with different content (refused: StepConflictException / 409).
 */
final class CheckerWorkers implements AutoCloseable {

    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(90);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Properties config;
    private final String gatewayUrl;
    private final String registryUrl;
    private final StateModel model;
    private final String run;
    private final CheckerScript script;
    private final List<List<List<CheckerChange>>> changes;
    private final CheckerCommits commits;
    private final Consumer<String> violations;
    private final SimsnapWorker[] libs;
    private final ExecutorService[] threads;
    private final Map<String, Integer> schemaIds = new java.util.concurrent.ConcurrentHashMap<>();

    CheckerWorkers(Properties config, String gatewayUrl, String registryUrl, StateModel model, String run,
                   CheckerScript script, List<List<List<CheckerChange>>> changes, CheckerCommits commits,
                   Consumer<String> violations) {
        this.config = config;
        this.gatewayUrl = gatewayUrl;
        this.registryUrl = registryUrl;
        this.model = model;
        this.run = run;
        this.script = script;
        this.changes = changes;
        this.commits = commits;
        this.violations = violations;
        this.libs = new SimsnapWorker[script.workers()];
        this.threads = new ExecutorService[script.workers()];
        for (int w = 0; w < threads.length; w++) {
            String name = "checker-" + CheckerScript.worker(w);
            threads[w] = Executors.newSingleThreadExecutor(r -> new Thread(r, name));
        }
    }

    /** Starts the run (library, worker w0's id): RunStarted with the kind's model and every worker. */
    void startRun() {
        try (SimsnapWorker starter = open(0)) {
            if (!starter.start(new RunDefinition(model, script.workerIds(), Map.of(), 7))) {
                throw new IllegalStateException("run " + run + " was already started");
            }
        }
    }

    /** Plays the schedule; {@code atSlot} is told each slot index before its step starts. */
    void play(java.util.function.IntConsumer atSlot) throws Exception {
        int[] next = new int[script.workers()];
        List<Future<?>> pending = new ArrayList<>();
        for (int slot = 0; slot < script.order().size(); slot++) {
            atSlot.accept(slot);
            int w = script.order().get(slot);
            int k = next[w]++;
            Future<?> f = threads[w].submit(() -> {
                step(w, k);
                return null;
            });
            pending.add(f);
            if (!script.overlap().get(slot)) {
                f.get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
            Thread.sleep(script.pausesMs().get(slot));
        }
        for (Future<?> f : pending) {
            f.get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    private void step(int w, int k) throws Exception {
        CheckerScript.StepPlan plan = script.plans().get(w).get(k);
        List<CheckerChange> step = changes.get(w).get(k);
        boolean gateway = script.viaGateway().get(w);
        KafkaProducer<String, Object> zombie = null;
        if (plan.fault() != CheckerScript.Fault.NONE) {
            if (!gateway) {
                closeLib(w); // the worker process died mid-commit
            }
            zombie = zombie(w, k);
            if (plan.fault() == CheckerScript.Fault.ZOMBIE_ABORTED) {
                zombie.abortTransaction();
                zombie.close(Duration.ofSeconds(5));
                zombie = null;
                CheckerCounts.inc("fault.zombie-aborted");
            } else {
                CheckerCounts.inc("fault.zombie-killed");
                Thread.sleep(50); // the run's partition stays stuck while readers go on reading
            }
        }
        commits.begin();
        try {
            String status = gateway ? gatewayStep(w, k, step, false) : libStep(w, k, step);
            if (!status.equals("committed")) {
                violations.accept(CheckerScript.worker(w) + " step " + k + ": the first commit answered " + status);
            }
            CheckerCounts.inc("commits");
        } finally {
            commits.end();
        }
        if (zombie != null) {
            zombie.close(Duration.ZERO); // fenced by now: nothing of it can ever commit
        }
        switch (plan.retry()) {
            case NONE -> {
            }
            case RESEND_SAME -> expect(w, k, "re-sent identical", gateway ? gatewayStep(w, k, step, false)
                    : libStep(w, k, step), "already_committed");
            case RESEND_AFTER_LOST_ACK -> {
                if (!gateway) {
                    closeLib(w); // the acknowledgement was lost: a new instance sends the step again
                }
                expect(w, k, "re-sent after a lost ack", gateway ? gatewayStep(w, k, step, false)
                        : libStep(w, k, step), "already_committed");
            }
            case RESEND_CONFLICTING -> {
                List<CheckerChange> other = CheckerScript.conflicting(step, w, k);
                String status;
                if (gateway) {
                    status = gatewayStep(w, k, other, true);
                } else {
                    try {
                        status = libStep(w, k, other);
                    } catch (StepConflictException e) {
                        status = "step-conflict";
                    }
                }
                expect(w, k, "re-sent with other content", status, "step-conflict");
            }
        }
        if (plan.retry() != CheckerScript.Retry.NONE) {
            CheckerCounts.inc("retry." + plan.retry().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        }
    }

    private void expect(int w, int k, String what, String status, String expected) {
        if (!status.equals(expected)) {
            violations.accept(CheckerScript.worker(w) + " step " + k + " " + what + ": answered " + status
                    + ", expected " + expected);
        }
    }

    // ---- the Java worker library ----------------------------------------------------------------------------------

    private String libStep(int w, int k, List<CheckerChange> step) {
        if (libs[w] == null) {
            libs[w] = open(w);
        }
        Step s = libs[w].beginStep(k, Map.of("tick", (long) k));
        for (CheckerChange c : step) {
            switch (c.op()) {
                case UPSERT -> s.upsert(c.collection(), record(schema(c.collection()), c.item()));
                case PATCH -> s.patch(c.collection(), c.id(), c.set());
                case APPEND -> s.append(c.collection(), c.id(), c.path(), c.items());
                case DELETE -> s.delete(c.collection(), c.id());
            }
        }
        StepResult r = s.commit();
        return r.status() == StepResult.Status.COMMITTED ? "committed" : "already_committed";
    }

    private SimsnapWorker open(int w) {
        return SimsnapWorker.builder().environment(Map.of()).config(config).run(run).worker(CheckerScript.worker(w))
                .build();
    }

    private void closeLib(int w) {
        if (libs[w] != null) {
            libs[w].close();
            libs[w] = null;
        }
    }

    private Schema schema(String collection) {
        return model.collection(collection).orElseThrow().latestSchema().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static GenericRecord record(Schema schema, Map<String, Object> values) {
        GenericRecord r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            Object v = values.get(f.name());
            r.put(f.name(), f.schema().getType() == Schema.Type.RECORD ? record(f.schema(), (Map<String, Object>) v) : v);
        }
        return r;
    }

    // ---- the HTTP gateway ---------------------------------------------------------------------------------------

    /** POST .../steps/{k}: its status, {@code step-conflict} for a 409 of that reason; retries 503s. */
    private String gatewayStep(int w, int k, List<CheckerChange> step, boolean conflictExpected) throws Exception {
        ObjectNode body = CheckerJson.MAPPER.createObjectNode();
        body.putObject("clock").put("tick", k);
        ArrayNode list = body.putArray("changes");
        for (CheckerChange c : step) {
            ObjectNode n = list.addObject();
            n.put("collection", c.collection());
            n.put("op", c.op().name().toLowerCase(java.util.Locale.ROOT));
            switch (c.op()) {
                case UPSERT -> n.set("item", CheckerJson.MAPPER.valueToTree(c.item()));
                case PATCH -> {
                    n.put("id", c.id());
                    n.set("set", CheckerJson.MAPPER.valueToTree(c.set()));
                }
                case APPEND -> {
                    n.put("id", c.id());
                    n.put("path", c.path());
                    n.set("items", CheckerJson.MAPPER.valueToTree(c.items()));
                }
                case DELETE -> n.put("id", c.id());
            }
        }
        String url = gatewayUrl + "/runs/" + run + "/workers/" + CheckerScript.worker(w) + "/steps/" + k;
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 503 && attempt < 20) {
                CheckerCounts.inc("gateway-503-retried");
                Thread.sleep(100);
                continue;
            }
            JsonNode answer = CheckerJson.tree(r.body());
            if (r.statusCode() == 409 && conflictExpected) {
                return answer.path("reason").asText("409 " + r.body());
            }
            if (r.statusCode() != 200) {
                throw new AssertionError("gateway " + url + " answered " + r.statusCode() + ": " + r.body());
            }
            return answer.path("status").asText();
        }
    }

    // ---- a worker that died mid-commit ---------------------------------------------------------------------------

    /**
     * A producer with the worker's transactional.id whose open transaction holds poison for step {@code k}: an
     * UPSERT of e0 and an APPEND to the worker's ledger book that no reference state has, and the step's
     * IterationCommitted. Sequences continue the worker's committed ones, as the dying worker's would.
     */
    private KafkaProducer<String, Object> zombie(int w, int k) {
        String worker = CheckerScript.worker(w);
        long sequence = 0;
        for (int s = 0; s < k; s++) {
            sequence += changes.get(w).get(s).size();
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getProperty("bootstrap.servers"));
        // The library's prefix is "simsnap-", the gateway's own "simsnap-gateway:" (README, Security): a zombie of a
        // gateway worker must share the gateway's id, or its open transaction is never fenced and holds the LSO.
        String prefix = script.viaGateway().get(w) ? "simsnap-gateway:" : "simsnap-";
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + run + "-" + worker);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "dev.simsnap.serde.AvroSerializer");
        p.put("schema.registry.url", registryUrl);
        KafkaProducer<String, Object> zombie = new KafkaProducer<>(p);
        zombie.initTransactions();
        zombie.beginTransaction();
        Map<String, Object> poison = new HashMap<>();
        poison.put("id", "e0");
        poison.put("value", -666L);
        poison.put("note", "POISON");
        poison.put("meta", Map.of("owner", "zombie", "rev", -1L));
        poison.put("log", List.of("POISON"));
        byte[] item = framed("entities", schema("entities"), record(schema("entities"), poison));
        byte[] entry = framed("ledger", Schema.createArray(Schema.create(Schema.Type.STRING)), List.of("POISON " + k));
        zombie.send(new ProducerRecord<>(Contracts.DELTAS_TOPIC, run, StateDelta.newBuilder().setRunId(run)
                .setWorkerId(worker).setSequence(sequence).setIteration(k).setEntityId("e0").setCollection("entities")
                .setOp(Operation.UPSERT).setPatchFields(List.of()).setItem(ByteBuffer.wrap(item)).build()));
        zombie.send(new ProducerRecord<>(Contracts.DELTAS_TOPIC, run, StateDelta.newBuilder().setRunId(run)
                .setWorkerId(worker).setSequence(sequence + 1).setIteration(k).setEntityId(worker)
                .setCollection("ledger").setOp(Operation.APPEND).setPatchFields(List.of("entries"))
                .setItem(ByteBuffer.wrap(entry)).build()));
        zombie.send(new ProducerRecord<>(Contracts.DELTAS_TOPIC, run, IterationCommitted.newBuilder().setRunId(run)
                .setWorkerId(worker).setIteration(k).setDeltaCount(2).setLastSequence(sequence + 1)
                .setClock(new HashMap<>(Map.of("tick", (long) k))).setContentDigest(ByteBuffer.wrap(new byte[32]))
                .build()));
        zombie.flush();
        return zombie;
    }

    /** Confluent framing (0x00, the subject's latest schema id, Avro binary), encoded here with plain Avro. */
    private byte[] framed(String collection, Schema schema, Object datum) {
        int id = schemaIds.computeIfAbsent(collection,
                c -> RegistryRest.latestId(registryUrl, "simsnap.kind." + model.kind() + "." + c));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array(), 0, 4);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new GenericDatumWriter<Object>(schema).write(datum, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        for (ExecutorService t : threads) {
            t.shutdownNow();
        }
        for (int w = 0; w < libs.length; w++) {
            try {
                closeLib(w);
            } catch (RuntimeException e) {
                // closing after a failure: the next try opens its own workers
            }
        }
    }
}
