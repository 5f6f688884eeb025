package dev.simsnap.snapshot.write;

import java.util.function.Supplier;

/**
 * One file of a snapshot: its {@code /}-separated path relative to the snapshot folder and how to render its bytes.
 * Rendering is deferred so that {@link SnapshotWriter#write} can render each file on the I/O thread that writes it
 * (spreading the JSON work over the cores and overlapping it with fsync waits) instead of holding every rendered
 * byte array of the snapshot in memory first. The supplier must be a pure function of the (read-only) run state, so
 * rendering on any thread gives the same bytes.
 */
record PlannedFile(String path, Supplier<byte[]> content) {
}
