package dev.simsnap.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.access.HttpAccess;
import dev.simsnap.connection.ClientConfig;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.producer.Iteration;
import dev.simsnap.producer.RunSpec;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.producer.TestStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Who may call the gateway, and why its workers never fence a library worker of the same run and worker id. */
@RealKafka
class GatewayAccessTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Properties config;

    GatewayAccessTest(KafkaBroker broker) {
        this.config = TestStack.config(broker);
    }

    private HttpResponse<String> send(String method, String url, String body, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void postsNeedTheWriteTokenAndHealthStaysOpen() throws Exception {
        try (GatewayServer gateway = GatewayServer.builder().config(config).port(0)
                .access(HttpAccess.tokens("w-token", "r-token")).build().start()) {
            String run = TestStack.uniqueRun("gwaccess");
            String start = "{\"kind\":\"test\",\"expected_workers\":[\"w0\"],\"seed\":1}";
            HttpResponse<String> anonymous = send("POST", gateway.url() + "/runs/" + run + "/start", start, null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).contains(HttpAccess.CHALLENGE);
            assertThat(JSON.readTree(anonymous.body()).get("error").asText())
                    .startsWith("authentication required: POST /runs/" + run + "/start");
            HttpResponse<String> reader = send("POST", gateway.url() + "/runs/" + run + "/start", start, "r-token");
            assertThat(reader.statusCode()).isEqualTo(403);
            assertThat(JSON.readTree(reader.body()).get("error").asText()).contains("only allow reads");
            assertThat(send("GET", gateway.url() + "/runs/" + run + "/schemas/c", null, null).statusCode())
                    .isEqualTo(401);
            assertThat(send("GET", gateway.url() + "/health", null, null).statusCode()).isEqualTo(200);
            HttpResponse<String> writer = send("POST", gateway.url() + "/runs/" + run + "/start", start, "w-token");
            assertThat(writer.statusCode()).as(writer.body()).isEqualTo(200);
        }
    }

    @Test
    void gatewayWorkersHaveTheirOwnTransactionalIdPrefix() {
        assertThat(GatewayServer.workerConfig(ClientConfig.empty()).transactionalId("r", "w1"))
                .isEqualTo("simsnap-gateway:r-w1");
        // A library worker's prefix in the same configuration does not leak into the gateway's workers.
        ClientConfig shared = ClientConfig.empty().with(ClientConfig.TRANSACTIONAL_ID_PREFIX, "lab:")
                .with(GatewayServer.TRANSACTIONAL_ID_PREFIX, "gw-a:");
        assertThat(GatewayServer.workerConfig(shared).transactionalId("r", "w1")).isEqualTo("gw-a:r-w1");
    }

    @Test
    void aGatewayRequestForALibraryWorkersIdDoesNotFenceIt() throws Exception {
        String run = TestStack.uniqueRun("gwnofence");
        try (GatewayServer gateway = GatewayServer.builder().config(config).port(0).build().start();
             SimsnapWorker w1 = SimsnapWorker.builder().environment(Map.of()).config(config).run(run).worker("w1")
                     .build()) {
            w1.startRun(RunSpec.of("test", "w1"));
            try (Iteration it = w1.beginIteration(0, 0)) {
                it.commit();
            }
            HttpResponse<String> r = send("POST", gateway.url() + "/runs/" + run + "/workers/w1/iterations/5",
                    "{\"virtual_date\":0,\"deltas\":[]}", null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            // Before the gateway had a prefix of its own, this commit failed: the request had fenced w1.
            try (Iteration it = w1.beginIteration(1, 0)) {
                it.commit();
            }
            assertThat(w1.state().lastIteration()).isEqualTo(1);
        }
    }
}
