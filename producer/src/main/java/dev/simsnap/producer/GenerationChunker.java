package dev.simsnap.producer;

import dev.simsnap.schema.generation.PersonaGenotype;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Splits a population into consecutive slices whose Avro-encoded members total at most {@link #MAX_CHUNK_BYTES}
 * (a slice always holds at least one member), so every GenerationChunk record stays far below Kafka's default
 * 1 MB record limit whatever the population size.
 */
final class GenerationChunker {

    /** Budget of encoded member bytes per chunk: 256 KiB. */
    static final int MAX_CHUNK_BYTES = dev.simsnap.schema.contract.Contracts.MEMBER_CHUNK_BYTES;
    /** A single member larger than this cannot be published under default broker limits. */
    static final int MAX_MEMBER_BYTES = 900 * 1024;

    private GenerationChunker() {
    }

    /** Slices of {@code members}, in order; their concatenation is {@code members}. */
    static List<List<PersonaGenotype>> split(List<PersonaGenotype> members) {
        SpecificDatumWriter<PersonaGenotype> writer = new SpecificDatumWriter<>(PersonaGenotype.class);
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
        BinaryEncoder encoder = null;
        List<List<PersonaGenotype>> chunks = new ArrayList<>();
        List<PersonaGenotype> current = new ArrayList<>();
        long currentBytes = 0;
        for (int i = 0; i < members.size(); i++) {
            PersonaGenotype member = members.get(i);
            checkMember(member, i);
            buffer.reset();
            encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
            try {
                writer.write(member, encoder);
                encoder.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int size = buffer.size();
            if (size > MAX_MEMBER_BYTES) {
                throw new IllegalArgumentException("field 'members[" + i + "]': encodes to " + size
                        + " bytes, more than a record can carry (" + MAX_MEMBER_BYTES + ")");
            }
            if (!current.isEmpty() && currentBytes + size > MAX_CHUNK_BYTES) {
                chunks.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(member);
            currentBytes += size;
        }
        if (!current.isEmpty()) {
            chunks.add(current);
        }
        return chunks;
    }

    // Avro would fail later with a bare NullPointerException; name the field instead.
    private static void checkMember(PersonaGenotype m, int i) {
        String at = "members[" + i + "].";
        if (m == null) {
            throw new IllegalArgumentException("field 'members[" + i + "]': must not be null");
        }
        requireNonNull(m.getName(), at + "name");
        requireNonNull(m.getOccupation(), at + "occupation");
        requireNonNull(m.getBackstory(), at + "backstory");
        requireNonNull(m.getCoreValues(), at + "core_values");
        requireNonNull(m.getHobbies(), at + "hobbies");
        requireNonNull(m.getPersonalityTraits(), at + "personality_traits");
        requireNonNull(m.getCommunicationStyle(), at + "communication_style");
        requireNonNull(m.getTopicalFocus(), at + "topical_focus");
        requireNonNull(m.getInteractionPolicy(), at + "interaction_policy");
        requireNonNull(m.getGoals(), at + "goals");
        for (Map.Entry<String, Double> trait : m.getPersonalityTraits().entrySet()) {
            if (trait.getValue() == null || !Double.isFinite(trait.getValue())) {
                throw new IllegalArgumentException("field '" + at + "personality_traits." + trait.getKey()
                        + "': must be a finite number");
            }
        }
    }

    private static void requireNonNull(Object value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("field '" + field + "': must not be null");
        }
    }
}
