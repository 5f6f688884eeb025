package dev.simsnap.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TopicSpecTest {

    @Test
    void replicationIsMinOfThreeAndBrokersWithMinIsrTwoFromThreeBrokersOn() {
        assertEquals(1, Replication.factor(1));
        assertEquals(2, Replication.factor(2));
        assertEquals(3, Replication.factor(3));
        assertEquals(3, Replication.factor(5));
        assertEquals(OptionalInt.empty(), Replication.minInsyncReplicas(1));
        assertEquals(OptionalInt.empty(), Replication.minInsyncReplicas(2));
        assertEquals(OptionalInt.of(2), Replication.minInsyncReplicas(3));
        assertEquals(OptionalInt.of(2), Replication.minInsyncReplicas(7));
        assertThrows(IllegalArgumentException.class, () -> Replication.factor(0));
        assertEquals(Map.of("replication.factor", 1), Replication.streamsProperties(1));
        assertEquals(Map.of("replication.factor", 3, "topic.min.insync.replicas", "2"),
                Replication.streamsProperties(3));
    }

    @Test
    void configsAddMinIsrOnlyOnClustersOfThreeOrMore() {
        TopicSpec deltas = SimsnapTopics.DELTAS;
        assertEquals(Map.of("cleanup.policy", "delete", "retention.ms", "-1", "retention.bytes", "-1"),
                deltas.configs());
        assertEquals(deltas.configs(), deltas.configs(1));
        assertEquals(deltas.configs(), deltas.configs(2));
        Map<String, String> three = deltas.configs(3);
        assertEquals("2", three.get("min.insync.replicas"));
        assertEquals(deltas.configs().size() + 1, three.size());
        assertEquals(3, deltas.replicationFactor(4));
    }

    @Test
    void theSimsnapTopicsHaveOneSpecEachWithTheSettingsTheDocsPromise() {
        List<TopicSpec> all = SimsnapTopics.all();
        Set<String> names = new HashSet<>();
        all.forEach(s -> assertTrue(names.add(s.name()), "duplicate " + s.name()));
        assertEquals(Set.of("simsnap.deltas", "simsnap.generations", "simsnap.dead-letter", "simsnap.current-state",
                "simsnap.checkpoints", "_simsnap_schemas"), names);
        for (TopicSpec history : List.of(SimsnapTopics.DELTAS, SimsnapTopics.GENERATIONS)) {
            assertEquals(Set.of("cleanup.policy", "retention.ms", "retention.bytes"), history.enforcedConfigs());
            assertEquals(OptionalInt.empty(), history.fixedPartitions());
        }
        assertEquals("-1", SimsnapTopics.DEAD_LETTER.configs().get("retention.ms"));
        assertEquals(Set.of("cleanup.policy"), SimsnapTopics.DEAD_LETTER.enforcedConfigs());
        assertEquals("compact", SimsnapTopics.CURRENT_STATE.configs().get("cleanup.policy"));
        assertEquals("compact", SimsnapTopics.CHECKPOINTS.configs().get("cleanup.policy"));
        assertEquals(OptionalInt.of(1), SimsnapTopics.SCHEMAS.fixedPartitions());
        assertEquals(1, SimsnapTopics.SCHEMAS.partitions(6));
        assertEquals(6, SimsnapTopics.DELTAS.partitions(SimsnapTopics.DEFAULT_PARTITIONS));
        assertEquals(SimsnapTopics.pipeline(), all.subList(0, 4));
    }

    @Test
    void withNameKeepsEverythingButTheName() {
        TopicSpec renamed = SimsnapTopics.SCHEMAS.withName("_schemas_test-1");
        assertEquals("_schemas_test-1", renamed.name());
        assertEquals(SimsnapTopics.SCHEMAS.configs(), renamed.configs());
        assertEquals(SimsnapTopics.SCHEMAS.enforcedConfigs(), renamed.enforcedConfigs());
        assertEquals(SimsnapTopics.SCHEMAS.fixedPartitions(), renamed.fixedPartitions());
        assertEquals(renamed, SimsnapTopics.SCHEMAS.withName("_schemas_test-1"));
    }

    @Test
    void invalidSpecsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> TopicSpec.builder("has space"));
        assertThrows(IllegalArgumentException.class, () -> TopicSpec.builder(".."));
        assertThrows(IllegalArgumentException.class, () -> TopicSpec.builder("x".repeat(250)));
        assertThrows(IllegalArgumentException.class, () -> TopicSpec.builder("t").fixedPartitions(0));
        assertThrows(IllegalArgumentException.class,
                () -> TopicSpec.builder("t").config("min.insync.replicas", "2").build());
        assertThrows(IllegalArgumentException.class, () -> SimsnapTopics.DELTAS.partitions(0));
    }
}
