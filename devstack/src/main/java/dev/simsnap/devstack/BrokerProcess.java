package dev.simsnap.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;

/**
 * One node of a {@link KafkaCluster} as its own JVM, so a test can crash it for real ({@code kill -9}): no JVM
 * sharing, no clean shutdown, whatever the broker had not flushed is lost exactly as on a machine failure.
 *
 * <p>{@code java -cp <classpath> dev.simsnap.devstack.BrokerProcess <server.properties> <cluster id>}: formats the
 * node's log directory ({@code log.dirs}, one directory) with the cluster id when it has no {@code meta.properties},
 * starts {@code KafkaRaftServer} ({@code startup()} returns once the broker is registered and unfenced), then writes
 * {@value #READY_FILE} (this process id) next to the properties file. SIGTERM shuts the broker down cleanly; the
 * process also halts when its standard input reaches end of file, which happens when the parent JVM dies, so no
 * broker outlives the test or the {@code simsnap up} that started it. Kafka's own fatal errors halt this JVM, as in
 * a production broker. Exit status 2: bad arguments; 3: the broker failed to start.
 */
public final class BrokerProcess {

    /** Written next to the properties file once the broker serves clients; removed at start. */
    public static final String READY_FILE = "ready";

    private BrokerProcess() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: BrokerProcess <server.properties> <cluster id>");
            System.exit(2);
        }
        Path propertiesFile = Path.of(args[0]).toAbsolutePath();
        Path ready = propertiesFile.resolveSibling(READY_FILE);
        Files.deleteIfExists(ready);
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(propertiesFile, StandardCharsets.UTF_8)) {
            props.load(in);
        }
        watchParent();
        Path logDir = Path.of(props.getProperty("log.dirs"));
        KraftNode.formatIfNeeded(logDir, Integer.parseInt(props.getProperty("node.id")), args[1]);
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            e.printStackTrace();
            Runtime.getRuntime().halt(3);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            server.awaitShutdown();
        }, "broker-shutdown"));
        Files.writeString(ready, Long.toString(ProcessHandle.current().pid()), StandardCharsets.UTF_8);
        System.out.println("simsnap broker node " + props.getProperty("node.id") + " ready at "
                + props.getProperty("advertised.listeners"));
        server.awaitShutdown();
    }

    // The parent holds our stdin open; end of file means it died (or closed us): halt like a crashed machine.
    private static void watchParent() {
        Thread watcher = new Thread(() -> {
            try (InputStream in = System.in) {
                byte[] buffer = new byte[64];
                while (in.read(buffer) >= 0) {
                    // nothing is ever sent; keep reading until end of file
                }
            } catch (IOException e) {
                // treated as end of file
            }
            Runtime.getRuntime().halt(0);
        }, "parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }
}
