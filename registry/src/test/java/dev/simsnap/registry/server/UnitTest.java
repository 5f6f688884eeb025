package dev.simsnap.registry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Pure logic that needs no broker: version ids, schema identity, replay of store records. */
class UnitTest {

    @Test
    void versionIds() {
        assertThat(VersionId.parse("latest").latest()).isTrue();
        assertThat(VersionId.parse("-1").latest()).isTrue();
        assertThat(VersionId.parse("7").number()).isEqualTo(7);
        for (String bad : new String[] {"0", "-2", "abc", "", "2147483648"}) {
            assertThatThrownBy(() -> VersionId.parse(bad)).isInstanceOfSatisfying(RegistryException.class,
                    e -> assertThat(e.errorCode().code()).isEqualTo(42202));
        }
    }

    @Test
    void identityIgnoresWhitespaceAndAttributeOrderButKeepsDefaults() {
        String a = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\",\"type\":\"int\"}]}";
        String b = "{ \"fields\" : [ {\"type\":\"int\", \"name\":\"f\"} ],\n \"name\":\"R\", \"type\":\"record\" }";
        String withDefault = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\",\"type\":\"int\",\"default\":1}]}";
        assertThat(AvroSchemas.parse(a).canonical()).isEqualTo(AvroSchemas.parse(b).canonical());
        assertThat(AvroSchemas.parse(a).canonical()).isNotEqualTo(AvroSchemas.parse(withDefault).canonical());
        assertThatThrownBy(() -> AvroSchemas.parse("{\"type\":\"nope\"}")).isInstanceOfSatisfying(
                RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_SCHEMA));
        assertThatThrownBy(() -> AvroSchemas.parse(null)).isInstanceOf(RegistryException.class);
    }

    @Test
    void replayAppliesUpdatesAndTombstones() {
        RegistryState state = new RegistryState();
        for (StoreRecord r : new StoreRecord[] {
                StoreRecord.schema(1, "\"string\""),
                StoreRecord.schema(2, "\"int\""),
                StoreRecord.version("s", 1, 1, false),
                StoreRecord.version("s", 2, 2, false),
                StoreRecord.version("s", 2, 2, true),
                StoreRecord.version("t", 1, 2, false),
                StoreRecord.versionTombstone("t", 1),
                StoreRecord.config(null, "FULL"),
                StoreRecord.config("s", "NONE"),
                StoreRecord.config("s", null),
                StoreRecord.mode("s", "READONLY")}) {
            state.apply(r.key(), r.value());
        }
        assertThat(state.maxId).isEqualTo(2);
        assertThat(state.idsByCanonical).containsEntry("\"int\"", 2);
        assertThat(state.subjects).containsOnlyKeys("s");
        assertThat(state.subjects.get("s").get(2).deleted()).isTrue();
        assertThat(state.globalConfig).isEqualTo("FULL");
        assertThat(state.subjectConfigs).isEmpty();
        assertThat(state.subjectModes).containsEntry("s", "READONLY");
        state.apply("{\"keytype\":\"FUTURE\"}", "{}"); // unknown record types are skipped
    }

    @Test
    void keysAreStablePerEntity() {
        assertThat(StoreRecord.version("s", 1, 1, false).key()).isEqualTo(StoreRecord.versionTombstone("s", 1).key());
        assertThat(StoreRecord.config(null, "FULL").key()).isEqualTo("{\"keytype\":\"CONFIG\",\"subject\":null}");
        assertThat(StoreRecord.mode("a", null).value()).isNull();
    }
}
