package dev.simsnap.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code simsnap up --brokers 3}: three broker processes, and every topic the stack creates — simsnap's pipeline,
 * the registry's store, Kafka Streams' changelogs and the brokers' own — has 3 replicas; simsnap's and Streams'
 * topics have {@code min.insync.replicas=2}.
 */
class EmbeddedStackClusterTest {

    @Test
    void threeBrokersReplicateEveryTopicThreeTimesWithMinIsrTwo(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        EmbeddedStack.Options options = new EmbeddedStack.Options(tmp.resolve("data"), 0, 0, 0, 0,
                tmp.resolve("out"), null, null, 3);
        try (EmbeddedStack stack = EmbeddedStack.start(options,
                new PrintStream(printed, true, StandardCharsets.UTF_8));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("embedded cluster of 3 broker processes");
            assertThat(stack.bootstrapServers().split(",")).hasSize(3);
            assertThat(admin.describeCluster().nodes().get()).hasSize(3);
            Set<String> names = admin.listTopics().names().get();
            assertThat(names).contains("simsnap.deltas", "simsnap.generations", "simsnap.dead-letter",
                    "simsnap.current-state", "_simsnap_schemas");
            Set<String> changelogs = names.stream().filter(n -> n.endsWith("-changelog")).collect(Collectors.toSet());
            assertThat(changelogs).isNotEmpty();
            Map<String, TopicDescription> all = admin.describeTopics(names).allTopicNames().get();
            all.forEach((name, d) -> assertThat(d.partitions()).as(name)
                    .allSatisfy(p -> assertThat(p.replicas()).as(name).hasSize(3)));
            List<ConfigResource> ours = names.stream().filter(n -> !n.startsWith("__"))
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(ours).all().get();
            configs.forEach((r, c) -> assertThat(c.get("min.insync.replicas").value()).as(r.name()).isEqualTo("2"));
        }
    }
}
