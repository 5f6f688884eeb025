package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.simsnap.topic.Replication;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code docker-compose.yml} and {@code docker/Dockerfile} (no Docker needed): pinned images, ports, healthchecks
 * and start order; three brokers forming the KRaft quorum with the topic spec's replication rule; every {@code SIMSNAP_*} variable the file sets is one the code reads (string literals in the
 * modules' main sources, found at test time); every main class a container runs is in the app's runtime jars
 * ({@code app/target/simsnap.jar} + {@code app/target/lib/}, what the Dockerfile copies).
 */
class ComposeFileIT {

    private static final Path REPO = Path.of(System.getProperty("simsnap.repo.dir", "..")).toAbsolutePath().normalize();
    private static final List<String> BROKERS = List.of("kafka-1", "kafka-2", "kafka-3");
    private static final String ALL_BROKERS = "kafka-1:19092,kafka-2:19092,kafka-3:19092";
    private static JsonNode compose;
    private static JsonNode services;

    @BeforeAll
    static void parse() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory()); // plain YAML: the file uses no anchors/merge keys
        compose = yaml.readTree(REPO.resolve("docker-compose.yml").toFile());
        services = compose.get("services");
        assertNotNull(services, "services:");
    }

    @Test
    void servicesImagesAndPorts() {
        assertEquals(Set.of("kafka-1", "kafka-2", "kafka-3", "schema-registry", "snapshot-service-1",
                "snapshot-service-2", "gateway", "simulation"), names(services));
        for (String broker : BROKERS) {
            assertEquals("apache/kafka:4.1.1", services.get(broker).get("image").asText(), broker);
        }
        assertThat(services.get("schema-registry").get("image").asText())
                .matches("confluentinc/cp-schema-registry:[78]\\.\\d+\\.\\d+");
        for (String s : List.of("snapshot-service-1", "snapshot-service-2", "gateway", "simulation")) {
            assertEquals("simsnap:local", services.get(s).get("image").asText(), s);
            assertEquals("docker/Dockerfile", services.get(s).get("build").get("dockerfile").asText(), s);
            assertEquals(".", services.get(s).get("build").get("context").asText(), s);
        }
        assertEquals(List.of("9092:9092"), ports("kafka-1"));
        assertEquals(List.of("9094:9094"), ports("kafka-2"));
        assertEquals(List.of("9096:9096"), ports("kafka-3"));
        assertEquals(List.of("8081:8081"), ports("schema-registry"));
        assertEquals(List.of("8080:8080"), ports("snapshot-service-1"));
        assertEquals(List.of("8083:8080"), ports("snapshot-service-2"));
        assertEquals(List.of("8082:8082"), ports("gateway"));
        // Host ports are distinct.
        List<String> host = new ArrayList<>();
        services.forEach(s -> s.path("ports").forEach(p -> host.add(p.asText().split(":")[0])));
        assertEquals(host.size(), new HashSet<>(host).size(), "host ports " + host);
    }

    @Test
    void kafkaIsAThreeBrokerKraftQuorumWithTheTopicSpecsReplication() {
        Set<String> clusterIds = new HashSet<>();
        Set<String> dataVolumes = new HashSet<>();
        for (int i = 1; i <= BROKERS.size(); i++) {
            String broker = "kafka-" + i;
            JsonNode env = services.get(broker).get("environment");
            assertEquals("broker,controller", env.get("KAFKA_PROCESS_ROLES").asText(), broker);
            assertEquals(Integer.toString(i), env.get("KAFKA_NODE_ID").asText(), broker);
            // Every node votes: the quorum survives any one broker.
            assertEquals("1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093",
                    env.get("KAFKA_CONTROLLER_QUORUM_VOTERS").asText(), broker);
            assertEquals("CONTROLLER", env.get("KAFKA_CONTROLLER_LISTENER_NAMES").asText(), broker);
            String hostPort = ports(broker).get(0).split(":")[0];
            assertThat(env.get("KAFKA_ADVERTISED_LISTENERS").asText()).as(broker)
                    .contains("INTERNAL://" + broker + ":19092").contains("EXTERNAL://localhost:" + hostPort);
            assertThat(env.get("KAFKA_LISTENERS").asText()).as(broker).contains("EXTERNAL://:" + hostPort);
            // The topic spec's rule on a cluster of 3 (dev.simsnap.topic.Replication): factor 3, min ISR 2, also
            // for the brokers' own topics that transactions and consumer groups depend on.
            String factor = Short.toString(Replication.factor(BROKERS.size()));
            String minIsr = Integer.toString(Replication.minInsyncReplicas(BROKERS.size()).orElseThrow());
            for (String rf : List.of("KAFKA_DEFAULT_REPLICATION_FACTOR", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                    "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR")) {
                assertEquals(factor, env.get(rf).asText(), broker + " " + rf);
            }
            for (String isr : List.of("KAFKA_MIN_INSYNC_REPLICAS", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")) {
                assertEquals(minIsr, env.get(isr).asText(), broker + " " + isr);
            }
            assertEquals("false", env.get("KAFKA_AUTO_CREATE_TOPICS_ENABLE").asText(), broker);
            assertEquals("false", env.get("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE").asText(), broker);
            assertNotNull(env.get("CLUSTER_ID"), broker);
            clusterIds.add(env.get("CLUSTER_ID").asText());
            String volume = services.get(broker).get("volumes").get(0).asText().split(":")[0];
            assertTrue(compose.get("volumes").has(volume), broker + " named data volume");
            dataVolumes.add(volume);
        }
        assertEquals(1, clusterIds.size(), "one cluster id");
        assertEquals(BROKERS.size(), dataVolumes.size(), "a data volume per broker");
        JsonNode reg = services.get("schema-registry").get("environment");
        assertEquals("PLAINTEXT://kafka-1:19092,PLAINTEXT://kafka-2:19092,PLAINTEXT://kafka-3:19092",
                reg.get("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS").asText());
        assertEquals("3", reg.get("SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR").asText());
        assertEquals("http://0.0.0.0:8081", reg.get("SCHEMA_REGISTRY_LISTENERS").asText());
        assertNotNull(reg.get("SCHEMA_REGISTRY_HOST_NAME"));
    }

    @Test
    void healthchecksAndStartOrder() {
        for (String broker : BROKERS) {
            assertThat(healthcheck(broker)).contains("kafka-broker-api-versions.sh").contains(broker + ":19092");
        }
        assertThat(healthcheck("schema-registry")).contains("curl").contains("http://localhost:8081/subjects");
        assertThat(healthcheck("snapshot-service-1")).contains("curl").contains("http://localhost:8080/health");
        assertThat(healthcheck("snapshot-service-2")).contains("curl").contains("http://localhost:8080/health");
        Map<String, String> kafka = Map.of("kafka-1", "service_healthy", "kafka-2", "service_healthy", "kafka-3",
                "service_healthy");
        assertEquals(kafka, dependsOn("schema-registry"));
        Map<String, String> stack = new TreeMap<>(kafka);
        stack.put("schema-registry", "service_healthy");
        assertEquals(stack, dependsOn("snapshot-service-1"));
        assertEquals(stack, dependsOn("snapshot-service-2"));
        assertEquals(stack, dependsOn("gateway"));
        assertThat(dependsOn("simulation")).containsAllEntriesOf(stack);
        // Every depends_on target that must be healthy has a healthcheck.
        services.forEach(s -> s.path("depends_on").fieldNames().forEachRemaining(dep ->
                assertNotNull(services.get(dep).get("healthcheck"), dep + " has no healthcheck")));
    }

    @Test
    void twoSnapshotServiceInstancesShareTheApplicationIdNotTheirState() {
        JsonNode a = services.get("snapshot-service-1");
        JsonNode b = services.get("snapshot-service-2");
        assertEquals(a.get("environment").get("SIMSNAP_APPLICATION_ID").asText(),
                b.get("environment").get("SIMSNAP_APPLICATION_ID").asText());
        assertEquals("snapshot-service-1:8080", a.get("environment").get("SIMSNAP_APPLICATION_SERVER").asText());
        assertEquals("snapshot-service-2:8080", b.get("environment").get("SIMSNAP_APPLICATION_SERVER").asText());
        for (JsonNode s : List.of(a, b)) {
            assertEquals(s.get("hostname").asText() + ":" + s.get("environment").get("SIMSNAP_HTTP_PORT").asText(),
                    s.get("environment").get("SIMSNAP_APPLICATION_SERVER").asText(), "application.server reachable");
            assertEquals(ALL_BROKERS, s.get("environment").get("SIMSNAP_BOOTSTRAP_SERVERS").asText());
            assertEquals("http://schema-registry:8081", s.get("environment").get("SIMSNAP_SCHEMA_REGISTRY_URL").asText());
        }
        String stateA = stateVolume(a);
        String stateB = stateVolume(b);
        assertThat(stateA).isNotEqualTo(stateB);
        assertTrue(compose.get("volumes").has(stateA) && compose.get("volumes").has(stateB), "named state volumes");
    }

    @Test
    void everySimsnapVariableTheFileSetsIsReadByTheCode() throws IOException {
        Set<String> read = simsnapVariablesInMainSources();
        assertThat(read).contains("SIMSNAP_BOOTSTRAP_SERVERS", "SIMSNAP_APPLICATION_SERVER"); // the scan works
        Map<String, String> unknown = new TreeMap<>();
        Set<String> set = new TreeSet<>();
        services.fields().forEachRemaining(s -> s.getValue().path("environment").fieldNames().forEachRemaining(v -> {
            if (v.startsWith("SIMSNAP_")) {
                set.add(v);
                if (!read.contains(v)) {
                    unknown.put(s.getKey(), v);
                }
            }
        }));
        assertThat(set).isNotEmpty();
        assertEquals(Map.of(), unknown, "SIMSNAP_* variables no main source reads (read: " + read + ")");
        // The Dockerfile's ENV defaults too.
        Matcher m = Pattern.compile("\\b(SIMSNAP_[A-Z0-9_]+)=").matcher(dockerfile());
        while (m.find()) {
            assertThat(read).as("Dockerfile ENV " + m.group(1)).contains(m.group(1));
        }
    }

    @Test
    void mainClassesAreOnTheAppRuntimeClasspathTheDockerfileCopies() throws IOException {
        String df = dockerfile();
        assertThat(df).containsPattern("(?m)^FROM eclipse-temurin:17-jre\\s*$")
                .contains("COPY app/target/simsnap.jar").contains("COPY app/target/lib/")
                .contains("dev.simsnap.service.http.SnapshotServer");
        Path jar = REPO.resolve("app/target/simsnap.jar");
        Path lib = REPO.resolve("app/target/lib");
        assertTrue(Files.isRegularFile(jar) && Files.isDirectory(lib),
                "app/target/simsnap.jar and app/target/lib/ missing: run `mvn -B -DskipTests install` first");
        List<Path> classpath = new ArrayList<>(List.of(jar));
        try (Stream<Path> jars = Files.list(lib)) {
            jars.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(classpath::add);
        }
        String javaJarMain;
        try (JarFile app = new JarFile(jar.toFile())) {
            Manifest mf = app.getManifest();
            javaJarMain = mf.getMainAttributes().getValue("Main-Class");
            assertThat(mf.getMainAttributes().getValue("Class-Path")).contains("lib/");
        }
        assertEquals("dev.simsnap.app.Simsnap", javaJarMain);
        Set<String> mains = new TreeSet<>();
        mains.add(javaJarMain); // `java -jar simsnap.jar simulate ...`
        Matcher m = Pattern.compile("\\bdev\\.simsnap(\\.[A-Za-z0-9_]+)+").matcher(df);
        while (m.find()) {
            mains.add(m.group());
        }
        services.forEach(s -> s.path("command").forEach(arg -> {
            if (arg.asText().startsWith("dev.simsnap.")) {
                mains.add(arg.asText());
            }
        }));
        assertThat(mains).contains("dev.simsnap.service.http.SnapshotServer", "dev.simsnap.gateway.GatewayServer");
        for (String main : mains) {
            assertTrue(onClasspath(classpath, main.replace('.', '/') + ".class"), main + " not in app/target jars");
        }
        JsonNode sim = services.get("simulation").get("command");
        List<String> args = new ArrayList<>();
        sim.forEach(a -> args.add(a.asText()));
        assertEquals(List.of("java", "-jar", "/opt/simsnap/simsnap.jar", "simulate", "trading-arena"), args.subList(0, 5));
        assertThat(args).containsSequence("--bootstrap-servers", ALL_BROKERS)
                .containsSequence("--schema-registry-url", "http://schema-registry:8081");
    }

    // ---- helpers ----

    private static Set<String> simsnapVariablesInMainSources() throws IOException {
        Set<String> found = new TreeSet<>();
        Pattern literal = Pattern.compile("\"(SIMSNAP_[A-Z0-9_]+)\"");
        // Every module the root pom builds (a module list kept here went stale when modules were split).
        Matcher modules = Pattern.compile("<module>([^<]+)</module>")
                .matcher(Files.readString(REPO.resolve("pom.xml"), StandardCharsets.UTF_8));
        List<String> names = new ArrayList<>();
        while (modules.find()) {
            names.add(modules.group(1).strip());
        }
        assertThat(names).as("modules of the root pom").contains("contract", "confluent", "app");
        for (String module : names) {
            Path src = REPO.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(src)) {
                continue; // a module without main code (it)
            }
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    Matcher m = literal.matcher(Files.readString(f, StandardCharsets.UTF_8));
                    while (m.find()) {
                        found.add(m.group(1));
                    }
                }
            }
        }
        return found;
    }

    private static boolean onClasspath(List<Path> classpath, String entry) throws IOException {
        for (Path p : classpath) {
            try (JarFile j = new JarFile(p.toFile())) {
                if (j.getEntry(entry) != null) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String dockerfile() throws IOException {
        return Files.readString(REPO.resolve("docker/Dockerfile"), StandardCharsets.UTF_8);
    }

    private static Set<String> names(JsonNode object) {
        Set<String> out = new TreeSet<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static List<String> ports(String service) {
        List<String> out = new ArrayList<>();
        services.get(service).path("ports").forEach(p -> out.add(p.asText()));
        return out;
    }

    private static String healthcheck(String service) {
        JsonNode hc = services.get(service).get("healthcheck");
        assertNotNull(hc, service + " healthcheck");
        List<String> test = new ArrayList<>();
        hc.get("test").forEach(t -> test.add(t.asText()));
        assertThat(test.get(0)).isIn("CMD", "CMD-SHELL");
        return String.join(" ", test);
    }

    private static Map<String, String> dependsOn(String service) {
        Map<String, String> out = new TreeMap<>();
        services.get(service).path("depends_on").fields()
                .forEachRemaining(e -> out.put(e.getKey(), e.getValue().get("condition").asText()));
        return out;
    }

    private static String stateVolume(JsonNode service) {
        String stateDir = service.get("environment").get("SIMSNAP_STATE_DIR").asText();
        for (JsonNode v : service.get("volumes")) {
            String[] parts = v.asText().split(":");
            if (parts.length >= 2 && parts[1].equals(stateDir)) {
                return parts[0];
            }
        }
        throw new AssertionError("no volume mounted at " + stateDir);
    }
}
