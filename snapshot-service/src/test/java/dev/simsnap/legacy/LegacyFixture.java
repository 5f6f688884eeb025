package dev.simsnap.legacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The frozen legacy history fixture ({@code src/test/resources/legacy-history/}): its layout and the few plain
 * helpers the generator and the replay test share. Deliberately free of simsnap production code: files are read
 * with {@link Files}, JSON with a plain Jackson mapper, HTTP with {@link HttpClient}, so the comparison keeps
 * meaning when the engine behind it is replaced.
 *
 * <pre>
 * legacy-history/
 *   manifest.json    topics (partition counts), runs (what "applied" means for each), snapshots (folder, run, as_of)
 *   schemas.json     [{id, subject, version, schema}]: every schema the records' Confluent framing refers to
 *   records.jsonl    one committed record a line, per topic and partition in offset order:
 *                    {topic, partition, offset, timestamp, key, value, headers: [{key, value}]} (key/value base64)
 *   snapshots/&lt;folder&gt;/...  the files today's service wrote: &lt;run&gt; live, &lt;run&gt;@&lt;N&gt; as of iteration N,
 *                    &lt;run&gt;@g&lt;G&gt; as of generation G
 * </pre>
 */
final class LegacyFixture {

    static final String RESOURCE = "/legacy-history";
    static final String MANIFEST = "manifest.json";
    static final String SCHEMAS = "schemas.json";
    static final String RECORDS = "records.jsonl";
    static final String SNAPSHOTS = "snapshots";

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final ObjectMapper COMPACT = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private LegacyFixture() {
    }

    /** The fixture folder as the test class path holds it. */
    static Path onClasspath() {
        URL url = LegacyFixture.class.getResource(RESOURCE);
        if (url == null) {
            throw new IllegalStateException("fixture " + RESOURCE + " is not on the test class path");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every regular file under {@code folder}: relative path ({@code /}-separated) to bytes, sorted by path. */
    static SortedMap<String, byte[]> files(Path folder) throws IOException {
        SortedMap<String, byte[]> files = new TreeMap<>();
        if (!Files.isDirectory(folder)) {
            return files;
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return files;
    }

    /**
     * Differences between two folders' files, one line each (missing, extra, differing with the first differing
     * byte offset); empty when they are byte for byte the same.
     */
    static List<String> differences(SortedMap<String, byte[]> expected, SortedMap<String, byte[]> actual) {
        List<String> out = new ArrayList<>();
        for (var e : expected.entrySet()) {
            byte[] got = actual.get(e.getKey());
            if (got == null) {
                out.add("missing file " + e.getKey());
                continue;
            }
            byte[] want = e.getValue();
            int n = Math.min(want.length, got.length);
            int at = -1;
            for (int i = 0; i < n; i++) {
                if (want[i] != got[i]) {
                    at = i;
                    break;
                }
            }
            if (at < 0 && want.length != got.length) {
                at = n;
            }
            if (at >= 0) {
                out.add("file " + e.getKey() + " differs at byte " + at + " (expected " + want.length
                        + " bytes, got " + got.length + "): expected ..." + around(want, at) + "... got ..."
                        + around(got, at) + "...");
            }
        }
        for (String path : actual.keySet()) {
            if (!expected.containsKey(path)) {
                out.add("extra file " + path);
            }
        }
        return out;
    }

    private static String around(byte[] bytes, int at) {
        int from = Math.max(0, at - 30);
        int to = Math.min(bytes.length, at + 30);
        return new String(bytes, from, to - from, StandardCharsets.UTF_8).replace("\n", "\\n");
    }

    static JsonNode readJson(Path file) {
        try {
            return COMPACT.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A plain HTTP call; the body is JSON text or null. */
    static HttpResponse<String> http(String method, String url, String jsonBody) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (jsonBody == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .method(method, HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8));
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode parse(String json) {
        try {
            return COMPACT.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
