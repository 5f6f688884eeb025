package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.devstack.junit.RequiredTool;
import dev.simsnap.gateway.GatewayServer;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.service.http.SnapshotServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Python adapters (clients/python, stdlib only) against the real stack: broker, registry, ingest gateway and
 * snapshot service, all in this JVM; {@code python3 -m unittest discover} runs with their URLs in the environment
 * and {@code SIMSNAP_REQUIRE_STACK=1}, so no stack test can silently skip.
 */
@RealKafka
class PythonAdaptersIT {

    private static final Logger LOG = LoggerFactory.getLogger(PythonAdaptersIT.class);

    @TempDir
    Path tmp;

    @Test
    void pythonUnittestsPassAgainstTheRealStack(KafkaBroker broker) throws Exception {
        Path python = NodeSupport.onPath("python3").orElse(null);
        RequiredTool.require("python3", python != null, "put Python 3 on the PATH (Debian: apt-get install python3;"
                + " PATH=" + System.getenv("PATH") + ")");
        Path clientDir = Path.of(System.getProperty("simsnap.python.dir", "../clients/python")).toAbsolutePath()
                .normalize();
        assertThat(clientDir.resolve("simsnap/__init__.py")).isRegularFile();
        String id = UUID.randomUUID().toString().substring(0, 8);
        String bootstrap = broker.bootstrapServers();
        KafkaIo.createSimsnapTopics(broker);
        try (SchemaRegistryServer registry = SchemaRegistryServer.builder(bootstrap).port(0)
                     .topic("_simsnap_schemas_py_" + id).build().start();
             GatewayServer gateway = GatewayServer.builder().bootstrapServers(bootstrap)
                     .schemaRegistryUrl(registry.url()).port(0).build().start();
             SnapshotServer service = SnapshotServer.builder().bootstrapServers(bootstrap)
                     .schemaRegistryUrl(registry.url()).stateDir(tmp.resolve("state")).outputRoot(tmp.resolve("out"))
                     .http("127.0.0.1", 0).applicationId("simsnap-py-" + id).partitions(3)
                     .streamsProperty("commit.interval.ms", 100).build().start()) {
            service.awaitRunning(Duration.ofSeconds(60));
            // Two interpreters between them run every test: the image's python3 has pydantic 2, Debian's
            // /usr/bin/python3 has python3-avro (the Apache Avro oracle). Each declares what it lacks; a test may skip
            // only for that library.
            Path debianPython = Path.of("/usr/bin/python3");
            RequiredTool.require("/usr/bin/python3", Files.isExecutable(debianPython),
                    "apt-get install python3 python3-avro");
            runSuite(clientDir, python, "avro", gateway.url(), service.url());
            runSuite(clientDir, debianPython, "pydantic", gateway.url(), service.url());
        }
    }

    private static void runSuite(Path clientDir, Path python, String lacking, String gatewayUrl, String serviceUrl)
            throws Exception {
        NodeSupport.Outcome outcome = NodeSupport.run(clientDir, Duration.ofMinutes(4), Map.of(
                        "SIMSNAP_GATEWAY_URL", gatewayUrl, "SIMSNAP_SERVICE_URL", serviceUrl,
                        "SIMSNAP_REQUIRE_STACK", "1", "PYTHONDONTWRITEBYTECODE", "1", "CI", "true",
                        "SIMSNAP_TESTS_WITHOUT", lacking),
                python.toString(), "-m", "unittest", "discover", "-v", "-s", "tests", "-t", ".");
        LOG.info("python unittest ({}):\n{}\n{}", python, outcome.stdout(), outcome.stderr());
        assertThat(outcome.ok()).as(outcome.describe()).isTrue();
        assertThat(outcome.stderr()).as(outcome.describe()).contains("OK");
        for (String line : outcome.stderr().lines().filter(l -> l.contains("skipped '")).toList()) {
            assertThat(line).as(python + ": only tests needing " + lacking + " may skip")
                    .contains("skipped '" + lacking + " is not installed'");
        }
    }
}
