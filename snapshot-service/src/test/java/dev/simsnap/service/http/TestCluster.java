package dev.simsnap.service.http;

import static dev.simsnap.snapshot.topology.Records.chunk;
import static dev.simsnap.snapshot.topology.Records.commit;
import static dev.simsnap.snapshot.topology.Records.delta;
import static dev.simsnap.snapshot.topology.Records.genotype;
import static dev.simsnap.snapshot.topology.Records.person;
import static dev.simsnap.snapshot.topology.Records.seal;
import static dev.simsnap.snapshot.topology.Records.started;
import static dev.simsnap.snapshot.topology.Records.stock;

import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.serde.AvroSerializer;
import dev.simsnap.snapshot.topology.SnapshotTopics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Test helpers: unique topics, publishing small runs in the wire format, HTTP calls, folder and zip reading. */
final class TestCluster implements AutoCloseable {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    final SnapshotTopics topics;
    final String registryUrl;
    private final KafkaProducer<String, byte[]> producer;
    private final AvroSerializer<SpecificRecord> serializer = new AvroSerializer<>();

    TestCluster(String bootstrap, String registryUrl) {
        String unique = UUID.randomUUID().toString().substring(0, 8);
        this.topics = new SnapshotTopics("t" + unique + ".deltas", "t" + unique + ".generations",
                "t" + unique + ".dead-letter");
        this.registryUrl = registryUrl;
        serializer.configure(Map.of("schema.registry.url", registryUrl), false);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    static Path tempDir(String prefix) throws IOException {
        Files.createDirectories(Path.of("target"));
        return Files.createTempDirectory(Path.of("target"), prefix).toAbsolutePath();
    }

    void send(String topic, String run, SpecificRecord... records) {
        for (SpecificRecord r : records) {
            producer.send(new ProducerRecord<>(topic, run, serializer.serialize(topic, r)));
        }
    }

    /**
     * A trading run with workers w1 and w2 and {@code iterations} consistent iterations: w1 owns persons and stock 0,
     * w2 owns person 100; plus one generation (2 chunks) when {@code withGeneration}.
     */
    void publishRun(String run, int iterations, boolean withGeneration) {
        String d = topics.deltas();
        send(d, run, started(run, "w1", "w2"));
        long s1 = 0;
        long s2 = 0;
        for (int it = 0; it < iterations; it++) {
            send(d, run,
                    delta(run, "w1", s1++, it, EntityType.PERSON, "1", Operation.UPSERT,
                            person(1, "Ann-" + run, 1000.0 + it)).build(),
                    delta(run, "w1", s1++, it, EntityType.STOCK, "0", Operation.UPSERT,
                            stock(0, "ACME", List.of(1.5, 2.0 + it))).build(),
                    commit(run, "w1", it),
                    delta(run, "w2", s2++, it, EntityType.PERSON, "100", Operation.UPSERT,
                            person(100, "Bob", 0.25 * it)).build(),
                    commit(run, "w2", it));
        }
        if (withGeneration) {
            String g = topics.generations();
            send(g, run, chunk(run, 0, 0, 0, genotype("Alice", 25)), chunk(run, 0, 1, 1, genotype("Bob", 35)),
                    seal(run, 0, 2, 2));
        }
        producer.flush();
    }

    void flush() {
        producer.flush();
    }

    static HttpResponse<byte[]> call(String method, String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).method(method,
                    HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Relative path ("/"-separated) to bytes of every file under {@code dir}. */
    static SortedMap<String, byte[]> folder(Path dir) throws IOException {
        SortedMap<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.put(dir.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
            }
        }
        return out;
    }

    /** Entry name to bytes of a zip, in entry order. */
    static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    @Override
    public void close() {
        producer.close();
        serializer.close();
    }
}
