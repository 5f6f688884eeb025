package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.model.StateModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway against requests that are too large, too far ahead or racing, over real HTTP on a real broker:
 * each is refused with a clear JSON answer and writes nothing, and the gateway stays within its memory bound.
 */
@RealKafka
class GatewayLimitsIT {

    private static final String ID = UUID.randomUUID().toString().substring(0, 8);
    private static final StateModel MODEL = StateModel.load(Path.of("../examples/kinds/epidemic-grid"));

    @TempDir
    static Path tmp;
    private static Stack stack;
    private static String gw;
    private static String bootstrap;

    @BeforeAll
    static void start(KafkaBroker broker) throws Exception {
        stack = Stack.start(broker, tmp, "limits-" + ID);
        gw = stack.gateway().url();
        bootstrap = broker.bootstrapServers();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static void startRun(String run) throws Exception {
        ObjectNode start = Http.JSON.createObjectNode();
        start.set("model", Http.JSON.readTree(MODEL.toJson()));
        start.putArray("expected_workers").add("w0");
        HttpResponse<String> r = Http.post(gw + "/runs/" + run + "/start", start.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static String change(int x, long infected) {
        return "{\"collection\": \"cells\", \"op\": \"upsert\", \"item\": {\"x\": " + x + ", \"y\": 0, "
                + "\"susceptible\": 100, \"infected\": " + infected + ", \"recovered\": 0}}";
    }

    @Test
    void aChunkedBodyOverTheLimitIs413WhileItIsStillArriving() throws Exception {
        String run = "limits-chunked-" + ID;
        startRun(run);
        long chunkedTotal = 60L * 1024 * 1024;
        long heapBefore = peakHeapReset();
        URI uri = URI.create(gw);
        String status;
        String body;
        long sent;
        long sentAtAnswer = -1;
        java.util.concurrent.atomic.AtomicLong progress = new java.util.concurrent.atomic.AtomicLong();
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /runs/" + run + "/workers/w0/steps/0 HTTP/1.1\r\nHost: " + uri.getHost() + "\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> writeChunked(out, run,
                    chunkedTotal, progress));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            String text = "";
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (sentAtAnswer < 0) {
                    sentAtAnswer = progress.get(); // how much of the body the client had sent when the answer came
                }
                response.write(buf, 0, n);
                text = response.toString(StandardCharsets.UTF_8);
                int head = text.indexOf("\r\n\r\n");
                if (head >= 0 && text.substring(head + 4).trim().endsWith("}")) {
                    break;
                }
            }
            status = text.substring(0, text.indexOf("\r\n"));
            body = text.substring(text.indexOf("\r\n\r\n") + 4);
            socket.close();
            sent = writer.get(60, TimeUnit.SECONDS);
        }
        long peak = peakHeapReset();
        System.out.printf("[GatewayLimitsIT] chunked body: %s when the client had sent %,d of %,d bytes (%,d in"
                + " all); %s; peak heap %,d MB (before %,d MB)%n", status, sentAtAnswer, chunkedTotal, sent,
                body.trim(), peak >> 20, heapBefore >> 20);
        assertThat(status).contains(" 413 ");
        String json = body.substring(body.indexOf('{'), body.lastIndexOf('}') + 1);
        JsonNode error = Http.JSON.readTree(json);
        assertThat(error.get("error").asText()).contains("over the gateway's limit of 16777216 bytes");
        // The answer comes while the body is still arriving (what the server does with the rest afterwards, read
        // and dropped or the connection closed, holds no memory: see the heap check below).
        assertThat(sentAtAnswer).as("refused before the whole body arrived").isBetween(0L, chunkedTotal - 1);
        // Nothing was written: step 0 is still free and takes other content.
        HttpResponse<String> small = Http.post(gw + "/runs/" + run + "/workers/w0/steps/0",
                "{\"clock\": {\"day\": 0}, \"changes\": [" + change(1, 1) + "]}");
        assertThat(small.statusCode()).as(small.body()).isEqualTo(200);
        assertThat(Http.json(small).get("status").asText()).isEqualTo("committed");
        assertThat(peak - heapBefore).as("heap held by the refused request").isLessThan(512L << 20);
    }

