package dev.simsnap.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Default data directories of {@link EmbeddedKafkaBroker}: where they live, who owns them, and removal of the ones
 * left behind by JVMs that exited without {@code close()} (killed forks, hard exits).
 */
final class DataDirs {

    private static final Logger LOG = LoggerFactory.getLogger(DataDirs.class);

    /** Marks a directory as a default temp dir and names its owner: {@code <pid> <process start epoch millis|->}. */
    static final String OWNER_FILE = ".devstack-owner";

    private DataDirs() {
    }

    /**
     * {@code <basedir>/target/embedded-kafka} under Maven Surefire/Failsafe (they set {@code basedir}),
     * {@code ./target/embedded-kafka} when the working directory is a Maven module (IDE test runs),
     * else {@code <java.io.tmpdir>/simsnap-embedded-kafka}.
     */
    static Path defaultBase() {
        String basedir = System.getProperty("basedir");
        if (basedir != null && Files.isDirectory(Path.of(basedir))) {
            return Path.of(basedir, "target", "embedded-kafka").toAbsolutePath();
        }
        Path cwd = Path.of("").toAbsolutePath();
        if (Files.isRegularFile(cwd.resolve("pom.xml")) && Files.isDirectory(cwd.resolve("target"))) {
            return cwd.resolve("target").resolve("embedded-kafka");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "simsnap-embedded-kafka").toAbsolutePath();
    }

    /** Removes stale default dirs under {@code base}, then creates a fresh one owned by this process. */
    static Path createTemp(Path base) {
        try {
            Files.createDirectories(base);
            removeStale(base);
            Path dir = Files.createTempDirectory(base, "broker-");
            Files.writeString(dir.resolve(OWNER_FILE), ownerLine(ProcessHandle.current()), StandardCharsets.UTF_8);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a data directory under " + base, e);
        }
    }

    /** Deletes every direct child of {@code base} that carries an owner file naming a process no longer alive. */
    static void removeStale(Path base) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(base, Files::isDirectory)) {
            for (Path child : children) {
                Path owner = child.resolve(OWNER_FILE);
                String line;
                try {
                    line = Files.readString(owner, StandardCharsets.UTF_8).trim();
                } catch (NoSuchFileException e) {
                    continue; // not ours, or its owner is still writing the file
                }
                if (!ownerAlive(line)) {
                    LOG.info("Removing stale embedded Kafka data directory {} (owner {} is gone)", child, line);
                    deleteRecursively(child);
                }
            }
        }
    }

    static String ownerLine(ProcessHandle process) {
        return process.pid() + " " + process.info().startInstant().map(i -> Long.toString(i.toEpochMilli())).orElse("-");
    }

    // A live pid is not enough: pids are reused, so the start instant must match too when it is known.
    static boolean ownerAlive(String line) {
        String[] parts = line.split(" ");
        long pid;
        try {
            pid = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            return false;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (handle.isEmpty()) {
            return false;
        }
        if (parts.length < 2 || parts[1].equals("-")) {
            return true;
        }
        Optional<Instant> started = handle.get().info().startInstant();
        return started.isEmpty() || Long.toString(started.get().toEpochMilli()).equals(parts[1]);
    }

    /** Deletes a directory tree; files already gone are fine (another JVM may be cleaning the same tree). */
    static void deleteRecursively(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                    if (exc instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw exc;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    if (exc != null && !(exc instanceof NoSuchFileException)) {
                        throw exc;
                    }
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            LOG.warn("Could not delete {}", root, e);
        }
    }
}
