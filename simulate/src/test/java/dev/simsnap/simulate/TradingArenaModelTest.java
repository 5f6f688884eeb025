package dev.simsnap.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.legacy.LegacyDeltas;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sample models alone: deterministic, valid deltas, and deltas that rebuild the model's state. */
class TradingArenaModelTest {

    @Test
    void deltasAppliedInOrderRebuildTheStateAtEveryIteration() {
        TradingArenaModel model = new TradingArenaModel(11, 4, 99);
        StateApplier applier = new StateApplier();
        for (int i = 0; i <= 13; i++) {
            for (EntityChange change : model.advance()) {
                LegacyDeltas.check(new StateDelta("r", "w0", 0L, (long) i, 0, change.type(), change.entityId(),
                        null, change.op(), change.patchFields(), change.payload(), null, null),
                        LegacyDeltas.Rules.PRODUCER);
                applier.apply(change);
            }
            assertThat(applier.entities).isEqualTo(StateApplier.expected(model));
        }
        assertThat(StateApplier.expected(TradingArenaModel.at(11, 4, 99, 13))).isEqualTo(applier.entities);
        assertThat(model.stocks().get(0).getPastStockLastPrices()).hasSize(5 + 3); // 3 day changes in 13 iterations
    }

    @Test
    void sameSeedSameChangesOtherSeedOtherChanges() {
        assertThat(changes(5, 2, 7, 6)).isEqualTo(changes(5, 2, 7, 6)).isNotEqualTo(changes(5, 2, 8, 6));
    }

    @Test
    void personaEvolutionIsDeterministicAndRecombines() {
        PersonaEvolutionModel a = new PersonaEvolutionModel(50, 3);
        PersonaEvolutionModel b = new PersonaEvolutionModel(50, 3);
        for (int g = 0; g < 4; g++) {
            a.advance();
            b.advance();
            assertThat(a.members()).isEqualTo(b.members());
            assertThat(a.scores()).isEqualTo(b.scores()).hasSize(50);
        }
        PersonaEvolutionModel first = new PersonaEvolutionModel(50, 3);
        first.advance();
        assertThat(a.members()).isNotEqualTo(first.members());
    }

    private static List<EntityChange> changes(int agents, int stocks, long seed, int iterations) {
        TradingArenaModel model = new TradingArenaModel(agents, stocks, seed);
        List<EntityChange> all = new ArrayList<>();
        for (int i = 0; i <= iterations; i++) {
            all.addAll(model.advance());
        }
        return all;
    }
}
