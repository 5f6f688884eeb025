package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.access.HttpAccess;
import dev.simsnap.connection.ClientConfig;
import dev.simsnap.devstack.EmbeddedKafkaBroker;
import dev.simsnap.gateway.GatewayServer;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.producer.Step;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.service.cli.ForkCommand;
import dev.simsnap.service.cli.ReplayCommand;
import dev.simsnap.service.http.SnapshotServer;
import dev.simsnap.topic.SimsnapTopics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole stack on a secured broker: SASL/PLAIN and Kafka's StandardAuthorizer, one principal per part, each with
 * the ACLs README's "Security" section lists and nothing more; the registry, the service and the gateway with HTTP
 * credentials. Every part gets its credentials through the one client configuration (a map in code, a
 * {@code --client-config} file, {@code -X}). Checked: the run flows from a library worker and a gateway worker
 * through the service to a snapshot, a replay and a fork; an observer principal reads the current state and nothing
 * else; a wrong password and another principal's transactional id fail with clear errors and write nothing; HTTP
 * writes without credentials are refused and fence no one.
 */
class SecuredStackIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String APP = "simsnap-sec";
    private static final String REGISTRY_WRITER = "schemas:registry-write-pw";
    private static final String REGISTRY_READ_TOKEN = "registry-read-token";
    private static final String SERVICE_WRITE = "service-write-token";
    private static final String SERVICE_READ = "service-read-token";
    private static final String GATEWAY_WRITE = "gateway-write-token";

    @TempDir
    static Path tmp;

    private static EmbeddedKafkaBroker broker;
    private static SchemaRegistryServer registry;
    private static SnapshotServer service;
    private static GatewayServer gateway;
    private static StateModel model;

    @BeforeAll
    static void startSecuredStack() throws Exception {
        broker = EmbeddedKafkaBroker.builder().saslPlain("admin", "admin-pw")
                .saslUser("registry", "registry-pw").saslUser("service", "service-pw").saslUser("lab", "lab-pw")
                .saslUser("gw", "gw-pw").saslUser("observer", "observer-pw").start();
        // The deployment creates the pipeline topics (by their specs); the workers may not.
        broker.ensureTopics(3, SimsnapTopics.pipeline());
        grantAcls();

        registry = SchemaRegistryServer.builder(kafka("registry", "registry-pw")).port(0)
                .access(HttpAccess.fromConfig(Map.of(HttpAccess.WRITE_USER_INFO, REGISTRY_WRITER,
                        HttpAccess.READ_TOKEN, REGISTRY_READ_TOKEN)))
                .build().start();
        service = SnapshotServer.builder().clientConfig(serviceConfig("service-pw"))
                .access(HttpAccess.tokens(SERVICE_WRITE, SERVICE_READ))
                .stateDir(tmp.resolve("state")).outputRoot(tmp.resolve("out")).http("127.0.0.1", 0)
                .applicationId(APP).partitions(3).streamsProperty("commit.interval.ms", 100).build().start();
        service.awaitRunning(Duration.ofSeconds(90));
        gateway = GatewayServer.builder().clientConfig(writer("gw", "gw-pw")
                        .with(GatewayServer.TRANSACTIONAL_ID_PREFIX, "gw:"))
                .access(HttpAccess.tokens(GATEWAY_WRITE, null)).port(0).build().start();
        model = StateModel.load(Path.of("../examples/kinds/epidemic-grid"));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {gateway, service, registry, broker}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("closing " + c + ": " + e);
            }
        }
    }

    // ---- the deployment: principals, their client configurations, their ACLs -------------------------------------

    /** Kafka address and a principal's SASL credentials: what every client of that principal gets. */
    private static ClientConfig kafka(String user, String password) {
        return ClientConfig.of(EmbeddedKafkaBroker.clientProperties(user, password))
                .with(ClientConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
    }

    /** A principal that publishes: Kafka credentials, the registry with the registry's write user (basic auth). */
    private static ClientConfig writer(String user, String password) {
        return kafka(user, password).with(ClientConfig.SCHEMA_REGISTRY_URL, registry.url())
                .with("basic.auth.credentials.source", "USER_INFO").with("basic.auth.user.info", REGISTRY_WRITER);
    }

    /** The library worker's configuration: the lab principal and its own transactional-id prefix. */
    private static ClientConfig lab(String password) {
        return writer("lab", password).with(ClientConfig.TRANSACTIONAL_ID_PREFIX, "lab:");
    }

    /** The service reads schemas with the registry's read token (bearer auth, Confluent's prefixed spelling). */
    private static ClientConfig serviceConfig(String password) {
        return kafka("service", password).with(ClientConfig.SCHEMA_REGISTRY_URL, registry.url())
                .with("schema.registry.bearer.auth.credentials.source", "STATIC_TOKEN")
                .with("schema.registry.bearer.auth.token", REGISTRY_READ_TOKEN);
    }

    private static AclBinding allow(ResourceType type, String name, PatternType pattern, String user,
                                    AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }

    /** Exactly README's list; READ and WRITE imply DESCRIBE. */
    private static void grantAcls() throws Exception {
        List<AclBinding> acls = new ArrayList<>();
        PatternType literal = PatternType.LITERAL;
        PatternType prefixed = PatternType.PREFIXED;
        // Registry: its store topic.
        acls.add(allow(ResourceType.TOPIC, "_simsnap_schemas", literal, "registry", AclOperation.ALL));
        // Service: reads the history, writes its own topics, Streams' internal topics, group and transactions.
        for (String t : List.of(Contracts.DELTAS_TOPIC, Contracts.GENERATIONS_TOPIC)) {
            acls.add(allow(ResourceType.TOPIC, t, literal, "service", AclOperation.READ));
        }
        for (String t : List.of("simsnap.current-state", Contracts.DEAD_LETTER_TOPIC, "simsnap.checkpoints")) {
            for (AclOperation op : List.of(AclOperation.CREATE, AclOperation.READ, AclOperation.WRITE)) {
                acls.add(allow(ResourceType.TOPIC, t, literal, "service", op));
            }
        }
        acls.add(allow(ResourceType.TOPIC, APP, prefixed, "service", AclOperation.ALL));
        acls.add(allow(ResourceType.GROUP, APP, prefixed, "service", AclOperation.READ));
        acls.add(allow(ResourceType.TRANSACTIONAL_ID, APP, prefixed, "service", AclOperation.WRITE));
        // Workers (library "lab", gateway "gw"): write and read back the history, each under its own prefix.
        for (String[] w : new String[][] {{"lab", "lab:"}, {"gw", "gw:"}}) {
            for (String t : List.of(Contracts.DELTAS_TOPIC, Contracts.GENERATIONS_TOPIC)) {
                acls.add(allow(ResourceType.TOPIC, t, literal, w[0], AclOperation.WRITE));
                acls.add(allow(ResourceType.TOPIC, t, literal, w[0], AclOperation.READ));
            }
            acls.add(allow(ResourceType.TRANSACTIONAL_ID, w[1], prefixed, w[0], AclOperation.WRITE));
            // Opening a worker checks every pipeline topic against its spec: it must see the other two.
            for (String t : List.of(Contracts.DEAD_LETTER_TOPIC, "simsnap.current-state")) {
                acls.add(allow(ResourceType.TOPIC, t, literal, w[0], AclOperation.DESCRIBE));
            }
        }
        // Fork and replay as the lab principal also read and keep checkpoints.
        for (AclOperation op : List.of(AclOperation.CREATE, AclOperation.READ, AclOperation.WRITE)) {
            acls.add(allow(ResourceType.TOPIC, "simsnap.checkpoints", literal, "lab", op));
        }
        // Observer: the current state, nothing else.
        acls.add(allow(ResourceType.TOPIC, "simsnap.current-state", literal, "observer", AclOperation.READ));
        try (Admin admin = Admin.create(kafka("admin", "admin-pw").kafka())) {
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
            // The broker's authorizer applies them from the metadata log a moment later.
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeAcls(AclBindingFilter.ANY).values()
                    .get(10, TimeUnit.SECONDS).containsAll(acls));
        }
    }

    // ---- tests ---------------------------------------------------------------------------------------------------

    @Test
    void theWholeStackRunsOnTheSecuredBroker() throws Exception {
        String run = "sec-" + UUID.randomUUID().toString().substring(0, 8);
        Schema cell = model.collection("cells").orElseThrow().latestSchema().orElseThrow();
        try (SimsnapWorker lib = SimsnapWorker.builder().environment(Map.of()).config(lab("lab-pw").toProperties())
                .run(run).worker("lib").build()) {
            assertThat(lib.transactionalId()).isEqualTo("lab:" + run + "-lib");
            assertThat(lib.start(new RunDefinition(model, List.of("gw", "lib"), Map.of(), 7))).isTrue();
            for (int day = 0; day < 3; day++) {
                Step s = lib.beginStep(Map.of("day", (long) day));
                s.upsert("cells", cell(cell, 0, 0, 100 - 10 * day, 10 * day));
                s.commit();
                HttpResponse<String> r = send("POST", gateway.url() + "/runs/" + run + "/workers/gw/steps",
                        "{\"clock\": {\"day\": " + day + "}, \"changes\": [{\"collection\": \"cells\", \"op\":"
                                + " \"upsert\", \"item\": {\"x\": 1, \"y\": 0, \"susceptible\": 50, \"infected\": "
                                + day + ", \"recovered\": 0, \"tags\": []}}]}", GATEWAY_WRITE);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
        }
        awaitConsistent(run, 2);

        HttpResponse<String> snapshot = send("POST", service.url() + "/runs/" + run + "/snapshots", "",
                SERVICE_WRITE);
        assertThat(snapshot.statusCode()).as(snapshot.body()).isEqualTo(201);
        Path folder = Path.of(JSON.readTree(snapshot.body()).get("path").asText());
        assertThat(Files.readString(folder.resolve("cells/0_0.json"))).contains("\"infected\": 20");
        assertThat(Files.readString(folder.resolve("cells/1_0.json"))).contains("\"infected\": 2");

        // replay, as the service principal, from a --client-config file.
        Path serviceFile = tmp.resolve("service-client.properties");
        Properties file = serviceConfig("service-pw").toProperties();
        try (var out = Files.newBufferedWriter(serviceFile)) {
            file.store(out, "service principal");
        }
        Cli replay = Cli.run(new ReplayCommand(), "--client-config", serviceFile.toString(), "--run", run,
                "--iteration", "1", "--out", tmp.resolve("replayed").toString(), "--no-checkpoints");
        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(Files.readString(tmp.resolve("replayed/" + run + "@1/cells/0_0.json")))
                .contains("\"infected\": 10");

        // fork, as the lab principal, everything given with -X.
        String forked = run + "-fork";
        List<String> args = new ArrayList<>(List.of("--run", run, "--iteration", "1", "--new-run", forked));
        lab("lab-pw").asMap().forEach((k, v) -> args.addAll(List.of("-X", k + "=" + v)));
        Cli fork = Cli.run(new ForkCommand(), args.toArray(String[]::new));
        assertThat(fork.exit()).as(fork.err()).isZero();
        awaitConsistent(forked, 1);

        // SSE from step 0 replays history through the catch-up reader (service principal, registry read token);
        // the observer page's way of passing the read token (access_token) is enough.
        JsonNode first = firstIterationEvent(service.url() + "/runs/" + run + "/events?from=0&access_token="
                + SERVICE_READ);
        assertThat(first.get("iteration").asLong()).isZero();

        // The observer principal reads the current state, and only that.
        Map<String, Object> observer = kafka("observer", "observer-pw").kafka(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(observer, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor("simsnap.current-state", Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seen.stream().noneMatch(r -> r.key() != null && new String(r.key()).contains(run))
                    && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
            assertThat(seen).anyMatch(r -> r.key() != null && new String(r.key()).contains(run));
            TopicPartition deltas = new TopicPartition(Contracts.DELTAS_TOPIC, 0);
            c.assign(List.of(deltas));
            c.seekToBeginning(List.of(deltas));
            assertThatThrownBy(() -> c.poll(Duration.ofSeconds(10)))
                    .isInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void aWrongPasswordFailsWithAClearError() {
        assertThatThrownBy(() -> SimsnapWorker.builder().environment(Map.of())
                .config(lab("not-the-password").toProperties()).run("sec-wrong").worker("w").build())
                .hasMessageContaining("Kafka refused the client's credentials")
                .hasMessageContaining("Invalid username or password")
                .hasMessageContaining("sasl.jaas.config");
        List<String> args = new ArrayList<>(List.of("--run", "sec-wrong", "--iteration", "0", "--out",
                tmp.resolve("wrong").toString()));
        serviceConfig("not-the-password").asMap().forEach((k, v) -> args.addAll(List.of("-X", k + "=" + v)));
        Cli replay = Cli.run(new ReplayCommand(), args.toArray(String[]::new));
        assertThat(replay.exit()).isEqualTo(1);
        assertThat(replay.err()).startsWith("simsnap replay: Kafka refused the client's credentials")
                .contains("Invalid username or password");
        assertThat(replay.err().strip().lines()).hasSize(1);
    }

    @Test
    void aWorkerCannotTakeAnotherPrincipalsTransactionalIdAndWritesNothing() throws Exception {
        Map<TopicPartition, Long> before = endOffsets();
        // The lab principal tries the gateway's prefix: it would fence the gateway's worker of that run.
        ClientConfig impostor = lab("lab-pw").with(ClientConfig.TRANSACTIONAL_ID_PREFIX, "gw:");
        assertThatThrownBy(() -> SimsnapWorker.builder().environment(Map.of()).config(impostor.toProperties())
                .run("sec-victim").worker("w1").build())
                .hasMessageContaining("cannot open transactional id 'gw:sec-victim-w1'")
                .hasMessageContaining("may not use the transactional id")
                .hasMessageContaining(ClientConfig.TRANSACTIONAL_ID_PREFIX);
        assertThat(endOffsets()).isEqualTo(before);
    }

    @Test
    void httpWritesNeedCredentialsAndAnAnonymousRequestFencesNoOne() throws Exception {
        String run = "sec-http-" + UUID.randomUUID().toString().substring(0, 8);
        Schema cell = model.collection("cells").orElseThrow().latestSchema().orElseThrow();
        try (SimsnapWorker w1 = SimsnapWorker.builder().environment(Map.of()).config(lab("lab-pw").toProperties())
                .run(run).worker("w1").build()) {
            w1.start(new RunDefinition(model, List.of("w1"), Map.of(), 1));
            Step first = w1.beginStep(Map.of("day", 0L));
            first.upsert("cells", cell(cell, 0, 0, 100, 0));
            first.commit();

            // The request of issue 16, now: refused, and w1 keeps publishing.
            HttpResponse<String> anonymous = send("POST", gateway.url() + "/runs/" + run
                    + "/workers/w1/iterations/5000000", "{\"virtual_date\": 0, \"deltas\": []}", null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                    v -> assertThat(v).startsWith("Bearer"));
            assertThat(JSON.readTree(anonymous.body()).get("error").asText()).contains("authentication required");
            HttpResponse<String> wrong = send("POST", gateway.url() + "/runs/" + run + "/workers/w1/steps",
                    "{\"clock\": {\"day\": 1}, \"changes\": []}", "guess");
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(wrong.body()).get("error").asText()).contains("invalid credentials");
            assertThat(send("GET", gateway.url() + "/health", null, null).statusCode()).isEqualTo(200);

            Step second = w1.beginStep(Map.of("day", 1L));
            second.upsert("cells", cell(cell, 0, 0, 90, 10));
            second.commit();
            assertThat(second.step()).isEqualTo(1);
        }
        awaitConsistent(run, 1);

        // The service: reads need the read token, writes the write token; the page and /health stay open.
        String runUrl = service.url() + "/runs/" + run;
        assertThat(send("GET", runUrl, null, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", runUrl, null, SERVICE_READ).statusCode()).isEqualTo(200);
        assertThat(send("GET", runUrl + "?access_token=" + SERVICE_READ, null, null).statusCode()).isEqualTo(200);
        HttpResponse<String> readerWrites = send("POST", runUrl + "/snapshots", "", SERVICE_READ);
        assertThat(readerWrites.statusCode()).isEqualTo(403);
        JsonNode body = JSON.readTree(readerWrites.body());
        assertThat(body.get("status").asInt()).isEqualTo(403);
        assertThat(body.get("error").asText()).contains("only allow reads");
        assertThat(send("POST", runUrl + "/snapshots", "", null).statusCode()).isEqualTo(401);
        assertThat(send("POST", runUrl + "/snapshots", "", SERVICE_WRITE).statusCode()).isEqualTo(201);
        assertThat(send("GET", service.url() + "/health", null, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", service.url() + "/", null, null).statusCode()).isEqualTo(200);
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** Every deltas partition's end offset (read_uncommitted: aborted records count too), read as the super user. */
    private static Map<TopicPartition, Long> endOffsets() throws Exception {
        try (Admin admin = Admin.create(kafka("admin", "admin-pw").kafka())) {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                request.put(new TopicPartition(Contracts.DELTAS_TOPIC, p), OffsetSpec.latest());
            }
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        }
    }

    /** The first {@code iteration} event of an SSE stream; fails after 60 s (the stream itself never ends). */
    private static JsonNode firstIterationEvent(String url) throws Exception {
        HttpResponse<java.io.InputStream> sse = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(sse.statusCode()).isEqualTo(200);
        java.util.concurrent.ExecutorService reader = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(sse.body()))) {
            return reader.submit(() -> {
                String event = null;
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("event:")) {
                        event = line.substring(6).trim();
                        assertThat(event).isNotEqualTo("dropped");
                    } else if (line.startsWith("data:") && "iteration".equals(event)) {
                        return JSON.readTree(line.substring(5).trim());
                    }
                }
                throw new AssertionError("the event stream ended without an iteration event");
            }).get(60, TimeUnit.SECONDS);
        } finally {
            reader.shutdownNow();
        }
    }

    private static GenericRecord cell(Schema schema, int x, int y, long susceptible, long infected) {
        GenericRecord c = new GenericData.Record(schema);
        c.put("x", x);
        c.put("y", y);
        c.put("susceptible", susceptible);
        c.put("infected", infected);
        c.put("recovered", 0L);
        c.put("tags", List.of());
        return c;
    }

    private static HttpResponse<String> send(String method, String url, String body, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitConsistent(String run, long step) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            HttpResponse<String> r = send("GET", service.url() + "/runs/" + run, null, SERVICE_READ);
            return r.statusCode() == 200 && JSON.readTree(r.body()).path("consistent_iteration").asLong(-1) >= step;
        });
    }

    /** One command run in process: exit code and what it printed on stderr. */
    private record Cli(int exit, String err) {
        static Cli run(Object command, String... args) {
            picocli.CommandLine cli = new picocli.CommandLine(command);
            StringWriter err = new StringWriter();
            cli.setErr(new PrintWriter(err, true));
            cli.setOut(new PrintWriter(new StringWriter(), true));
            int exit = cli.execute(args);
            return new Cli(exit, err.toString());
        }
    }
}
