package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
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
 * and start order; every {@code SIMSNAP_*} variable the file sets is one the code reads (string literals in the
 * modules' main sources, found at test time); every main class a container runs is in the app's runtime jars
 * ({@code app/target/simsnap.jar} + {@code app/target/lib/}, what the Dockerfile copies).
 */
class ComposeFileIT {

    private static final Path REPO = Path.of(System.getProperty("simsnap.repo.dir", "..")).toAbsolutePath().normalize();
    private static final List<String> MODULES = List.of("schemas", "devstack", "registry", "producer",
            "snapshot-service", "app");
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
        assertEquals(Set.of("kafka", "schema-registry", "snapshot-service-1", "snapshot-service-2", "gateway",
                "simulation"), names(services));
        assertEquals("apache/kafka:4.1.1", services.get("kafka").get("image").asText());
        assertThat(services.get("schema-registry").get("image").asText())
                .matches("confluentinc/cp-schema-registry:[78]\\.\\d+\\.\\d+");
        for (String s : List.of("snapshot-service-1", "snapshot-service-2", "gateway", "simulation")) {
            assertEquals("simsnap:local", services.get(s).get("image").asText(), s);
            assertEquals("docker/Dockerfile", services.get(s).get("build").get("dockerfile").asText(), s);
            assertEquals(".", services.get(s).get("build").get("context").asText(), s);
        }
        assertEquals(List.of("9092:9092"), ports("kafka"));
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
    void kafkaIsSingleNodeKraftWithInternalAndExternalListeners() {
        JsonNode env = services.get("kafka").get("environment");
        assertEquals("broker,controller", env.get("KAFKA_PROCESS_ROLES").asText());
        assertEquals("1", env.get("KAFKA_NODE_ID").asText());
        assertEquals("1@kafka:9093", env.get("KAFKA_CONTROLLER_QUORUM_VOTERS").asText());
        assertEquals("CONTROLLER", env.get("KAFKA_CONTROLLER_LISTENER_NAMES").asText());
        assertThat(env.get("KAFKA_ADVERTISED_LISTENERS").asText()).contains("INTERNAL://kafka:19092")
                .contains("EXTERNAL://localhost:9092");
        // Transactions (exactly_once_v2, transactional workers) need these at 1 on a single broker.
        for (String rf : List.of("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")) {
            assertEquals("1", env.get(rf).asText(), rf);
        }
        assertNotNull(env.get("CLUSTER_ID"));
        JsonNode reg = services.get("schema-registry").get("environment");
        assertEquals("PLAINTEXT://kafka:19092", reg.get("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS").asText());
        assertEquals("http://0.0.0.0:8081", reg.get("SCHEMA_REGISTRY_LISTENERS").asText());
        assertNotNull(reg.get("SCHEMA_REGISTRY_HOST_NAME"));
    }

    @Test
    void healthchecksAndStartOrder() {
        assertThat(healthcheck("kafka")).contains("kafka-broker-api-versions.sh").contains("kafka:19092");
        assertThat(healthcheck("schema-registry")).contains("curl").contains("http://localhost:8081/subjects");
        assertThat(healthcheck("snapshot-service-1")).contains("curl").contains("http://localhost:8080/health");
        assertThat(healthcheck("snapshot-service-2")).contains("curl").contains("http://localhost:8080/health");
        assertEquals(Map.of("kafka", "service_healthy"), dependsOn("schema-registry"));
        Map<String, String> stack = Map.of("kafka", "service_healthy", "schema-registry", "service_healthy");
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
            assertEquals("kafka:19092", s.get("environment").get("SIMSNAP_BOOTSTRAP_SERVERS").asText());
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
        assertThat(args).containsSequence("--bootstrap-servers", "kafka:19092")
                .containsSequence("--schema-registry-url", "http://schema-registry:8081");
    }

    // ---- helpers ----

    private static Set<String> simsnapVariablesInMainSources() throws IOException {
        Set<String> found = new TreeSet<>();
        Pattern literal = Pattern.compile("\"(SIMSNAP_[A-Z0-9_]+)\"");
        for (String module : MODULES) {
            Path src = REPO.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(src)) {
                continue;
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
