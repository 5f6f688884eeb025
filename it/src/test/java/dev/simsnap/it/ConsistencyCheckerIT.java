package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.devstack.EmbeddedKafkaBroker;
import dev.simsnap.model.StateModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The consistency checker: a property over random interleavings of N workers x M steps of a checker-only kind
 * ({@code src/test/resources/kinds/checker-ledger}: descriptor and .avsc files, no Java of its own) against the
 * real stack (embedded KRaft broker, registry, ingest gateway, snapshot service), with random faults (a worker
 * dying mid-commit: its transaction aborted, or left open until the restarted worker fences it) and retries (the
 * same step re-sent, re-sent by a new instance after a lost ack, re-sent with other content), while readers hammer
 * the run: live snapshots (zip and folder), as-of snapshots, item reads, two SSE observers (one from the start,
 * one joining mid-run with {@code from=0}) and a {@code simsnap.current-state} consumer.
 *
 * <p>The oracle is {@link CheckerReference}, which applies the same script to plain maps and shares no class with
 * the product. Every state a reader sees must equal the reference after some step the run had consistently
 * reached while the read ran ({@link CheckerReaders}), never a mix; observers must see every step exactly once
 * and whole ({@link CheckerFeed}). At the end: the live state, every item and every as-of snapshot equal the
 * reference, each worker's ledger book holds one entry per op of each of its steps in order (nothing lost or
 * doubled, UPSERTs, PATCHes, DELETEs and APPENDs alike), aborted poison is nowhere, nothing was dead-lettered.
 *
 * <p>One stack serves all tries, each try its own run. jqwik is its own JUnit Platform engine, so this class
 * starts its own embedded broker instead of {@code @RealKafka}'s (a Jupiter extension). The counts over all
 * tries are printed at the end (one line starting {@code consistency-checker:}, kept in the Failsafe output file),
 * and the end fails unless some reads overlapped commits and some saw the consistent step advance while they ran.
 */
class ConsistencyCheckerIT {

    private static final String ID = UUID.randomUUID().toString().substring(0, 8);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final AtomicInteger TRIES = new AtomicInteger();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static EmbeddedKafkaBroker broker;
    private static Stack stack;
    private static StateModel model;

    @BeforeContainer
    static void startStack() throws Exception {
        model = StateModel.load(Path.of(ConsistencyCheckerIT.class.getResource("/kinds/checker-ledger/kind.json")
                .toURI()).getParent());
        broker = EmbeddedKafkaBroker.builder().start();
        stack = Stack.start(broker, Path.of("target", "checker-" + ID).toAbsolutePath(), "checker-" + ID);
    }

