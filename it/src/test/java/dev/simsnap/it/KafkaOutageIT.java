package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.devstack.EmbeddedKafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.gateway.GatewayServer;
import dev.simsnap.model.StateModel;
import dev.simsnap.simulate.TradingArenaSimulation;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stops for longer than every client timeout (transaction, delivery, blocking calls are set short
 * here) and comes back on the same data dir and port. Nobody is restarted: the gateway answers 503 while Kafka
 * is away — never 409 — and a client that re-sends the same step gets {@code committed} or
 * {@code already_committed}; the simulate worker retries by itself; every step is in Kafka exactly once.
 */
@RealKafka(restartable = true)
class KafkaOutageIT {

    /** Longer than transaction.timeout.ms, delivery.timeout.ms and max.block.ms below. */
    private static final Duration OUTAGE = Duration.ofSeconds(12);

    private static final int SIM_ITERATIONS = 600;

    @TempDir
    Path tmp;

    /** Client settings of the gateway's and simulate's workers: every wait shorter than the outage. */
    private static Properties shortTimeouts() {
        Properties p = new Properties();
        p.setProperty("max.block.ms", "3000");
        p.setProperty("request.timeout.ms", "2000");
        p.setProperty("delivery.timeout.ms", "5000");
        p.setProperty("transaction.timeout.ms", "5000");
        p.setProperty("default.api.timeout.ms", "3000");
        p.setProperty("reconnect.backoff.max.ms", "500");
        return p;
    }

    @Test
    void gatewayAndSimulateComeThroughAnOutageByThemselves(EmbeddedKafkaBroker broker) throws Exception {
        StateModel model = StateModel.load(Path.of("../examples/kinds/epidemic-grid"));
        int steps = 40;
        String run = "outage-gw";
        String simRun = "outage-sim";
        try (Stack stack = Stack.start(broker, tmp, "outage");
             GatewayServer gateway = GatewayServer.builder().bootstrapServers(broker.bootstrapServers())
                     .schemaRegistryUrl(stack.registry().url()).config(shortTimeouts()).port(0).build().start()) {
            String gw = gateway.url();
            ObjectNode start = Http.JSON.createObjectNode();
            start.set("model", Http.JSON.readTree(model.toJson()));
            start.putArray("expected_workers").add("w0");
            HttpResponse<String> started = Http.post(gw + "/runs/" + run + "/start", start.toString());
            assertThat(started.statusCode()).as(started.body()).isEqualTo(200);

            Map<String, Integer> answers = new TreeMap<>();
            CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
                for (int k = 0; k < steps; k++) {
                    while (true) {
                        HttpResponse<String> r = Http.post(gw + "/runs/" + run + "/workers/w0/steps/" + k,
                                stepBody(k));
                        String status = r.statusCode() == 200 ? Http.json(r).get("status").asText()
                                : Integer.toString(r.statusCode());
                        synchronized (answers) {
                            answers.merge(status, 1, Integer::sum);
                        }
                        if (r.statusCode() == 200) {
                            break;
                        }
                        assertThat(r.statusCode()).as("step " + k + ": " + r.body()).isEqualTo(503);
                        assertThat(Http.json(r).get("error").asText()).isNotBlank();
                        Chaos.sleep(300);
                    }
                    Chaos.sleep(150);
                }
            });
            Properties sim = stack.workerConfig(broker);
            sim.putAll(shortTimeouts());
            CompletableFuture<Void> simulate = CompletableFuture.runAsync(() -> TradingArenaSimulation.run(sim,
                    new TradingArenaSimulation.Params(simRun, 4, 2, SIM_ITERATIONS, 1, 7), null));

            Http.awaitConsistent(stack.service().url(), run, 3, Duration.ofSeconds(60));
            Http.awaitConsistent(stack.service().url(), simRun, 5, Duration.ofSeconds(60));
            assertThat(simulate).as("simulate still running when the broker stops").isNotDone();
            long t0 = System.nanoTime();
            broker.stop();
            Thread.sleep(OUTAGE.toMillis());
            broker.start();
            System.out.printf("[KafkaOutageIT] broker away for %d ms%n", (System.nanoTime() - t0) / 1_000_000);

            client.get(4, TimeUnit.MINUTES);
            simulate.get(4, TimeUnit.MINUTES);
            System.out.printf("[KafkaOutageIT] gateway answers over %d steps: %s%n", steps, answers);
            assertThat(answers.keySet()).isSubsetOf("committed", "already_committed", "503");
            assertThat(answers.get("503")).as("the outage was seen").isPositive();
            assertThat(answers.get("committed") + answers.getOrDefault("already_committed", 0)).isEqualTo(steps);

