package dev.simsnap.it.fault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The workers' own account of every step they saw committed (status {@code committed} or, for a re-sent step,
 * {@code already_committed}), kept apart from anything the product stores: the checker compares it with the
 * history on the topics and with the state the service serves. Workers in other processes append lines
 * {@code <run> <worker> <step> <status>} to a file, read back with {@link #readFile}. Thread-safe.
 */
final class Ledger {

    /** One acknowledged step. */
    record Entry(String run, String worker, long step, String status) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Path file;

    /** A ledger in memory. */
    Ledger() {
        this(null);
    }

    private Ledger(Path file) {
        this.file = file;
    }

    /** A ledger that also appends every entry to {@code file} (a worker process's ledger). */
    static Ledger toFile(Path file) {
        return new Ledger(file);
    }

    /** Records that {@code worker} saw {@code step} of {@code run} committed. */
    synchronized void committed(String run, String worker, long step, String status) {
        entries.add(new Entry(run, worker, step, status));
        if (file != null) {
            appendLine(file, run, worker, step, status);
        }
    }

    /** Adds every entry of a worker process's ledger file. */
    synchronized void addAll(List<Entry> more) {
        entries.addAll(more);
    }

    /** Per worker of {@code run}, the steps acknowledged (each once, sorted). */
    synchronized Map<String, TreeSet<Long>> steps(String run) {
        Map<String, TreeSet<Long>> out = new TreeMap<>();
        for (Entry e : entries) {
            if (e.run().equals(run)) {
                out.computeIfAbsent(e.worker(), w -> new TreeSet<>()).add(e.step());
            }
        }
        return out;
    }

    /** Acknowledgements of a step already acknowledged before ({@code run worker step} repeated): must be none. */
    synchronized List<Entry> repeated() {
        List<Entry> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Entry e : entries) {
            if (!seen.add(e.run() + " " + e.worker() + " " + e.step())) {
                out.add(e);
            }
        }
        return out;
    }

    /** The number of acknowledged steps of {@code run}. */
    synchronized int size(String run) {
        return (int) entries.stream().filter(e -> e.run().equals(run)).count();
    }

    /** Appends one line to a worker process's ledger file (flushed to the OS before returning). */
    static void appendLine(Path file, String run, String worker, long step, String status) {
        try {
            Files.writeString(file, run + " " + worker + " " + step + " " + status + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write ledger " + file, e);
        }
    }

    /** The entries of a ledger file (absent file: none). */
    static List<Entry> readFile(Path file) {
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            List<Entry> out = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.trim().split(" ");
                out.add(new Entry(f[0], f[1], Long.parseLong(f[2]), f[3]));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ledger " + file, e);
        }
    }
}
