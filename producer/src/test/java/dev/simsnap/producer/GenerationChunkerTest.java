package dev.simsnap.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simsnap.schema.generation.PersonaGenotype;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Chunks keep order and size limits; null members are named. */
class GenerationChunkerTest {

    private static PersonaGenotype member(int i, int backstoryChars) {
        return new PersonaGenotype("n" + i, 30, "o", "x".repeat(backstoryChars), List.of(), List.of(),
                Map.of("openness", 0.5), "s", "t", "p", List.of());
    }

    @Test
    void splitsInOrderUnderTheBudget() {
        List<PersonaGenotype> members = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            members.add(member(i, 1000));
        }
        List<List<PersonaGenotype>> chunks = GenerationChunker.split(members);
        assertThat(chunks).hasSizeGreaterThan(3);
        assertThat(chunks.stream().flatMap(List::stream)).containsExactlyElementsOf(members);
        chunks.forEach(c -> assertThat(c.size() * 1030).isLessThanOrEqualTo(GenerationChunker.MAX_CHUNK_BYTES));
        assertThat(GenerationChunker.split(List.of())).isEmpty();
    }

    @Test
    void nullFieldIsNamed() {
        PersonaGenotype bad = member(0, 1);
        bad.setHobbies(null);
        assertThatThrownBy(() -> GenerationChunker.split(List.of(member(1, 1), bad)))
                .hasMessageContaining("'members[1].hobbies'");
    }
}
