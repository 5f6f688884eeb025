package dev.simsnap.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.producer.SimsnapConfig;
import dev.simsnap.producer.TestStack;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.generation.GenerationSealed;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStarted;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The gateway against the real devstack broker and a real registry server. */
@RealKafka
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayServerTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Properties config;
    private final GatewayServer gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    GatewayServerTest(KafkaBroker broker) {
        this.config = TestStack.config(broker);
        this.gateway = GatewayServer.builder().bootstrapServers(config.getProperty(SimsnapConfig.BOOTSTRAP_SERVERS))
                .schemaRegistryUrl(config.getProperty(SimsnapConfig.SCHEMA_REGISTRY_URL)).port(0).build().start();
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private record Reply(int status, JsonNode json) {
    }

    private Reply post(String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), MAPPER.readTree(r.body()));
    }

    private static final String PERSON = "{\"entity_type\":\"PERSON\",\"entity_id\":\"1\",\"op\":\"UPSERT\","
            + "\"payload\":{\"person_id\":1,\"name\":\"Ann\",\"occupation\":\"Teacher\",\"principle\":\"Buy low.\","
            + "\"investment_duration\":\"long\",\"daily_income_from_job\":\"100\",\"cash\":%s,"
            + "\"minimum_living_expense\":5.0,\"reflect_frequency\":2}}";

    private void start(String run) throws Exception {
        Reply r = post("/runs/" + run + "/start", "{\"kind\":\"test\",\"expected_workers\":[\"w0\"],\"seed\":7}");
        assertThat(r.status()).as(r.json().toString()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("started");
    }

    @Test
    void iterationIsPublishedAsOneCommittedTransactionAndRetriesAreNotAppliedTwice() throws Exception {
        String run = TestStack.uniqueRun("gw");
        start(run);
        String body = "{\"virtual_date\":3,\"deltas\":[" + PERSON.formatted("10.5") + ","
                + "{\"entity_type\":\"PERSON\",\"entity_id\":\"1\",\"op\":\"PATCH\",\"patch_fields\":[\"cash\"],"
                + "\"payload\":{\"person_id\":1,\"cash\":11.0}}"
                + "]}";
        Reply first = post("/runs/" + run + "/workers/w0/iterations/0", body);
        assertThat(first.status()).as(first.json().toString()).isEqualTo(200);
        assertThat(first.json().get("status").asText()).isEqualTo("committed");
        assertThat(first.json().get("delta_count").asInt()).isEqualTo(2);

        Reply retry = post("/runs/" + run + "/workers/w0/iterations/0", body);
        assertThat(retry.status()).isEqualTo(200);
        assertThat(retry.json().get("status").asText()).isEqualTo("already_committed");

        Reply gen = post("/runs/" + run + "/workers/w0/generations/0", "{\"members\":[{\"name\":\"A\",\"age\":3,"
                + "\"occupation\":\"o\",\"backstory\":\"b\",\"core_values\":[],\"hobbies\":[\"h\"],"
                + "\"personality_traits\":{\"openness\":0.5},\"communication_style\":\"c\",\"topical_focus\":\"t\","
                + "\"interaction_policy\":\"i\",\"goals\":[]}],\"scores\":[1.5]}");
        assertThat(gen.status()).as(gen.json().toString()).isEqualTo(200);
        Reply end = post("/runs/" + run + "/end", "{\"worker\":\"w0\"}");
        assertThat(end.status()).as(end.json().toString()).isEqualTo(200);
        assertThat(end.json().get("final_iteration").asLong()).isEqualTo(0);

        List<ConsumerRecord<String, Object>> records = TestStack.records(config, Contracts.DELTAS_TOPIC, run, true);
        List<Object> values = records.stream().map(ConsumerRecord::value).toList();
        assertThat(values.stream().filter(RunStarted.class::isInstance).count()).isEqualTo(1);
        List<StateDelta> deltas = values.stream().filter(StateDelta.class::isInstance).map(StateDelta.class::cast)
                .toList();
        assertThat(deltas).extracting(StateDelta::getSequence).containsExactly(0L, 1L);
        assertThat(((Person) deltas.get(0).getPayload()).getCash()).isEqualTo(10.5);
        List<IterationCommitted> commits = values.stream().filter(IterationCommitted.class::isInstance)
                .map(IterationCommitted.class::cast).toList();
        assertThat(commits).hasSize(1);
        assertThat(commits.get(0).getDeltaCount()).isEqualTo(2);
        assertThat(commits.get(0).getVirtualDate()).isEqualTo(3);
        assertThat(TestStack.values(config, Contracts.GENERATIONS_TOPIC, run, GenerationSealed.class)).hasSize(1);
    }

    @Test
    void malformedJsonAndWrongFieldTypesAreRejectedAndNothingIsPublished() throws Exception {
        String run = TestStack.uniqueRun("gwbad");
        start(run);
        Reply malformed = post("/runs/" + run + "/workers/w0/iterations/0", "{\"virtual_date\":3,\"deltas\":[");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().get("error").asText()).contains("malformed JSON");

        // the second delta's cash is a string: the whole iteration is refused, the first delta included
        Reply wrongType = post("/runs/" + run + "/workers/w0/iterations/0", "{\"virtual_date\":3,\"deltas\":["
                + PERSON.formatted("10.5") + "," + PERSON.formatted("\"lots\"") + "]}");
        assertThat(wrongType.status()).isEqualTo(422);
        assertThat(wrongType.json().get("field").asText()).isEqualTo("deltas[1].payload.cash");

        Reply wrongDate = post("/runs/" + run + "/workers/w0/iterations/0", "{\"virtual_date\":\"x\",\"deltas\":[]}");
        assertThat(wrongDate.status()).isEqualTo(422);
        assertThat(wrongDate.json().get("field").asText()).isEqualTo("virtual_date");

        Reply badMember = post("/runs/" + run + "/workers/w0/generations/0", "{\"members\":[{\"name\":\"A\"}]}");
        assertThat(badMember.status()).isEqualTo(422);
        assertThat(badMember.json().get("field").asText()).startsWith("members[0]");

        // read_uncommitted: not even aborted records were written
        List<Object> all = TestStack.records(config, Contracts.DELTAS_TOPIC, run, false).stream()
                .map(ConsumerRecord::value).toList();
        assertThat(all).hasSize(1).allMatch(RunStarted.class::isInstance);
        assertThat(TestStack.records(config, Contracts.GENERATIONS_TOPIC, run, false)).isEmpty();

        // and the worker still accepts iteration 0
        Reply ok = post("/runs/" + run + "/workers/w0/iterations/0", "{\"virtual_date\":3,\"deltas\":["
                + PERSON.formatted("1") + "]}");
        assertThat(ok.status()).as(ok.json().toString()).isEqualTo(200);
        assertThat(ok.json().get("status").asText()).isEqualTo("committed");
    }

    @Test
    void aRestartedGatewayStillKnowsWhatWasCommittedAndAnUnstartedRunIsAConflict() throws Exception {
        String run = TestStack.uniqueRun("gwrestart");
        Reply early = post("/runs/" + run + "/workers/w0/iterations/0", "{\"virtual_date\":0,\"deltas\":[]}");
        assertThat(early.status()).as(early.json().toString()).isEqualTo(409);
        start(run);
        String body = "{\"virtual_date\":0,\"deltas\":[" + PERSON.formatted("1") + "]}";
        assertThat(post("/runs/" + run + "/workers/w0/iterations/5", body).status()).isEqualTo(200);
        try (GatewayServer second = GatewayServer.builder()
                .bootstrapServers(config.getProperty(SimsnapConfig.BOOTSTRAP_SERVERS))
                .schemaRegistryUrl(config.getProperty(SimsnapConfig.SCHEMA_REGISTRY_URL)).port(0).build().start()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(second.url() + "/runs/" + run
                            + "/workers/w0/iterations/5")).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(MAPPER.readTree(r.body()).get("status").asText()).isEqualTo("already_committed");
            // The same iteration number with other content (the arena's day 2, iteration 0) is never a silent
            // no-op: it is refused, also by a gateway that learnt the iteration from history.
            String other = "{\"virtual_date\":1,\"deltas\":[" + PERSON.formatted("1") + "]}";
            HttpResponse<String> conflict = http.send(HttpRequest.newBuilder(URI.create(second.url() + "/runs/" + run
                            + "/workers/w0/iterations/5")).POST(HttpRequest.BodyPublishers.ofString(other)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(conflict.statusCode()).as(conflict.body()).isEqualTo(409);
            assertThat(conflict.body()).contains("was committed with different content");
        }
        assertThat(TestStack.values(config, Contracts.DELTAS_TOPIC, run, StateDelta.class)).hasSize(1);
    }
}