    @AfterContainer
    static void stopStack() {
        String summary = CheckerCounts.summary();
        System.out.println(summary);
        if (stack != null) {
            stack.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (CheckerCounts.get("runs") > 0) {
            assertThat(CheckerCounts.get("overlap.during-commit")).as("reads while a commit was in flight; " + summary)
                    .isPositive();
            assertThat(CheckerCounts.get("overlap.across-apply")).as("reads during which the consistent step advanced; "
                    + summary).isPositive();
        }
    }

    @Property(tries = 10, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE,
            afterFailure = AfterFailureMode.SAMPLE_FIRST)
    void everyReadSeesOneConsistentStepAndEveryStepIsAppliedOnce(@ForAll("scripts") CheckerScript script)
            throws Exception {
        long begin = System.nanoTime();
        String run = "checker-" + ID + "-" + TRIES.incrementAndGet();
        List<List<List<CheckerChange>>> changes = script.changes();
        CheckerReference reference = CheckerReference.of(changes);
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        Consumer<String> violation = v -> {
            violations.add(v);
            CheckerCounts.inc("violations");
        };
        String service = stack.service().url();
        CheckerCommits commits = new CheckerCommits();
        AtomicReference<CheckerSse> late = new AtomicReference<>();
        long[] phases = new long[3]; // end of the schedule, end of the wait for every observer, end of the final checks
        try (CheckerCurrentState currentState = new CheckerCurrentState(broker.bootstrapServers(), run, reference,
                violation);
             CheckerWorkers workers = new CheckerWorkers(stack.workerConfig(broker), stack.gateway().url(),
                     stack.registry().url(), model, run, script, changes, commits, violation)) {
            workers.startRun();
            awaitConsistent(service, run, -1);
            try (CheckerSse sse = CheckerSse.start("sse", service, run, reference, violation);
                 CheckerReaders readers = CheckerReaders.start(service, run, reference, commits, script.workerIds(),
                         violation)) {
                workers.play(slot -> {
                    if (slot == script.sseJoin()) {
                        late.set(CheckerSse.start("sse-late", service, run, reference, violation));
                    }
                });
                phases[0] = System.nanoTime();
                awaitConsistent(service, run, reference.last());
                for (var observer : List.of(sse, late.get())) {
                    if (!observer.awaitLast(WAIT)) {
                        violation.accept("an SSE observer saw steps up to " + observer.last() + " of 0.."
                                + reference.last() + " within " + WAIT);
                    }
                }
                if (!currentState.awaitLast(WAIT)) {
                    violation.accept("current-state showed steps up to " + currentState.last() + " of 0.."
                            + reference.last() + " within " + WAIT);
                }
            } finally {
                if (late.get() != null) {
                    late.get().close();
                }
            }
            phases[1] = System.nanoTime();
            finalChecks(service, run, script, changes, reference, violation);
            phases[2] = System.nanoTime();
        }
        CheckerCounts.inc("runs");
        CheckerCounts.add("steps", (long) script.workers() * script.steps());
        CheckerCounts.interleaving(script.interleaving());
        script.viaGateway().forEach(g -> CheckerCounts.inc(g ? "workers.gateway" : "workers.library"));
        System.out.printf("[ConsistencyCheckerIT] %s: %d workers x %d steps, schedule [%s], %d violations, %d ms"
                + " (schedule %d, settle %d, final checks %d)%n", run, script.workers(), script.steps(),
                script.interleaving(), violations.size(), (phases[2] - begin) / 1_000_000,
                (phases[0] - begin) / 1_000_000, (phases[1] - phases[0]) / 1_000_000,
                (phases[2] - phases[1]) / 1_000_000);
        assertThat(violations).as("violations of run %s, %s", run, script).isEmpty();
    }

    /** At the quiet end: live state, items, ledger, as-of steps, worker progress, dead letters. */
    private static void finalChecks(String service, String run, CheckerScript script,
                                    List<List<List<CheckerChange>>> changes, CheckerReference reference,
                                    Consumer<String> violation) throws Exception {
        long last = reference.last();
        HttpResponse<String> live = post(service + "/runs/" + run + "/snapshots");
        assertThat(live.statusCode()).as(live.body()).isEqualTo(201);
        assertThat(CheckerJson.tree(live.body()).get("iteration").asLong()).isEqualTo(last);
        Map<String, Map<String, Object>> state = CheckerFiles.state(
                CheckerFiles.read(Path.of(CheckerJson.tree(live.body()).get("path").asText())));
        if (!state.equals(reference.at(last))) {
            violation.accept("final live folder differs from the reference at " + last
                    + CheckerFiles.diff(reference.at(last), state));
        }
        // Every step applied exactly once: each book lists every op of each of its worker's steps once, in order.
        Object ledger = state.get("ledger");
        for (int w = 0; w < script.workers(); w++) {
            List<String> expected = new ArrayList<>();
            for (List<CheckerChange> step : changes.get(w)) {
                step.stream().filter(c -> c.collection().equals("ledger") && c.op() == CheckerChange.Op.APPEND)
                        .forEach(c -> expected.addAll(c.items()));
            }
            Object book = ledger instanceof Map<?, ?> m ? m.get(CheckerScript.worker(w)) : null;
            Object entries = book instanceof Map<?, ?> b ? b.get("entries") : null;
            Object steps = book instanceof Map<?, ?> b ? b.get("steps") : null;
            if (!expected.equals(entries) || !Long.valueOf(script.steps()).equals(steps)) {
                violation.accept("ledger of " + CheckerScript.worker(w) + ": expected " + script.steps()
                        + " steps with entries " + expected + " (each op once, in order), found " + book);
            }
        }
        for (String collection : List.of("entities", "ledger")) {
            List<String> ids = collection.equals("ledger") ? script.workerIds()
                    : IntStream.range(0, CheckerScript.POOL).mapToObj(CheckerScript::entity).toList();
            for (String id : ids) {
                HttpResponse<String> r = get(service + "/runs/" + run + "/items/" + collection + "?id=" + id);
                Object seen = r.statusCode() == 200 ? CheckerJson.parse(r.body().getBytes(java.nio.charset
                        .StandardCharsets.UTF_8)) : null;
                Object expected = reference.item(last, collection, id);
                if (r.statusCode() != (expected == null ? 404 : 200) || !java.util.Objects.equals(expected, seen)) {
                    violation.accept("final item " + collection + "/" + id + ": " + r.statusCode() + " " + r.body()
                            + ", expected " + expected);
                }
            }
        }
        for (long k = 0; k <= last; k++) {
            HttpResponse<String> asOf = post(service + "/runs/" + run + "/snapshots?iteration=" + k);
            assertThat(asOf.statusCode()).as(asOf.body()).isEqualTo(201);
            assertThat(CheckerJson.tree(asOf.body()).get("iteration").asLong()).isEqualTo(k);
            Map<String, Map<String, Object>> then = CheckerFiles.state(
                    CheckerFiles.read(Path.of(CheckerJson.tree(asOf.body()).get("path").asText())));
            if (!then.equals(reference.at(k))) {
                violation.accept("as-of folder of step " + k + " differs from the reference"
                        + CheckerFiles.diff(reference.at(k), then));
            }
            CheckerCounts.inc("read.as-of-final");
        }
        long middle = last / 2;
        HttpResponse<String> byClock = post(service + "/runs/" + run + "/snapshots?clock=tick:" + middle);
        assertThat(byClock.statusCode()).as(byClock.body()).isEqualTo(201);
        assertThat(CheckerJson.tree(byClock.body()).get("iteration").asLong()).isEqualTo(middle);
        HttpResponse<String> beyond = post(service + "/runs/" + run + "/snapshots?iteration=" + (last + 1));
        assertThat(beyond.statusCode()).as(beyond.body()).isEqualTo(409);
        HttpResponse<String> detail = get(service + "/runs/" + run);
        for (var worker : CheckerJson.tree(detail.body()).get("workers")) {
            if (worker.get("last_committed_iteration").asLong() != last) {
                violation.accept("worker status " + worker + ": last committed step is not " + last);
            }
        }
        List<String> dead = deadLetters(run);
        if (!dead.isEmpty()) {
            violation.accept("records of run " + run + " were dead-lettered: " + dead);
        }
    }

    /** Reasons of the dead-lettered records of {@code run} (read_committed, the whole topic). */
    private static List<String> deadLetters(String run) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> reasons = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = c.partitionsFor("simsnap.dead-letter", Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    if (run.equals(r.key())) {
                        var reason = r.headers().lastHeader("simsnap.dlq.reason");
                        reasons.add(reason == null ? "?" : new String(reason.value(),
                                java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return reasons;
    }

    private static void awaitConsistent(String service, String run, long step) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long seen = CheckerReaders.UNKNOWN;
        while (System.nanoTime() < deadline) {
            seen = CheckerReaders.consistent(service, run);
            if (seen >= step) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("run " + run + " did not reach consistent step " + step + " within " + WAIT
                + " (at " + seen + ")");
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---- what jqwik generates ----------------------------------------------------------------------------------

    @Provide
    Arbitrary<CheckerScript> scripts() {
        return Arbitraries.integers().between(2, 3)
                .flatMap(n -> Arbitraries.integers().between(3, 6).flatMap(m -> script(n, m)));
    }

    private static Arbitrary<CheckerScript> script(int n, int m) {
        Arbitrary<CheckerScript.Intent> intent = Combinators.combine(
                Arbitraries.of(CheckerChange.Op.values()),
                Arbitraries.integers().between(0, CheckerScript.POOL - 1),
                Arbitraries.integers().between(1, 15)).as(CheckerScript.Intent::new);
        Arbitrary<CheckerScript.Fault> fault = Arbitraries.frequency(
                Tuple.of(8, CheckerScript.Fault.NONE),
                Tuple.of(1, CheckerScript.Fault.ZOMBIE_ABORTED),
                Tuple.of(1, CheckerScript.Fault.ZOMBIE_KILLED));
        Arbitrary<CheckerScript.Retry> retry = Arbitraries.frequency(
                Tuple.of(7, CheckerScript.Retry.NONE),
                Tuple.of(1, CheckerScript.Retry.RESEND_SAME),
                Tuple.of(1, CheckerScript.Retry.RESEND_AFTER_LOST_ACK),
                Tuple.of(1, CheckerScript.Retry.RESEND_CONFLICTING));
        Arbitrary<CheckerScript.StepPlan> plan = Combinators.combine(intent.list().ofMaxSize(4), fault, retry)
                .as(CheckerScript.StepPlan::new);
        List<Integer> each = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            for (int k = 0; k < m; k++) {
                each.add(w);
            }
        }
        return Combinators.combine(
                Arbitraries.frequency(Tuple.of(2, false), Tuple.of(1, true)).list().ofSize(n),
                plan.list().ofSize(m).list().ofSize(n),
                Arbitraries.shuffle(each),
                Arbitraries.of(true, false).list().ofSize(n * m),
                Arbitraries.integers().between(0, 30).list().ofSize(n * m),
                Arbitraries.integers().between(0, n * m - 1)).as(CheckerScript::new);
    }
}
