package dev.simsnap.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryTest {

    private static final Schema V1 = parse("{\"name\":\"a\",\"type\":\"int\"}");
    private static final Schema V2 = parse("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\",\"default\":\"\"}");
    private static final Schema NO_DEFAULT = parse("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"c\",\"type\":\"string\"}");

    private static Schema parse(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":[" + fields + "]}");
    }

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void sameCanonicalSchemaGetsTheSameIdInEverySubject() {
        int id = registry.register("s1", V1);
        assertThat(registry.register("s1", V1)).isEqualTo(id);
        assertThat(registry.register("s2", parse(" { \"type\" : \"int\", \"name\" : \"a\" } "))).isEqualTo(id);
        int id2 = registry.register("s1", V2);
        assertThat(id2).isNotEqualTo(id);
        assertThat(registry.versions("s1")).containsExactly(1, 2);
        assertThat(registry.version("s1", "latest")).isEqualTo(new SchemaVersion("s1", 2, id2, V2));
        assertThat(registry.lookup("s2", V1).version()).isEqualTo(1);
        assertThat(registry.getById(id2)).isEqualTo(V2);
        assertThat(registry.subjects()).containsExactly("s1", "s2");
    }

    @Test
    void compatibilityIsEnforcedWithTheSharedChecker() {
        registry.register("s", V1);
        assertThatThrownBy(() -> registry.register("s", NO_DEFAULT))
                .isInstanceOfSatisfying(RegistryException.IncompatibleSchema.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(40901);
                });
        CompatibilityResult result = registry.testCompatibility("s", "latest", NO_DEFAULT);
        assertThat(result.compatible()).isFalse();
        assertThat(result.messages()).isNotEmpty();
        assertThat(registry.testCompatibility("s", "1", V2).compatible()).isTrue();
        registry.setCompatibility("s", "none");
        assertThat(registry.getCompatibility("s")).isEqualTo("NONE");
        assertThat(registry.getCompatibility(null)).isEqualTo("BACKWARD");
        registry.register("s", NO_DEFAULT);
        registry.deleteCompatibility("s");
        assertThat(registry.getCompatibility("s")).isEqualTo("BACKWARD");
        assertThatThrownBy(() -> registry.setCompatibility(null, "SIDEWAYS"))
                .isInstanceOf(RegistryException.InvalidCompatibilityLevel.class);
    }

    @Test
    void notFoundCodes() {
        assertThatThrownBy(() -> registry.versions("nope")).isInstanceOf(RegistryException.SubjectNotFound.class);
        registry.register("s", V1);
        assertThatThrownBy(() -> registry.version("s", "9")).isInstanceOf(RegistryException.VersionNotFound.class);
        assertThatThrownBy(() -> registry.version("s", "zero")).isInstanceOf(RegistryException.InvalidVersion.class);
        assertThatThrownBy(() -> registry.lookup("s", V2)).isInstanceOf(RegistryException.SchemaNotFound.class);
        assertThatThrownBy(() -> registry.getById(99)).isInstanceOf(RegistryException.SchemaNotFound.class);
    }

    @Test
    void softThenPermanentDelete() {
        registry.register("s", V1);
        registry.register("s", V2);
        assertThatThrownBy(() -> registry.deleteSubject("s", true))
                .isInstanceOfSatisfying(RegistryException.SoftDeleteState.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.SUBJECT_NOT_SOFT_DELETED));
        assertThat(registry.deleteVersion("s", "latest", false)).isEqualTo(2);
        assertThatThrownBy(() -> registry.deleteVersion("s", "2", false))
                .isInstanceOfSatisfying(RegistryException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.VERSION_SOFT_DELETED));
        assertThat(registry.deleteVersion("s", "2", true)).isEqualTo(2);
        assertThat(registry.deleteSubject("s", false)).containsExactly(1);
        assertThat(registry.subjects()).isEmpty();
        assertThatThrownBy(() -> registry.deleteSubject("s", false))
                .isInstanceOfSatisfying(RegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(40404));
        assertThat(registry.deleteSubject("s", true)).containsExactly(1);
        assertThatThrownBy(() -> registry.deleteSubject("s", true)).isInstanceOf(RegistryException.SubjectNotFound.class);
    }

    @Test
    void readOnlyModeRejectsWrites() {
        registry.setMode(null, "READONLY");
        assertThat(registry.getMode()).isEqualTo("READONLY");
        assertThatThrownBy(() -> registry.register("s", V1)).isInstanceOf(RegistryException.OperationNotPermitted.class);
        assertThatThrownBy(() -> registry.setMode(null, "SLEEPY")).isInstanceOf(RegistryException.InvalidMode.class);
    }

    @Test
    void mockUrlsShareOneInstancePerScopeUntilDropped() {
        SchemaRegistry a = SchemaRegistries.fromConfig(Map.of("schema.registry.url", "mock://shared-scope"));
        SchemaRegistry b = SchemaRegistries.fromConfig(Map.of("schema.registry.url", "mock://shared-scope"));
        assertThat(a).isSameAs(b).isInstanceOf(InMemorySchemaRegistry.class);
        a.register("s", V1);
        InMemorySchemaRegistry.drop("shared-scope");
        SchemaRegistry c = SchemaRegistries.fromConfig(Map.of("schema.registry.url", "mock://shared-scope"));
        assertThat(c).isNotSameAs(a);
        assertThat(c.subjects()).isEmpty();
        InMemorySchemaRegistry.drop("shared-scope");

        assertThat(SchemaRegistries.fromConfig(Map.of("schema.registry.url", "http://localhost:1")))
                .isInstanceOf(RestSchemaRegistryClient.class);
        assertThatThrownBy(() -> SchemaRegistries.fromConfig(Map.of("schema.registry.url", "mock://x,http://y:1")))
                .isInstanceOf(ConfigException.class);
    }
}
