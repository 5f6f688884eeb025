package dev.simsnap.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A service instance's stable identity, kept in its state directory: {@code <stateDir>/simsnap-instance-id}.
 *
 * <p>Used as the Streams consumers' {@code group.instance.id} (static membership). Kafka Streams' members do not
 * leave the group when they close, so a restarted instance with a new identity would wait a whole session
 * timeout (45 s) for its predecessor to expire; with the same static identity the coordinator hands it the old
 * assignment at once. Two instances never share a state directory, so they never share an identity.
 */
final class InstanceId {

    private static final String FILE = "simsnap-instance-id";

    private InstanceId() {
    }

    /** Reads the id from {@code stateDir}, creating it on first use. */
    static String of(Path stateDir) {
        Path file = stateDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!id.isEmpty()) {
                    return id;
                }
            }
            Files.createDirectories(stateDir);
            String id = "simsnap-" + UUID.randomUUID();
            Path tmp = Files.createTempFile(stateDir, FILE, ".tmp");
            Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the instance id in " + file, e);
        }
    }
}
