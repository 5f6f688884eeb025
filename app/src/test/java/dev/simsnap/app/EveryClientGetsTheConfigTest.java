package dev.simsnap.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.connection.ClientConfig;
import dev.simsnap.connection.ClientConfigSources;
import java.io.PrintStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerNotification;
import javax.management.NotificationFilterSupport;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Kafka client simsnap creates gets the client configuration. Kafka registers a JMX {@code app-info} bean for
 * every producer, consumer and admin client, whatever its configuration; the configuration under test names
 * {@link RecordingReporter} in {@code metric.reporters}, which records the clients it reached. Driven through every
 * path that builds clients: {@code up} (registry store, Streams and its inner clients, topic admin, live hub,
 * gateway workers, the sample runs' workers), an SSE catch-up, an as-of snapshot (replayer, checkpoint topic admin),
 * and the {@code simulate}, {@code import}, {@code replay} and {@code fork} commands given the setting with
 * {@code -X}. Any client built from the bootstrap servers alone shows up as an app-info bean the reporter never saw.
 * The stack runs with a write token, as {@code SIMSNAP_WRITE_TOKEN=... simsnap up} would: the registry, service and
 * gateway all require it, and the stack's own registry clients (the sample runs) present it by themselves.
 */
class EveryClientGetsTheConfigTest {

    private static final String REPORTER = "metric.reporters=" + RecordingReporter.class.getName();
    private static final String TOKEN = "up-write-token";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyProducerConsumerAndAdminClientIsBuiltFromIt(@TempDir Path tmp) throws Exception {
        Set<String> created = ConcurrentHashMap.newKeySet();
        NotificationFilterSupport filter = new NotificationFilterSupport();
        filter.enableType(MBeanServerNotification.REGISTRATION_NOTIFICATION);
        NotificationListener listener = (n, handback) -> {
            ObjectName name = ((MBeanServerNotification) n).getMBeanName();
            if ("app-info".equals(name.getKeyProperty("type")) && Set.of("kafka.producer", "kafka.consumer",
                    "kafka.admin.client").contains(name.getDomain())) {
                String id = name.getKeyProperty("id");
                created.add(name.getDomain() + " " + (id.startsWith("\"") ? ObjectName.unquote(id) : id));
            }
        };
        var server = ManagementFactory.getPlatformMBeanServer();
        server.addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, listener, filter, null);
        RecordingReporter.CONFIGURED.clear();
        Path out = tmp.resolve("snapshots");
        ClientConfig config = ClientConfigSources.resolve(Map.of("SIMSNAP_WRITE_TOKEN", TOKEN),
                Map.of("metric.reporters", RecordingReporter.class.getName()));
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (EmbeddedStack stack = EmbeddedStack.start(new EmbeddedStack.Options(tmp.resolve("data"), 0, 0, 0, 0, out,
                config, "127.0.0.1", 1), quiet)) {
            DemoRuns.ensure(stack, out, quiet);
            String service = stack.service().url();
            String gateway = stack.gateway().url();
            String bootstrap = stack.bootstrapServers();
            String registry = stack.registryUrl();

            // Gateway workers; the gateway wants the token.
            String start = "{\"kind\": \"trading-arena\", \"expected_workers\": [\"g0\"]}";
            assertThat(post(gateway + "/runs/reach-gw/start", start, null).statusCode()).isEqualTo(401);
            assertThat(post(gateway + "/runs/reach-gw/start", start, TOKEN).statusCode()).isEqualTo(200);
            // SSE catch-up, and an as-of snapshot through the replayer.
            assertThat(firstBytes(service + "/runs/" + DemoRuns.ARENA + "/events?from=0")).contains("iteration");
            assertThat(post(service + "/runs/" + DemoRuns.ARENA + "/snapshots?iteration=5", "", null).statusCode())
                    .isEqualTo(401);
            assertThat(post(service + "/runs/" + DemoRuns.ARENA + "/snapshots?iteration=5", "", TOKEN).statusCode())
                    .isEqualTo(201);
            assertThat(post(registry + "/subjects/x/versions", "{\"schema\": \"\\\"string\\\"\"}", null).statusCode())
                    .isEqualTo(401);
            // The commands, configured with -X like a user would.
            List<String> connection = List.of("--bootstrap-servers", bootstrap, "--schema-registry-url", registry,
                    "-X", REPORTER, "-X", "bearer.auth.credentials.source=STATIC_TOKEN", "-X", "bearer.auth.token=" + TOKEN);
            assertThat(run(connection, "simulate", "trading-arena", "--run", "reach-sim", "--agents", "3",
                    "--stocks", "2", "--iterations", "2")).isZero();
            Path personaData = java.nio.file.Files.createDirectories(tmp.resolve("persona_data"));
            java.nio.file.Files.writeString(personaData.resolve("gen_0.json"),
                    "[{\"name\": \"Ann\", \"bio\": \"Teaches.\"}]");
            assertThat(run(connection, "import", "--run", "reach-import", personaData.toString())).isZero();
            assertThat(run(connection, "replay", "--run", DemoRuns.ARENA, "--iteration", "3", "--out",
                    tmp.resolve("replayed").toString())).isZero();
            assertThat(run(connection, "fork", "--run", DemoRuns.ARENA, "--iteration", "3", "--new-run",
                    "reach-fork")).isZero();
        } finally {
            server.removeNotificationListener(MBeanServerDelegate.DELEGATE_NAME, listener);
        }
        Set<String> kinds = new TreeSet<>();
        created.forEach(c -> kinds.add(c.substring(0, c.indexOf(' '))));
        assertThat(kinds).containsExactly("kafka.admin.client", "kafka.consumer", "kafka.producer");
        assertThat(created).hasSizeGreaterThan(20);
        List<String> without = new ArrayList<>();
        for (String c : created) {
            if (!RecordingReporter.CONFIGURED.contains(c.substring(c.indexOf(' ') + 1))) {
                without.add(c);
            }
        }
        assertThat(without).as("clients built without the client configuration").isEmpty();
    }

    private static int run(List<String> connection, String... command) {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(connection);
        return Simsnap.commandLine().execute(args.toArray(String[]::new));
    }

    private HttpResponse<String> post(String url, String body, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The first kilobyte or so of a never-ending SSE stream. */
    private String firstBytes(String url) throws Exception {
        HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.InputStream in = r.body()) {
            return new String(in.readNBytes(1024), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
