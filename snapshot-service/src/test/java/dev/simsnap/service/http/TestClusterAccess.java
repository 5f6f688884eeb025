package dev.simsnap.service.http;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SortedMap;

/** {@link TestCluster} for tests of other packages (the CLI), plus a ready single server. */
public final class TestClusterAccess implements AutoCloseable {

    private final TestCluster cluster;
    private final String bootstrap;

    public TestClusterAccess(String bootstrap, String registryUrl) {
        this.cluster = new TestCluster(bootstrap, registryUrl);
        this.bootstrap = bootstrap;
    }

    public SnapshotServer server(String appId) throws IOException {
        return SnapshotServer.builder().bootstrapServers(bootstrap).schemaRegistryUrl(cluster.registryUrl)
                .stateDir(TestCluster.tempDir("state-")).outputRoot(TestCluster.tempDir("out-"))
                .http("127.0.0.1", 0).applicationId(appId).topics(cluster.topics)
                .streamsProperty("commit.interval.ms", 50).build().start();
    }

    public void publishRun(String run, int iterations, boolean withGeneration) {
        cluster.publishRun(run, iterations, withGeneration);
    }

    public long consistentIteration(String url, String run) throws IOException {
        var r = TestCluster.call("GET", url + "/runs/" + run);
        return r.statusCode() == 200 ? ApiJson.MAPPER.readTree(r.body()).get("consistent_iteration").asLong() : -2;
    }

    /** How many generations of {@code run} the server shows (-1 while it does not know the run). */
    public int generationCount(String url, String run) throws IOException {
        var r = TestCluster.call("GET", url + "/runs/" + run + "/generations");
        return r.statusCode() == 200 ? ApiJson.MAPPER.readTree(r.body()).get("generations").size() : -1;
    }

    public String postSnapshot(String url, String run) throws IOException {
        var r = TestCluster.call("POST", url + "/runs/" + run + "/snapshots");
        if (r.statusCode() != 201) {
            throw new IllegalStateException(TestCluster.text(r));
        }
        return ApiJson.MAPPER.readTree(r.body()).get("path").asText();
    }

    public static Path tempDir(String prefix) throws IOException {
        return TestCluster.tempDir(prefix);
    }

    public static SortedMap<String, byte[]> folder(Path dir) throws IOException {
        return TestCluster.folder(dir);
    }

    @Override
    public void close() {
        cluster.close();
    }
}
