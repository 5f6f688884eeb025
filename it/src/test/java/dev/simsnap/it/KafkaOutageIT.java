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

    private static String stepBody(int k) {
        return "{\"clock\": {\"day\": " + k + "}, \"changes\": [{\"collection\": \"cells\", \"op\": \"upsert\", "
                + "\"item\": {\"x\": 0, \"y\": 0, \"susceptible\": " + (1000 - k) + ", \"infected\": " + k
                + ", \"recovered\": 0}}]}";
    }
}
