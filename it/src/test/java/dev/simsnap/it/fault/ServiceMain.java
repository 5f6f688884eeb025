package dev.simsnap.it.fault;

import dev.simsnap.service.http.SnapshotServer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A snapshot-service instance as its own process, for kill -9:
 * {@code ServiceMain <bootstrap> <registry url> <state dir> <output root> <http port> <application id>}, with the
 * suite's Streams settings ({@link ClusterStack#service}); prints {@code ready} once Streams runs.
 */
public final class ServiceMain {

    private ServiceMain() {
    }

    public static void main(String[] args) throws Exception {
        SnapshotServer server = ClusterStack.service(args[0], args[1], Path.of(args[2]), Path.of(args[3]),
                Integer.parseInt(args[4]), args[5]).start();
        server.awaitRunning(Duration.ofSeconds(120));
        System.out.println("ready " + server.url());
        Thread.currentThread().join();
    }
}
