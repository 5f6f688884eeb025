package dev.simsnap.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The embedded broker with SASL/PLAIN and StandardAuthorizer: credentials are checked, ACLs decide, restart keeps both. */
class SecuredEmbeddedBrokerTest {

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.builder().saslPlain("admin", "admin-secret").saslUser("alice", "alice-secret")
                .start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static Map<String, Object> as(String user, String password) {
        Map<String, Object> props = new HashMap<>(EmbeddedKafkaBroker.clientProperties(user, password));
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        return props;
    }

    @Test
    void aWrongPasswordIsRefusedAtAuthentication() {
        try (Admin admin = Admin.create(as("alice", "not-her-password"))) {
            assertThatThrownBy(() -> admin.listTopics().names().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SaslAuthenticationException.class)
                    .hasMessageContaining("Invalid username or password");
        }
    }

    @Test
    void aclsDecideWhatAUserMayDoAndSurviveARestart() throws Exception {
        assertThat(broker.secured()).isTrue();
        assertThat(broker.createTopic("acl-topic", 1)).isTrue(); // as the super user
        try (KafkaProducer<String, String> alice = TestClients.producer(broker, as("alice", "alice-secret"))) {
            assertThatThrownBy(() -> alice.send(new ProducerRecord<>("acl-topic", "k", "v")).get(10, TimeUnit.SECONDS))
                    .cause().isInstanceOf(TopicAuthorizationException.class);
        }
        try (Admin admin = Admin.create(as("admin", "admin-secret"))) {
            admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "acl-", PatternType.PREFIXED),
                    new AccessControlEntry("User:alice", "*", AclOperation.WRITE, AclPermissionType.ALLOW)))).all()
                    .get(10, TimeUnit.SECONDS);
        }
        broker.restart();
        try (KafkaProducer<String, String> alice = TestClients.producer(broker, as("alice", "alice-secret"))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (true) { // the ACL reaches the authorizer through the metadata log a moment after the restart
                try {
                    assertThat(alice.send(new ProducerRecord<>("acl-topic", "k", "v")).get(10, TimeUnit.SECONDS)
                            .offset()).isZero();
                    break;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicAuthorizationException) || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(200);
                }
            }
        }
    }
}
