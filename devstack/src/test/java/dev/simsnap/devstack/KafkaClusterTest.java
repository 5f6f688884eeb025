package dev.simsnap.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.topic.EnsuredTopic;
import dev.simsnap.topic.SimsnapTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/**
 * A 3-broker cluster of separate processes: topics by spec get 3 replicas and min ISR 2; the leader of a
 * partition is killed with SIGKILL in the middle of a stream of transactions, another node takes over, the
 * transactions go on, the killed node comes back on its data and rejoins the ISR, and every committed record is
 * there exactly once.
 */
class KafkaClusterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void aKilledLeaderIsReplacedAndNothingCommittedIsLost() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.builder().brokers(3).start()) {
            assertThat(cluster.bootstrapServers().split(",")).hasSize(3);
            List<EnsuredTopic> topics = cluster.ensureTopics(1, List.of(SimsnapTopics.DELTAS));
            assertThat(topics.get(0).description().partitions().get(0).replicas()).hasSize(3);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    cluster.bootstrapServers()))) {
                ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, SimsnapTopics.DELTAS.name());
                assertThat(admin.describeConfigs(List.of(r)).all().get().get(r).get("min.insync.replicas").value())
                        .isEqualTo("2");
                assertThat(admin.describeCluster().nodes().get()).hasSize(3);
            }
            String topic = SimsnapTopics.DELTAS.name();
            List<String> sent = new ArrayList<>();
            int leader;
            try (KafkaProducer<String, String> producer = TestClients.producer(cluster,
                    Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "cluster-test",
                            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000))) {
                producer.initTransactions();
                for (int i = 0; i < 10; i++) {
                    send(producer, topic, "before-" + i, sent);
                }
                leader = cluster.leaderOf(topic, 0);
                long pid = cluster.pid(leader);
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, "run", "open-when-killed")).get(30, TimeUnit.SECONDS);
                cluster.kill(leader); // mid-transaction
                assertThat(cluster.isRunning(leader)).isFalse();
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
                producer.commitTransaction(); // the coordinator or the leader may have moved: the client follows
                sent.add("open-when-killed");
                int newLeader = awaitNewLeader(cluster, topic, leader);
                assertThat(newLeader).isNotEqualTo(leader);
                for (int i = 0; i < 10; i++) {
                    send(producer, topic, "after-" + i, sent);
                }
                cluster.start(leader);
                long deadline = System.nanoTime() + TIMEOUT.toNanos();
                while (!cluster.inSyncReplicas(topic, 0).contains(leader) && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertThat(cluster.inSyncReplicas(topic, 0)).contains(leader);
                send(producer, topic, "rejoined", sent);
            }
            var records = TestClients.readAll(cluster, topic, sent.size(), "read_committed", TIMEOUT);
            assertThat(TestClients.values(records)).containsExactlyElementsOf(sent);
        }
    }

    private static void send(KafkaProducer<String, String> producer, String topic, String value, List<String> sent)
            throws Exception {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, "run", value)).get(60, TimeUnit.SECONDS);
        producer.commitTransaction();
        sent.add(value);
    }

    private static int awaitNewLeader(KafkaCluster cluster, String topic, int old) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                int now = cluster.leaderOf(topic, 0);
                if (now != old) {
                    return now;
                }
            } catch (IllegalStateException e) {
                // no leader for a moment
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no new leader for " + topic + "-0 within " + TIMEOUT);
    }
}
