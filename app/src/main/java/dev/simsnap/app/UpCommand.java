package dev.simsnap.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code simsnap up}: the embedded default, in one process and without Docker: a KRaft broker, the schema registry,
 * and everything built on them, serving until Ctrl-C. Data lives under {@code --data-dir}, so a second start keeps
 * every run of the first.
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

    @Option(names = "--bootstrap-servers", description = "Use this Kafka instead of the embedded broker.")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", description = "Use this registry instead of the embedded one.")
    String registryUrl;

    @Option(names = "--exit-after-start", hidden = true, description = "Start, print the addresses, then stop (smoke tests).")
    boolean exitAfterStart;

    @Override
    public Integer call() throws Exception {
        if (brokers < 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--brokers must be at least 1, got " + brokers);
        }
        if (brokers > 1 && bootstrapServers != null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--brokers starts embedded brokers; it cannot be combined with --bootstrap-servers");
        }
        EmbeddedStack.Options options = new EmbeddedStack.Options(dataDir, kafkaPort, registryPort, servicePort, gatewayPort,
                outputRoot, bootstrapServers, registryUrl, brokers);
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
