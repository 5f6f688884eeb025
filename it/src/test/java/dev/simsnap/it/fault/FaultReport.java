package dev.simsnap.it.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * One fault scenario's counts, from independent sources: steps driven (the ledger), faults injected, reads checked
 * ({@link Readers}), and lost / doubled steps found by comparing the ledger with the history on the topics and with
 * the final state the service serves, and the records on the dead-letter topic. Printed as one line, also appended
 * to {@code target/fault-suite-summary.txt} (printed by {@code .ci/run}).
 */
final class FaultReport {

    static final Path SUMMARY = Path.of("target", "fault-suite-summary.txt");

    private final String scenario;
    private final long started = System.nanoTime();
    int steps;
    int faults;
    int reads;
    int readsAfterFault;
    int behind;
    int behindStale;
    int unanswered;
    int events;
    int retried;
    int lost;
    int doubled;
    int phantom;
    int deadLetters;
    final List<String> problems = new ArrayList<>();

    private FaultReport(String scenario) {
        this.scenario = scenario;
    }

    static FaultReport start(String scenario) {
        return new FaultReport(scenario);
    }

    /** Ledger vs the committed history of one run: every acknowledged step once, with every one of its deltas once. */
    void checkHistory(String run, History committed, Map<String, ? extends SortedSet<Long>> acked) {
        Map<String, Integer> commits = committed.commitsPerStep();
        for (Map.Entry<String, ? extends SortedSet<Long>> w : acked.entrySet()) {
            for (long s : w.getValue()) {
                int n = commits.getOrDefault(w.getKey() + " " + s, 0);
                if (n == 0) {
                    lost++;
                    problem(run + ": acknowledged step " + w.getKey() + " " + s + " is not in the history");
                } else if (n > 1) {
                    doubled += n - 1;
                    problem(run + ": step " + w.getKey() + " " + s + " committed " + n + " times");
                }
            }
        }
        for (String ws : commits.keySet()) {
            String[] p = ws.split(" ");
            SortedSet<Long> a = acked.get(p[0]);
            if (a == null || !a.contains(Long.parseLong(p[1]))) {
                phantom++;
                problem(run + ": step " + ws + " is in the history but no worker acknowledged it");
            }
        }
        committed.deltasPerSequence().forEach((seq, n) -> {
            if (n > 1) {
                doubled += n - 1;
                problem(run + ": delta " + seq + " committed " + n + " times");
            }
        });
        Map<String, Integer> deltas = committed.deltasPerStep();
        committed.declaredDeltaCounts().forEach((ws, declared) -> {
            int actual = deltas.getOrDefault(ws, 0);
            if (actual < declared) {
                lost += declared - actual;
                problem(run + ": step " + ws + " declares " + declared + " deltas, history holds " + actual);
            } else if (actual > declared) {
                doubled += actual - declared;
                problem(run + ": step " + ws + " declares " + declared + " deltas, history holds " + actual);
            }
        });
    }

    /** Ledger vs the final state served over REST. */
    void checkState(String run, Map<String, JsonNode> files, Map<String, ? extends SortedSet<Long>> acked) {
        ReferenceState.Diff d = ReferenceState.compare(files, acked);
        lost += d.lost;
        doubled += d.doubled;
        phantom += d.phantom;
        d.details.forEach(x -> problem(run + " final state: " + x));
    }

    /** Adds what the readers checked and any violation they saw. */
    void addReaders(Readers r) {
        reads += r.reads.get();
        readsAfterFault += r.readsAfterFault.get();
        behind += r.behind.get();
        behindStale += r.behindStale.get();
        unanswered += r.unansweredAfterFault.get();
        events += r.events.get();
        synchronized (r.violations) {
            r.violations.stream().limit(20).forEach(this::problem);
            if (!r.violations.isEmpty()) {
                problem(r.violations.size() + " read violations in all");
            }
        }
    }

    /** Counts every record on the dead-letter topic (read_committed, from the beginning). */
    void countDeadLetters(String bootstrap, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(p -> c.position(p, Duration.ofSeconds(30)) < end.get(p))
                    && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> {
                    deadLetters++;
                    problem("dead letter at " + r.topic() + "-" + r.partition() + "@" + r.offset() + ", key "
                            + (r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8)));
                });
            }
        }
    }

    void problem(String what) {
        if (problems.size() < 60) {
            problems.add(what);
        }
    }

    String line() {
        return String.format("[fault-suite] %s: steps driven %d, faults injected %d, reads checked %d (%d after the"
                        + " fault; %d behind an earlier read, %d of them marked stale; %d retry answers), events"
                        + " checked %d, retried %d, lost = %d, doubled = %d, dead letters = %d (%.1f s)", scenario,
                steps, faults, reads, readsAfterFault, behind, behindStale, unanswered, events, retried, lost,
                doubled, deadLetters, (System.nanoTime() - started) / 1e9);
    }

    /** Prints the line (and the problems), appends it to the summary file, then asserts a clean result. */
    void printAndAssert() {
        String line = line();
        System.out.println(line);
        problems.forEach(p -> System.out.println("[fault-suite]   " + p));
        try {
            Files.createDirectories(SUMMARY.getParent());
            Files.writeString(SUMMARY, line + (problems.isEmpty() ? "" : " PROBLEMS: " + problems) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(faults > 0, scenario + ": no fault was injected");
        assertTrue(steps > 0 && reads > 0, scenario + ": nothing driven or read: " + line);
        assertEquals(List.of(), problems, line);
        assertEquals(0, lost + doubled + phantom + deadLetters, line);
    }
}
