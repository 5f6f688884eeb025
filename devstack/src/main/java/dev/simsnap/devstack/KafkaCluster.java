package dev.simsnap.devstack;

import dev.simsnap.topic.Replication;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real multi-broker KRaft cluster, each broker its own JVM ({@link BrokerProcess}) started with this JVM's class
 * path, so a broker can be crashed for real: {@link #kill(int)} is {@code kill -9}.
 *
 * <p>Nodes {@code 1..n}, on {@code 127.0.0.1} unless {@linkplain Builder#nodeHost placed} elsewhere (e.g. one network
 * namespace per node, for partitions). With up to 3 nodes every node is broker and controller (combined mode) and the static
 * controller quorum is all of them, so a 3-node cluster keeps its quorum and elects new partition leaders when any
 * one node dies; from a 4th node on, nodes 1-3 are the quorum and the others brokers only. Listeners on the
 * node's host: PLAINTEXT (advertised) and CONTROLLER. Replication follows {@link Replication}: internal topics
 * ({@code __consumer_offsets}, {@code __transaction_state}, {@code __share_group_state}) and
 * {@code default.replication.factor} get {@code min(3, n)} replicas, {@code min.insync.replicas} (also of the
 * transaction log) is 2 from 3 nodes on. Topic auto-creation is off: every topic is created by its spec. A broker
 * that stops heartbeating is fenced after {@value #SESSION_TIMEOUT_MS} ms (Kafka's default is 9 s), which is when
 * its partitions get new leaders. {@linkplain Builder#brokerProperty Extra broker properties} apply last, to every
 * node.
 *
 * <p>Layout of {@link #dataDir()}: {@code cluster.properties} (cluster id and every node's two ports, chosen at the
 * first start and reused by every later start, so clients keep their bootstrap list), and {@code node-<id>/} per
 * node with {@code server.properties}, {@code kafka-logs/} and {@code broker.log} (the process's output, appended).
 * A data dir keeps its topics and records across {@link #close()} and a new instance on it.
 *
 * <p>Measured on a 2-core machine shared with other builds (load average about 25), Kafka 4.1.1, Java 17: a fresh
 * 3-node cluster was ready in 27-44 s, a killed node served clients again 5-6 s after {@link #start(int)}; about
 * 210 MB of RSS per node at the default {@code -Xmx160m}.
 *
 * <p>Thread-safe: lifecycle methods are synchronized. Not reusable after {@link #close()}.
 */
public final class KafkaCluster implements KafkaBroker, AutoCloseable {

    /** {@code broker.session.timeout.ms} of every node. */
    public static final int SESSION_TIMEOUT_MS = 6000;

    private static final Logger LOG = LoggerFactory.getLogger(KafkaCluster.class);
    private static final String HOST = "127.0.0.1";
    private static final String CLUSTER_FILE = "cluster.properties";
    private static final int CONTROLLERS = 3;

    private final Path dataDir;
    private final boolean ownsDataDir;
    private final int size;
    private final int firstPort;
    private final Map<String, String> extraProperties;
    private final List<String> jvmOptions;
    private final String classpath;
    private final Duration startTimeout;
    private final IntFunction<String> nodeHost;
    private final IntFunction<List<String>> launchPrefix;
    private final Map<Integer, NodeProcess> nodes = new TreeMap<>();
    private String clusterId;
    private boolean closed;

    private KafkaCluster(Builder b) {
        this.ownsDataDir = b.dataDir == null;
        this.dataDir = ownsDataDir ? DataDirs.createTemp(DataDirs.defaultBase()) : b.dataDir.toAbsolutePath();
        this.size = b.brokers;
        this.firstPort = b.firstPort;
        this.extraProperties = Map.copyOf(b.extraProperties);
        this.jvmOptions = List.copyOf(b.jvmOptions);
        this.classpath = b.classpath;
        this.startTimeout = b.startTimeout;
        this.nodeHost = b.nodeHost;
        this.launchPrefix = b.launchPrefix;
    }

    /** A builder: 3 brokers, a fresh temp data dir, free ports. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts every node (in parallel: a controller quorum needs its majority up) and returns once each serves
     * clients. Ports and the cluster id come from {@code cluster.properties} when the data dir has one.
     *
     * @throws IllegalStateException when running or closed, or a node does not start within the start timeout
     *                               (the others are stopped then; the node's {@code broker.log} says why)
     */
    public synchronized KafkaCluster start() {
        if (closed) {
            throw new IllegalStateException("cluster is closed");
        }
        if (!nodes.isEmpty()) {
            throw new IllegalStateException("cluster is already running at " + bootstrapServers());
        }
        long begin = System.nanoTime();
        try {
            Files.createDirectories(dataDir);
            resolveLayout();
            for (NodeProcess node : nodes.values()) {
                node.writeProperties(brokerProperties(node));
                node.launch();
            }
            for (NodeProcess node : nodes.values()) {
                node.awaitReady(begin + startTimeout.toNanos());
            }
        } catch (IOException e) {
            abortStart();
            throw new UncheckedIOException("cannot prepare the cluster in " + dataDir, e);
        } catch (RuntimeException e) {
            abortStart();
            throw e;
        }
        LOG.info("Kafka cluster of {} brokers started at {} in {} ms (data dir {})", size, bootstrapServers(),
                (System.nanoTime() - begin) / 1_000_000, dataDir);
        return this;
    }

    private void abortStart() {
        nodes.values().forEach(NodeProcess::destroy);
        nodes.clear();
    }

    /** Every node's {@code 127.0.0.1:<port>}, comma-separated, in node order; stable across restarts. */
    @Override
    public synchronized String bootstrapServers() {
        requireLayout();
        return nodes.values().stream().map(NodeProcess::address).collect(Collectors.joining(","));
    }

    /** The number of brokers. */
    public int size() {
        return size;
    }

    /** Node ids, {@code 1..}{@link #size()}. */
    public List<Integer> nodeIds() {
        List<Integer> ids = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            ids.add(i);
        }
        return ids;
    }

    /** {@code 127.0.0.1:<port>} of one node. */
    public synchronized String address(int nodeId) {
        return node(nodeId).address();
    }

    /** Whether the node's process is alive. */
    public synchronized boolean isRunning(int nodeId) {
        return node(nodeId).alive();
    }

    /** The operating-system process id of a running node. */
    public synchronized long pid(int nodeId) {
        NodeProcess node = node(nodeId);
        if (!node.alive()) {
            throw new IllegalStateException("node " + nodeId + " is not running");
        }
        return node.process.pid();
    }

    /** The node's output ({@code node-<id>/broker.log}). */
    public Path logFile(int nodeId) {
        return nodeDir(nodeId).resolve("broker.log");
    }

    /** The node's directory ({@code node-<id>/}). */
    public Path nodeDir(int nodeId) {
        checkId(nodeId);
        return dataDir.resolve("node-" + nodeId);
    }

    /** The data directory (absolute). */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * Crashes a node: {@code kill -9} of its process (no shutdown of any kind: unflushed log data is lost, no
     * controlled shutdown moves its leaderships), and waits until the process is gone. Does nothing when the node
     * is not running.
     */
    public synchronized void kill(int nodeId) {
        NodeProcess node = node(nodeId);
        if (!node.alive()) {
            return;
        }
        long pid = node.process.pid();
        node.kill();
        LOG.info("Killed broker node {} (pid {}) with SIGKILL", nodeId, pid);
    }

    /** Stops a node cleanly (SIGTERM: controlled shutdown, logs flushed) and waits. Nothing when not running. */
    public synchronized void stop(int nodeId) {
        NodeProcess node = node(nodeId);
        if (node.alive()) {
            node.terminate();
        }
    }

    /**
     * Starts a stopped or killed node again on its data and its ports, and waits until it serves clients (it then
     * rejoins the ISR of its partitions as it catches up).
     *
     * @throws IllegalStateException when it is running, or does not start within the start timeout
     */
    public synchronized void start(int nodeId) {
        NodeProcess node = node(nodeId);
        if (node.alive()) {
            throw new IllegalStateException("node " + nodeId + " is already running");
        }
        long begin = System.nanoTime();
        try {
            node.launch();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + nodeId, e);
        }
        node.awaitReady(begin + startTimeout.toNanos());
        LOG.info("Broker node {} started again in {} ms", nodeId, (System.nanoTime() - begin) / 1_000_000);
    }

    /**
     * The node leading {@code topic}'s {@code partition} now, as the cluster's metadata says (asked through the
     * running nodes).
     *
     * @throws IllegalStateException when the partition has no leader or the cluster does not answer
     */
    public int leaderOf(String topic, int partition) {
        TopicPartitionInfo info = describe(topic).partitions().get(partition);
        Node leader = info.leader();
        if (leader == null || leader.isEmpty()) {
            throw new IllegalStateException(new TopicPartition(topic, partition) + " has no leader");
        }
        return leader.id();
    }

    /** The in-sync replicas of {@code topic}'s {@code partition}, as node ids. */
    public List<Integer> inSyncReplicas(String topic, int partition) {
        return describe(topic).partitions().get(partition).isr().stream().map(Node::id).toList();
    }

    /** Describes a topic through the running nodes. */
    public TopicDescription describe(String topic) {
        String running;
        synchronized (this) {
            running = nodes.values().stream().filter(NodeProcess::alive).map(NodeProcess::address)
                    .collect(Collectors.joining(","));
        }
        if (running.isEmpty()) {
            throw new IllegalStateException("no node is running");
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, running,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000))) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted describing " + topic, e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot describe " + topic + ": " + e, e);
        }
    }

    /** True: {@link #restart()} restarts every node, one after the other. */
    @Override
    public boolean supportsRestart() {
        return true;
    }

    /**
     * A rolling restart: each node in turn is stopped cleanly and started again; the cluster stays available
     * throughout when it has at least 3 nodes. Also starts nodes that were not running.
     */
    @Override
    public synchronized void restart() {
        for (int id : nodeIds()) {
            stop(id);
            start(id);
        }
    }

    /**
     * Stops every node cleanly (in parallel, up to 60 s, then kills what is left) and, when the data dir was the
     * default temp dir, deletes it. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        nodes.values().forEach(NodeProcess::requestTermination);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        nodes.values().forEach(n -> n.awaitExit(deadline));
        if (ownsDataDir) {
            DataDirs.deleteRecursively(dataDir);
        }
    }

    @Override
    public String toString() {
        return "KafkaCluster[" + size + " brokers, " + dataDir + "]";
    }

    private NodeProcess node(int nodeId) {
        checkId(nodeId);
        requireLayout();
        return nodes.get(nodeId);
    }

    private void checkId(int nodeId) {
        if (nodeId < 1 || nodeId > size) {
            throw new IllegalArgumentException("no node " + nodeId + " in a cluster of " + size);
        }
    }

    private void requireLayout() {
        if (nodes.isEmpty()) {
            throw new IllegalStateException("cluster not started");
        }
    }

    private void resolveLayout() throws IOException {
        Path file = dataDir.resolve(CLUSTER_FILE);
        Properties saved = new Properties();
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                saved.load(in);
            }
            int savedSize = Integer.parseInt(saved.getProperty("brokers", "0"));
            if (savedSize != size) {
                throw new IllegalStateException(dataDir + " holds a cluster of " + savedSize + " brokers, not " + size);
            }
        }
        clusterId = saved.getProperty("cluster.id", Uuid.randomUuid().toString());
        List<Integer> taken = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            int wanted = firstPort == 0 ? 0 : firstPort + id - 1;
            int port = port(saved, "node." + id + ".port", wanted, taken);
            taken.add(port);
            int controllerPort = port(saved, "node." + id + ".controller.port", 0, taken);
            taken.add(controllerPort);
            nodes.put(id, new NodeProcess(id, nodeHost.apply(id), port, controllerPort, dataDir.resolve("node-" + id)));
        }
        saved.setProperty("brokers", Integer.toString(size));
        saved.setProperty("cluster.id", clusterId);
        for (NodeProcess n : nodes.values()) {
            saved.setProperty("node." + n.id + ".port", Integer.toString(n.port));
            saved.setProperty("node." + n.id + ".controller.port", Integer.toString(n.controllerPort));
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            saved.store(out, "simsnap Kafka cluster: id and ports, reused by every start on this directory");
        }
    }

    private static int port(Properties saved, String key, int wanted, List<Integer> taken) throws IOException {
        if (wanted != 0) {
            return wanted; // asked for explicitly: a clash shows as the broker failing to bind, with the port named
        }
        return FreePorts.savedOrFree(saved, key, taken);
    }

    private Properties brokerProperties(NodeProcess node) {
        int controllers = Math.min(CONTROLLERS, size);
        String voters = nodes.values().stream().filter(n -> n.id <= controllers)
                .map(n -> n.id + "@" + n.host + ":" + n.controllerPort).collect(Collectors.joining(","));
        boolean controller = node.id <= controllers;
        Map<String, String> p = KraftNode.properties(node.id, voters, node.host, node.port,
                controller ? node.controllerPort : 0, node.dir.resolve("kafka-logs"), Replication.factor(size),
                Replication.minInsyncReplicas(size).orElse(1), 3);
        p.put("auto.create.topics.enable", "false");
        p.put("unclean.leader.election.enable", "false");
        p.put("broker.session.timeout.ms", Integer.toString(SESSION_TIMEOUT_MS));
        p.put("broker.heartbeat.interval.ms", "1000");
        // Sized for a developer machine running several brokers; Kafka's defaults target servers.
        p.put("num.io.threads", "2");
        p.put("num.replica.fetchers", "1");
        p.put("background.threads", "2");
        return KraftNode.toProperties(p, extraProperties);
    }

    /** One node: its ports, directory and (while running) process. */
    private final class NodeProcess {
        final int id;
        final String host;
        final int port;
        final int controllerPort;
        final Path dir;
        Process process;

        NodeProcess(int id, String host, int port, int controllerPort, Path dir) {
            this.id = id;
            this.host = host;
            this.port = port;
            this.controllerPort = controllerPort;
            this.dir = dir;
        }

        String address() {
            return host + ":" + port;
        }

        void writeProperties(Properties props) throws IOException {
            Files.createDirectories(dir);
            try (Writer out = Files.newBufferedWriter(dir.resolve("server.properties"), StandardCharsets.UTF_8)) {
                props.store(out, "broker node " + id + " of a simsnap KafkaCluster (rewritten at every cluster start)");
            }
        }

        void launch() throws IOException {
            Files.deleteIfExists(dir.resolve(BrokerProcess.READY_FILE));
            List<String> command = new ArrayList<>(launchPrefix.apply(id));
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            if (Runtime.version().feature() >= 24) {
                command.add("--enable-native-access=ALL-UNNAMED");
                command.add("--sun-misc-unsafe-memory-access=allow");
            }
            command.addAll(List.of("-cp", classpath, BrokerProcess.class.getName(),
                    dir.resolve("server.properties").toString(), clusterId));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()));
            process = pb.start(); // stdin stays a pipe held by this JVM: the node halts when this JVM dies
        }

        boolean alive() {
            return process != null && process.isAlive();
        }

        void awaitReady(long deadline) {
            Path ready = dir.resolve(BrokerProcess.READY_FILE);
            while (!Files.exists(ready)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("broker node " + id + " exited with " + process.exitValue()
                            + " while starting; see " + dir.resolve("broker.log"));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("broker node " + id + " not ready within " + startTimeout
                            + "; see " + dir.resolve("broker.log"));
                }
                sleep(50);
            }
        }

        void kill() {
            process.destroyForcibly(); // SIGKILL on Linux and macOS
            awaitExit(System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
        }

        void terminate() {
            requestTermination();
            awaitExit(System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
        }

        void requestTermination() {
            if (alive()) {
                process.destroy(); // SIGTERM: the node's shutdown hook shuts the broker down cleanly
            }
        }

        void awaitExit(long deadline) {
            if (process == null) {
                return;
            }
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.waitFor(left, TimeUnit.NANOSECONDS)) {
                    LOG.warn("Broker node {} did not exit in time; killing it", id);
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            } finally {
                closeStdin();
            }
        }

        void destroy() {
            if (process != null) {
                process.destroyForcibly();
                awaitExit(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
            }
        }

        private void closeStdin() {
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // the process is gone anyway
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Configures a {@link KafkaCluster}; every setting is optional. */
    public static final class Builder {
        private Path dataDir;
        private int brokers = 3;
        private int firstPort;
        private final Map<String, String> extraProperties = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>(List.of("-Xmx160m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xss512k"));
        private String classpath = System.getProperty("java.class.path");
        private Duration startTimeout = Duration.ofSeconds(90);
        private IntFunction<String> nodeHost = id -> HOST;
        private IntFunction<List<String>> launchPrefix = id -> List.of();

        private Builder() {
        }

        /**
         * The address each node listens on and advertises (default {@code 127.0.0.1} for all), e.g. one address per
         * network namespace; it must be reachable from this JVM and from the other nodes.
         */
        public Builder nodeHost(IntFunction<String> host) {
            this.nodeHost = Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * Words put before a node's {@code java} command (default none), e.g. {@code ip netns exec <namespace>} to
         * run each node in a network namespace of its own.
         */
        public Builder launchPrefix(IntFunction<List<String>> prefix) {
            this.launchPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** The number of brokers, at least 1 (default 3). */
        public Builder brokers(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("a cluster has at least 1 broker, got " + count);
            }
            this.brokers = count;
            return this;
        }

        /**
         * A persistent data directory (created if missing, never deleted). Default: a fresh directory under
         * {@code target/embedded-kafka/} (or {@code java.io.tmpdir}), deleted by {@link #close()}.
         */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Client ports {@code first, first+1, ...} for nodes {@code 1, 2, ...}; 0 (default) means the saved ports
         * of the data dir, else free ones. Controller ports are always free ones (saved too).
         */
        public Builder firstPort(int first) {
            if (first < 0 || first > 65535) {
                throw new IllegalArgumentException("port out of range: " + first);
            }
            this.firstPort = first;
            return this;
        }

        /** A broker property applied to every node, after and over the defaults. */
        public Builder brokerProperty(String key, String value) {
            extraProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Replaces the nodes' JVM options (default {@code -Xmx160m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k}). */
        public Builder jvmOptions(List<String> options) {
            jvmOptions.clear();
            jvmOptions.addAll(options);
            return this;
        }

        /** The class path of the node JVMs (default: this JVM's {@code java.class.path}, which must hold Kafka). */
        public Builder classpath(String path) {
            this.classpath = Objects.requireNonNull(path, "path");
            return this;
        }

        /** How long {@link #start()} waits for every node (default 90 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Creates the cluster (and the default data dir) without starting it. */
        public KafkaCluster build() {
            return new KafkaCluster(this);
        }

        /** {@code build().start()}. */
        public KafkaCluster start() {
            return build().start();
        }
    }
}
