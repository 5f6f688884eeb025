package dev.simsnap.service.cli;

import static dev.simsnap.service.http.TestClusterAccess.folder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.service.http.SnapshotServer;
import dev.simsnap.service.http.TestClusterAccess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code simsnap snapshot} against a running server. */
@RealKafka
class SnapshotCommandTest {

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new SnapshotCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void fetchesAndUnpacksAtomically(KafkaBroker broker) throws Exception {
        try (SchemaRegistryServer registry = SchemaRegistryServer.builder(broker.bootstrapServers()).port(0)
                .topic("_schemas-" + UUID.randomUUID()).build().start();
             TestClusterAccess cluster = new TestClusterAccess(broker.bootstrapServers(), registry.url());
             SnapshotServer server = cluster.server("snap-cli-" + UUID.randomUUID())) {
            server.awaitRunning(Duration.ofSeconds(60));
            cluster.publishRun("cli-run", 2, true);
            String url = server.url();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.consistentIteration(url, "cli-run") == 1);
            // Generations are applied by their own sub-topology, not in step with the deltas' consistent iteration.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.generationCount(url, "cli-run") == 1);
            Path out = TestClusterAccess.tempDir("cli-");

            Result ok = run("--run", "cli-run", "--out", out.toString(), "--service-url", url);
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(ok.out()).contains(out.resolve("cli-run").toString());
            var fetched = folder(out.resolve("cli-run"));
            assertThat(fetched).containsKeys("save/information.json", "save/persona.json", "persona_data/gen_0.json");
            Path written = Path.of(cluster.postSnapshot(url, "cli-run"));
            var posted = folder(written);
            assertThat(fetched.keySet()).isEqualTo(posted.keySet());
            posted.forEach((k, v) -> assertThat(fetched.get(k)).as(k).isEqualTo(v));

            Result again = run("--run", "cli-run", "--out", out.toString(), "--service-url", url + "/");
            assertThat(again.exit()).as(again.err()).isZero();
            try (var names = Files.list(out)) {
                assertThat(names.map(p -> p.getFileName().toString())).containsExactly("cli-run");
            }

            Result unknown = run("--run", "no-such-run", "--out", out.toString(), "--service-url", url);
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.err().strip()).isEqualTo(
                    "simsnap snapshot: unknown run 'no-such-run' (HTTP 404)");

            Result hostile = run("--run", "../../etc", "--out", out.toString(), "--service-url", url);
            assertThat(hostile.exit()).isEqualTo(1);
            assertThat(hostile.err()).contains("invalid run id '../../etc'").doesNotContain("\tat ");
            assertThat(out.getParent().getParent().resolve("etc")).doesNotExist();
        }
        int freePort;
        try (ServerSocket s = new ServerSocket(0)) {
            freePort = s.getLocalPort();
        }
        Result down = run("--run", "r", "--out", "target/cli-down", "--service-url", "http://127.0.0.1:" + freePort);
        assertThat(down.exit()).isEqualTo(1);
        assertThat(down.err().strip()).startsWith("simsnap snapshot: snapshot service unreachable at http://127.0.0.1:")
                .doesNotContain("\n");
    }
}
