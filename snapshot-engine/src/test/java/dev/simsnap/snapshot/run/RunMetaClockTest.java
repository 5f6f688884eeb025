package dev.simsnap.snapshot.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunMetaClockTest {

    @Test
    void theConsistentClockFollowsTheConsistentStepAndSurvivesTheStore() {
        RunMeta m = RunMeta.started("r", "trading-arena", List.of("w0", "w1"), Map.of(), 1, 0, null, -1)
                .model("{\"kind\":\"trading-arena\"}");
        // Day 0, iteration 2 is step 2; day 1 restarts the intra-day iteration at 0 (step 3).
        m.commit("w0", 2, 0, Map.of("virtual_date", 0L, "iteration", 2L));
        m.commit("w0", 3, 0, Map.of("virtual_date", 1L, "iteration", 0L));
        long consistent = m.commit("w1", 3, 0, Map.of("virtual_date", 1L, "iteration", 0L));
        assertThat(consistent).isEqualTo(3);
        m.beginApply();
        m.endApply(3, 0);
        assertThat(m.consistentClock()).containsExactly(Map.entry("iteration", 0L), Map.entry("virtual_date", 1L));

        m.commit("w0", 4, 0, Map.of("virtual_date", 1L, "iteration", 1L));
        Map<String, String> store = Map.of("r", m.toJson(), "r|model", m.model());
        RunMeta back = RunMeta.read(store::get, "r");
        assertThat(back.toJson()).isEqualTo(m.toJson());
        assertThat(back.model()).isEqualTo("{\"kind\":\"trading-arena\"}");
        assertThat(back.consistentClock()).isEqualTo(m.consistentClock());
        assertThat(back.committedClock(4)).containsEntry("iteration", 1L);
    }

    @Test
    void aLegacyRunsStoredFormIsUnchanged() {
        RunMeta m = RunMeta.started("r", "trading-arena", List.of("w0"), Map.of(), 1, 0, null, -1);
        m.commit("w0", 0, 7);
        m.beginApply();
        m.endApply(0, 0);
        assertThat(m.toJson()).doesNotContain("model", "clock");
        assertThat(RunMeta.fromJson(m.toJson()).toJson()).isEqualTo(m.toJson());
    }
}
