package dev.simsnap.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import dev.simsnap.connection.ClientConfig;
import dev.simsnap.connection.ClientOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code simsnap up}: the embedded default, in one process and without Docker: a KRaft broker, the schema registry,
 * and everything built on them, serving until Ctrl-C. Data lives under {@code --data-dir}, so a second start keeps
 * every run of the first.
 *
 * <p>Takes the client configuration as every command does ({@code --client-config}, environment, {@code -X},
 * {@code --bootstrap-servers}, {@code --schema-registry-url}): bootstrap servers from any of them replace the embedded
 * broker, a registry URL the embedded registry, and every client of the stack gets the whole configuration. HTTP
 * credentials ({@code SIMSNAP_WRITE_TOKEN} and friends) guard the registry, the service and the gateway alike.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Run the embedded stack (broker, registry, snapshot service, ingest gateway) in this process until Ctrl-C.")
final class UpCommand implements Callable<Integer> {

    @Option(names = "--data-dir", defaultValue = "data", description = "Where the embedded broker keeps its log (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Embedded broker port; with --brokers N the"
            + " first of N consecutive ports (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--brokers", defaultValue = "1", description = "Embedded Kafka brokers: 1 runs in this process;"
            + " more run as processes of their own forming a KRaft cluster (controller quorum on up to 3), and every"
            + " topic gets replication factor min(3, brokers), min.insync.replicas 2 from 3 brokers on"
            + " (default: ${DEFAULT-VALUE}).")
    int brokers;

    @Option(names = "--registry-port", defaultValue = "8081", description = "Embedded registry port (default: ${DEFAULT-VALUE}).")
    int registryPort;

    @Option(names = "--service-port", defaultValue = "8080", description = "Snapshot service HTTP port (default: ${DEFAULT-VALUE}).")
    int servicePort;

    @Option(names = "--gateway-port", defaultValue = "8082", description = "HTTP ingest gateway port (default: ${DEFAULT-VALUE}).")
    int gatewayPort;

    @Option(names = "--out", defaultValue = "snapshots", description = "Output root for snapshot folders (default: ${DEFAULT-VALUE}).")
    Path outputRoot;

    @Option(names = "--no-demo", description = "Do not publish the sample runs (demo-arena, demo-evolution).")
    boolean noDemo;

    @Mixin
    ClientOptions client;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "Address the registry, service and gateway listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--exit-after-start", hidden = true, description = "Start, print the addresses, then stop (smoke tests).")
    boolean exitAfterStart;

    @Override
    public Integer call() throws Exception {
        if (brokers < 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--brokers must be at least 1, got " + brokers);
        }
        ClientConfig config = client.resolve();
        if (brokers > 1 && config.get(ClientConfig.BOOTSTRAP_SERVERS).isPresent()) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--brokers starts embedded brokers; it cannot be combined with bootstrap servers (--bootstrap-servers,"
                            + " SIMSNAP_BOOTSTRAP_SERVERS or the client configuration)");
        }
        EmbeddedStack.Options options = new EmbeddedStack.Options(dataDir, kafkaPort, registryPort, servicePort, gatewayPort,
                outputRoot, config, bind, brokers);
        try (EmbeddedStack stack = EmbeddedStack.start(options, System.out)) {
            if (!noDemo) {
                DemoRuns.ensure(stack, outputRoot, System.out);
            }
            System.out.println("REST      " + stack.service().url() + "/runs  (snapshots: POST /runs/{run}/snapshots, zip: GET /runs/{run}/snapshot)");
            System.out.println("OBSERVE   " + stack.service().url() + "/  (live observer page; SSE: GET /runs/{run}/events?from=K; terminal: simsnap observe --run R)");
            if (exitAfterStart) {
                return 0;
            }
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stack.close();
                stop.countDown();
            }, "simsnap-shutdown"));
            System.out.println("simsnap is up. Ctrl-C stops it.");
            stop.await();
        }
        return 0;
    }
}
