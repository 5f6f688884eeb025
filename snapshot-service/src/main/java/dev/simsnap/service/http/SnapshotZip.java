package dev.simsnap.service.http;

import java.io.IOException;
import java.io.OutputStream;
import java.time.LocalDateTime;
import java.util.Map;
import java.util.SortedMap;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A snapshot folder as a zip: entries {@code <run>/<relative path>} in sorted path order, files only, every entry
 * dated 1980-01-01 00:00 (DOS local time, so the bytes do not depend on the time zone), no comments or extra
 * fields. The same {@code SnapshotWriter.render} output always gives the same bytes on the same JDK.
 */
public final class SnapshotZip {

    /** The fixed entry time. */
    public static final LocalDateTime ENTRY_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

    private SnapshotZip() {
    }

    /** Writes the zip of {@code files} (relative path to bytes) under folder {@code runId} to {@code out}. */
    public static void write(String runId, SortedMap<String, byte[]> files, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        zip.setLevel(Deflater.DEFAULT_COMPRESSION);
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            ZipEntry entry = new ZipEntry(runId + "/" + file.getKey());
            entry.setTimeLocal(ENTRY_TIME);
            zip.putNextEntry(entry);
            zip.write(file.getValue());
            zip.closeEntry();
        }
        zip.finish();
        zip.flush();
    }
}