    @Test
    void aStepFarAheadOrAnIterationThatWouldBlockLaterOnesIsRefused() throws Exception {
        String run = "limits-ahead-" + ID;
        startRun(run);
        String step0 = "{\"clock\": {\"day\": 0}, \"changes\": [" + change(0, 1) + "]}";
        HttpResponse<String> far = Http.post(gw + "/runs/" + run + "/workers/w0/steps/1000000", step0);
        assertThat(far.statusCode()).as(far.body()).isEqualTo(422);
        assertThat(Http.json(far).get("error").asText()).contains("steps go one at a time: next is 0");
        HttpResponse<String> first = Http.post(gw + "/runs/" + run + "/workers/w0/steps", step0);
        assertThat(Http.json(first).get("step").asLong()).as(first.body()).isZero();

        // v1: an iteration of 2^63-1 would have left no later iteration to send.
        String v1 = "limits-v1-ahead-" + ID;
        HttpResponse<String> started = Http.post(gw + "/runs/" + v1 + "/start",
                "{\"kind\": \"trading-arena\", \"expected_workers\": [\"w0\"]}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        String empty = "{\"virtual_date\": 0, \"deltas\": []}";
        HttpResponse<String> max = Http.post(gw + "/runs/" + v1 + "/workers/w0/iterations/" + Long.MAX_VALUE, empty);
        assertThat(max.statusCode()).as(max.body()).isEqualTo(422);
        assertThat(Http.json(max).get("error").asText()).contains("is more than 1000000 beyond worker w0's last"
                + " committed iteration -1");
        HttpResponse<String> five = Http.post(gw + "/runs/" + v1 + "/workers/w0/iterations/5", empty);
        assertThat(Http.json(five).get("status").asText()).as(five.body()).isEqualTo("committed");
        HttpResponse<String> again = Http.post(gw + "/runs/" + v1 + "/workers/w0/iterations/5", empty);
        assertThat(Http.json(again).get("status").asText()).as(again.body()).isEqualTo("already_committed");
    }

    @Test
    void concurrentStartsOfOneRunThroughTwoGatewaysMakeOneDecision() throws Exception {
        try (dev.simsnap.gateway.GatewayServer second = dev.simsnap.gateway.GatewayServer.builder()
                .bootstrapServers(bootstrap).schemaRegistryUrl(stack.registry().url()).port(0).build().start()) {
            for (boolean v2 : new boolean[] {false, true}) {
                String run = "limits-start-" + (v2 ? "v2-" : "v1-") + ID;
                int starters = 8;
                java.util.List<CompletableFuture<HttpResponse<String>>> calls = new java.util.ArrayList<>();
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                for (int i = 0; i < starters; i++) {
                    String url = (i % 2 == 0 ? gw : second.url()) + "/runs/" + run + "/start";
                    ObjectNode body = Http.JSON.createObjectNode();
                    if (v2) {
                        body.set("model", Http.JSON.readTree(MODEL.toJson()));
                    } else {
                        body.put("kind", "trading-arena");
                    }
                    body.putArray("expected_workers").add("s" + i);
                    calls.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        return Http.post(url, body.toString());
                    }));
                }
                go.countDown();
                java.util.List<HttpResponse<String>> answers = new java.util.ArrayList<>();
                for (CompletableFuture<HttpResponse<String>> c : calls) {
                    answers.add(c.get(120, TimeUnit.SECONDS));
                }
                java.util.List<HttpResponse<String>> winners = answers.stream()
                        .filter(r -> r.statusCode() == 200).toList();
                System.out.printf("[GatewayLimitsIT] %d concurrent %s starts: %s%n", starters, v2 ? "v2" : "v1",
                        answers.stream().map(r -> r.statusCode() + (r.statusCode() == 200
                                ? " " + Http.json(r).get("status").asText() : "")).toList());
                assertThat(winners).hasSize(1);
                assertThat(Http.json(winners.get(0)).get("status").asText()).isEqualTo("started");
                JsonNode winner = Http.json(winners.get(0)).get("expected_workers");
                for (HttpResponse<String> r : answers) {
                    if (r.statusCode() != 200) {
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
                        assertThat(Http.json(r).get("existing").get("expected_workers")).isEqualTo(winner);
                    }
                }
                // The same definition again, through either gateway: already_started.
                ObjectNode same = Http.JSON.createObjectNode();
                if (v2) {
                    same.set("model", Http.JSON.readTree(MODEL.toJson()));
                } else {
                    same.put("kind", "trading-arena");
                }
                same.set("expected_workers", winner);
                for (String url : java.util.List.of(gw, second.url())) {
                    HttpResponse<String> r = Http.post(url + "/runs/" + run + "/start", same.toString());
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    assertThat(Http.json(r).get("status").asText()).isEqualTo("already_started");
                }
            }
        }
    }

    /** Writes a step body of {@code total} bytes in 64 KiB chunks; returns how many bytes got out. */
    private static long writeChunked(OutputStream out, String run, long total,
                                     java.util.concurrent.atomic.AtomicLong progress) {
        long written = 0;
        try {
            StringBuilder one = new StringBuilder("{\"clock\": {\"day\": 0}, \"changes\": [");
            while (one.length() < 64 * 1024) {
                one.append(change(1, one.length())).append(", ");
            }
            byte[] chunk = one.toString().getBytes(StandardCharsets.UTF_8);
            String size = Integer.toHexString(chunk.length) + "\r\n";
            for (; written < total; written += chunk.length) {
                out.write(size.getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                progress.set(written + chunk.length);
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            // the gateway answered and closed the connection: expected once it refused the body
        }
        return written;
    }

    /** The sum of the heap pools' peak use since the last call, then resets the peaks. */
    private static long peakHeapReset() {
        System.gc();
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
                pool.resetPeakUsage();
            }
        }
        return sum;
    }
}
