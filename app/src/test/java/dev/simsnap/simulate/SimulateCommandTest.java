package dev.simsnap.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.producer.TestStack;
import dev.simsnap.producer.cli.ProducerMain;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.generation.GenerationChunk;
import dev.simsnap.schema.generation.GenerationSealed;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunEnded;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.schema.run.RunStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code simulate} through the real CLI, broker and registry. */
@RealKafka
class SimulateCommandTest {

    private static final int AGENTS = 7;
    private static final int STOCKS = 3;
    private static final int ITERATIONS = 8;
    private static final long SEED = 42;
    private final Properties config;

    SimulateCommandTest(KafkaBroker broker) {
        this.config = TestStack.config(broker);
    }

    @Test
    void threeWorkersCommitEveryIterationAndTheSeedDecidesTheRecords() {
        String runA = simulate(3);
        String runB = simulate(3);
        String runC = simulate(1);

        List<Object> a = values(runA);
        RunStarted started = (RunStarted) a.get(0);
        assertThat(started.getExpectedWorkers()).containsExactly("w0", "w1", "w2");
        assertThat(a.get(a.size() - 1)).isInstanceOfSatisfying(RunEnded.class,
                e -> assertThat(e.getStatus()).isEqualTo(RunStatus.COMPLETED));
        List<StateDelta> deltas = a.stream().filter(StateDelta.class::isInstance).map(StateDelta.class::cast)
                .collect(Collectors.toList());
        List<IterationCommitted> commits = a.stream().filter(IterationCommitted.class::isInstance)
                .map(IterationCommitted.class::cast).collect(Collectors.toList());
        // consistent: every expected worker committed every iteration, with the count and last sequence it sent
        for (String worker : started.getExpectedWorkers()) {
            List<IterationCommitted> mine = commits.stream().filter(c -> c.getWorkerId().equals(worker))
                    .collect(Collectors.toList());
            assertThat(mine).extracting(IterationCommitted::getIteration)
                    .containsExactlyElementsOf(range(0, ITERATIONS));
            List<StateDelta> sent = deltas.stream().filter(d -> d.getWorkerId().equals(worker))
                    .collect(Collectors.toList());
            assertThat(sent).extracting(StateDelta::getSequence).containsExactlyElementsOf(range(0, sent.size() - 1));
            for (IterationCommitted c : mine) {
                List<StateDelta> ofIteration = sent.stream().filter(d -> d.getIteration() == c.getIteration())
                        .collect(Collectors.toList());
                assertThat(ofIteration).hasSize(c.getDeltaCount());
                assertThat(c.getLastSequence()).isEqualTo(ofIteration.get(ofIteration.size() - 1).getSequence());
            }
        }
        // same seed, same records (values modulo run id)
        assertThat(normalized(values(runB))).isEqualTo(normalized(a));
        // and the same changes whatever the worker split
        assertThat(changes(values(runC))).isEqualTo(changes(a));
        // the published deltas rebuild the model's expected state
        StateApplier applier = new StateApplier();
        deltas.stream().sorted(Comparator.comparing(StateDelta::getIteration)
                        .thenComparing(StateDelta::getWorkerId).thenComparing(StateDelta::getSequence))
                .forEach(applier::apply);
        assertThat(applier.entities)
                .isEqualTo(StateApplier.expected(TradingArenaModel.at(AGENTS, STOCKS, SEED, ITERATIONS)));
    }

    @Test
    void twentyThousandPersonasPublishInChunksUnderTheRecordLimit() {
        String run = TestStack.uniqueRun("evo");
        long start = System.nanoTime();
        assertThat(execute("simulate", "persona-evolution", "--run", run, "--population", "20000",
                "--generations", "1", "--seed", "5")).isZero();
        long millis = (System.nanoTime() - start) / 1_000_000;
        List<ConsumerRecord<String, Object>> records = TestStack.records(config, Contracts.GENERATIONS_TOPIC, run,
                true);
        List<GenerationChunk> chunks = records.stream().map(ConsumerRecord::value)
                .filter(GenerationChunk.class::isInstance).map(GenerationChunk.class::cast)
                .collect(Collectors.toList());
        assertThat(chunks.stream().mapToInt(c -> c.getMembers().size()).sum()).isEqualTo(20_000);
        int maxBytes = records.stream().mapToInt(ConsumerRecord::serializedValueSize).max().orElseThrow();
        assertThat(maxBytes).isLessThan(300 * 1024);
        GenerationSealed sealed = (GenerationSealed) records.get(records.size() - 1).value();
        assertThat(sealed.getMemberCount()).isEqualTo(20_000);
        assertThat(sealed.getChunkCount()).isEqualTo(chunks.size());
        assertThat(sealed.getScores()).hasSize(20_000);
        System.out.printf("20000 personas: %d chunks, largest record %d bytes, total %d bytes, %d ms%n",
                chunks.size(), maxBytes, records.stream().mapToLong(ConsumerRecord::serializedValueSize).sum(),
                millis);
    }

    private String simulate(int workers) {
        String run = TestStack.uniqueRun("arena");
        assertThat(execute("simulate", "trading-arena", "--run", run, "--agents", "" + AGENTS, "--stocks",
                "" + STOCKS, "--iterations", "" + ITERATIONS, "--workers", "" + workers, "--seed", "" + SEED)).isZero();
        return run;
    }

    private int execute(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-servers", config.getProperty("bootstrap.servers"),
                "--schema-registry-url", config.getProperty("schema.registry.url")));
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ProducerMain());
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(all.toArray(String[]::new));
        if (exit != 0) {
            System.out.println(err);
        }
        return exit;
    }

    private List<Object> values(String run) {
        return TestStack.records(config, Contracts.DELTAS_TOPIC, run, true).stream().map(ConsumerRecord::value)
                .collect(Collectors.toList());
    }

    /** StateDeltas by (worker, sequence), run id blanked. */
    private static Map<String, StateDelta> normalized(List<Object> values) {
        Map<String, StateDelta> out = new TreeMap<>();
        values.stream().filter(StateDelta.class::isInstance).map(StateDelta.class::cast).forEach(d -> {
            StateDelta copy = StateDelta.newBuilder(d).setRunId("").build();
            out.put(d.getWorkerId() + "/" + d.getSequence(), copy);
        });
        return out;
    }

    /** What changed, without who sent it: (iteration, entity, op, fields, payload) per entity, in order. */
    private static Map<String, List<String>> changes(List<Object> values) {
        Map<String, List<String>> out = new TreeMap<>();
        values.stream().filter(StateDelta.class::isInstance).map(StateDelta.class::cast)
                .sorted(Comparator.comparing(StateDelta::getSequence)).forEach(d -> out
                        .computeIfAbsent(d.getIteration() + "/" + d.getEntityType() + "/" + d.getEntityId(),
                                k -> new ArrayList<>())
                        .add(d.getOp() + " " + d.getPatchFields() + " " + d.getPayload()));
        return out;
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(i);
        }
        return out;
    }
}