            // Every step once, in order, and the last content; the simulated run complete and ended.
            String service = stack.service().url();
            Http.awaitConsistent(service, run, steps - 1, Duration.ofSeconds(90));
            JsonNode cell = Http.json(Http.get(service + "/runs/" + run + "/items/cells?id=0/0"));
            assertThat(cell.toString()).contains("\"infected\":" + (steps - 1));
            Chaos.awaitRun(stack.service().service(), simRun, SIM_ITERATIONS, true);
            assertThat(stack.service().service().deadLetterStats().snapshot()).as("no record refused").isEmpty();
            KafkaIo.readByKey(broker.bootstrapServers(), dev.simsnap.schema.contract.Contracts.DELTAS_TOPIC, run,
                    1 + 2 * steps, Duration.ofSeconds(30));
        }
    }

    /**
     * A commit whose outcome is unknown although it happened: the broker receives the gateway's {@code EndTxn} and
     * commits, and from that moment nothing gets through for longer than every client timeout ({@link
     * CommitBlackout}, a relay the broker advertises; the broker itself is real and untouched). The gateway answers
     * 503; after recovery the identical request answers {@code already_committed} (never a second {@code committed}),
     * the same step with other content 409 step-conflict, and the step is in Kafka and in the state exactly once.
     */
    @Test
    void aCommitWhoseOutcomeIsUnknownIsAnsweredByWhatHappened() throws Exception {
        StateModel model = StateModel.load(Path.of("../examples/kinds/epidemic-grid"));
        String run = "outcome-unknown";
        int brokerPort = CommitBlackout.freePort();
        int relayPort = CommitBlackout.freePort();
        try (CommitBlackout relay = CommitBlackout.start(relayPort, brokerPort);
             EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(tmp.resolve("kafka")).port(brokerPort)
                     .brokerProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + relayPort).start();
             Stack stack = Stack.start(broker, tmp, "unknown");
             GatewayServer gateway = GatewayServer.builder().bootstrapServers(broker.bootstrapServers())
                     .schemaRegistryUrl(stack.registry().url()).config(shortTimeouts()).port(0).build().start()) {
            String gw = gateway.url();
            ObjectNode start = Http.JSON.createObjectNode();
            start.set("model", Http.JSON.readTree(model.toJson()));
            start.putArray("expected_workers").add("w0");
            HttpResponse<String> started = Http.post(gw + "/runs/" + run + "/start", start.toString());
            assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
            String step = gw + "/runs/" + run + "/workers/w0/steps/";
            HttpResponse<String> zero = Http.post(step + 0, stepBody(0));
            assertThat(Http.json(zero).get("status").asText()).as(zero.body()).isEqualTo("committed");

            relay.arm(GatewayServer.DEFAULT_TRANSACTIONAL_ID_PREFIX, OUTAGE.toMillis());
            long t0 = System.nanoTime();
            HttpResponse<String> first = Http.post(step + 1, stepBody(1));
            long answeredMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(relay.awaitTripped(0)).as("the gateway's EndTxn reached the broker").isTrue();
            assertThat(relay.dark()).as("answered while Kafka is unreachable").isTrue();
            assertThat(first.statusCode()).as(first.body()).isEqualTo(503);
            assertThat(Http.json(first).get("error").asText()).isNotBlank();

            Map<String, Integer> retries = new TreeMap<>();
            HttpResponse<String> again;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (true) {
                again = Http.post(step + 1, stepBody(1));
                retries.merge(again.statusCode() == 200 ? Http.json(again).get("status").asText()
                        : Integer.toString(again.statusCode()), 1, Integer::sum);
                if (again.statusCode() != 503 || System.nanoTime() > deadline) {
                    break;
                }
                Chaos.sleep(300);
            }
            System.out.printf("[KafkaOutageIT] unknown outcome: 503 after %d ms; retries of the same step: %s%n",
                    answeredMs, retries);
            assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
            assertThat(Http.json(again).get("status").asText()).as("the first attempt was committed")
                    .isEqualTo("already_committed");
            HttpResponse<String> other = Http.post(step + 1, stepBody(7));
            assertThat(other.statusCode()).as(other.body()).isEqualTo(409);
            assertThat(Http.json(other).get("reason").asText()).isEqualTo("step-conflict");

            String service = stack.service().url();
            Http.awaitConsistent(service, run, 1, Duration.ofSeconds(90));
            JsonNode cell = Http.json(Http.get(service + "/runs/" + run + "/items/cells?id=0/0"));
            assertThat(cell.toString()).contains("\"infected\":1");
            // RunStarted, then per step one delta and one IterationCommitted: step 1 once, never twice.
            assertThat(committedRecords(broker.bootstrapServers(), run)).isEqualTo(1 + 2 * 2);
        }
    }

    /** Every committed record of {@code run} on the deltas topic (read_committed, up to the end). */
    private static int committedRecords(String bootstrap, String run) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        p.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        p.put("value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(p)) {
            var partitions = consumer.partitionsFor(dev.simsnap.schema.contract.Contracts.DELTAS_TOPIC,
                    Duration.ofSeconds(30)).stream().map(i -> new org.apache.kafka.common.TopicPartition(i.topic(),
                    i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
            int n = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
                    && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    n += run.equals(r.key()) ? 1 : 0;
                }
            }
            return n;
        }
    }

    private static String stepBody(int k) {
        return "{\"clock\": {\"day\": " + k + "}, \"changes\": [{\"collection\": \"cells\", \"op\": \"upsert\", "
                + "\"item\": {\"x\": 0, \"y\": 0, \"susceptible\": " + (1000 - k) + ", \"infected\": " + k
                + ", \"recovered\": 0}}]}";
    }
}
