package dev.simsnap.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.topic.EnsuredTopic;
import dev.simsnap.topic.SimsnapTopics;
import dev.simsnap.topic.TopicAdmin;
import dev.simsnap.topic.TopicSpec;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link TopicAdmin} (module contract) against a real single broker: creation by spec, checks of existing topics. */
@RealKafka
class TopicAdminTest {

    private static Admin admin;
    private final String id = UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void open(KafkaBroker broker) {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterAll
    static void close() {
        admin.close();
    }

    @Test
    void createsMissingTopicsBySpecAndLeavesExistingOnes() throws Exception {
        TopicSpec deltas = SimsnapTopics.DELTAS.withName("deltas-" + id);
        TopicSpec schemas = SimsnapTopics.SCHEMAS.withName("schemas-" + id);
        List<EnsuredTopic> first = TopicAdmin.on(admin).partitions(4).ensure(List.of(deltas, schemas));
        assertThat(first).extracting(EnsuredTopic::name).containsExactly(deltas.name(), schemas.name());
        assertThat(first).extracting(EnsuredTopic::created).containsExactly(true, true);
        assertThat(first).extracting(EnsuredTopic::partitions).containsExactly(4, 1); // schemas: fixed 1
        assertThat(first.get(0).description().partitions())
                .allSatisfy(p -> assertThat(p.replicas()).hasSize(1)); // one broker: factor 1

        Config config = config(deltas.name());
        assertThat(config.get("retention.ms").value()).isEqualTo("-1");
        assertThat(config.get("retention.bytes").value()).isEqualTo("-1");
        assertThat(config(schemas.name()).get("cleanup.policy").value()).isEqualTo("compact");

        List<EnsuredTopic> again = TopicAdmin.on(admin).partitions(9).ensure(List.of(deltas, schemas));
        assertThat(again).extracting(EnsuredTopic::created).containsExactly(false, false);
        assertThat(again).extracting(EnsuredTopic::partitions).containsExactly(4, 1); // not changed
    }

    @Test
    void anExistingTopicContradictingAnEnforcedConfigIsRefusedWithWhatToChange() throws Exception {
        String name = "deltas-finite-" + id;
        admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(Map.of("retention.ms", "604800000"))))
                .all().get();
        assertThatThrownBy(() -> TopicAdmin.on(admin).ensure(SimsnapTopics.DELTAS.withName(name)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("topic " + name + " has retention.ms=604800000; simsnap needs retention.ms=-1")
                .hasMessageContaining("--add-config retention.ms=-1")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("retention.bytes")); // broker default -1
    }

    @Test
    void anExistingTopicWithAnotherFixedPartitionCountIsRefused() throws Exception {
        String name = "schemas-wide-" + id;
        admin.createTopics(List.of(new NewTopic(name, 2, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                .all().get();
        assertThatThrownBy(() -> TopicAdmin.on(admin).ensure(SimsnapTopics.SCHEMAS.withName(name)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("topic " + name + " has 2 partitions; simsnap needs exactly 1");
    }

    @Test
    void withoutCreationAMissingTopicIsAnErrorNamingIt() {
        String name = "absent-" + id;
        assertThatThrownBy(() -> TopicAdmin.on(admin).createMissing(false)
                .ensure(SimsnapTopics.GENERATIONS.withName(name)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("topic " + name + " (generation chunks and seals (history)) does not exist");
        assertThat(TopicAdmin.on(admin).ensure(SimsnapTopics.GENERATIONS.withName(name)).created()).isTrue();
        assertThat(TopicAdmin.on(admin).createMissing(false).ensure(SimsnapTopics.GENERATIONS.withName(name))
                .created()).isFalse();
    }

    @Test
    void theBrokerCountIsWhatTheClusterReports() {
        assertThat(TopicAdmin.on(admin).brokers()).isEqualTo(1);
    }

    private static Config config(String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(r)).all().get().get(r);
    }
}
