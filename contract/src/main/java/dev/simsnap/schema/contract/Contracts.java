package dev.simsnap.schema.contract;

import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.generation.GenerationChunk;
import dev.simsnap.schema.generation.GenerationSealed;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunEnded;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.topic.SimsnapTopics;
import java.util.List;
import org.apache.avro.Schema;

/** The top-level record types simsnap publishes, and the topic each one travels on. */
public final class Contracts {

    /** Run lifecycle and state deltas, keyed by run id: the name of {@link SimsnapTopics#DELTAS}. */
    public static final String DELTAS_TOPIC = SimsnapTopics.DELTAS.name();
    /** Generation populations (chunks, then a seal), keyed by run id: {@link SimsnapTopics#GENERATIONS}. */
    public static final String GENERATIONS_TOPIC = SimsnapTopics.GENERATIONS.name();
    /** Records the snapshot service could not apply, reason in headers: {@link SimsnapTopics#DEAD_LETTER}. */
    public static final String DEAD_LETTER_TOPIC = SimsnapTopics.DEAD_LETTER.name();

    /**
     * Most bytes of a framed item one StateDelta carries: a larger change is sent as consecutive records with
     * {@code item_part} (index, count), each carrying the next slice; readers join them.
     */
    public static final int ITEM_PART_BYTES = 512 * 1024;

    /** The slices a framed item is sent in: one (the item itself) up to {@link #ITEM_PART_BYTES}, else parts. */
    public static List<java.nio.ByteBuffer> itemSlices(byte[] item) {
        if (item.length <= ITEM_PART_BYTES) {
            return List.of(java.nio.ByteBuffer.wrap(item));
        }
        List<java.nio.ByteBuffer> out = new java.util.ArrayList<>();
        for (int from = 0; from < item.length; from += ITEM_PART_BYTES) {
            out.add(java.nio.ByteBuffer.wrap(item, from, Math.min(ITEM_PART_BYTES, item.length - from)).slice());
        }
        return out;
    }

    /** Most bytes of framed members one GenerationChunk (v2) carries, so a chunk stays far below a record's limit. */
    public static final int MEMBER_CHUNK_BYTES = 256 * 1024;

    /**
     * A generation's framed members, in order, as the consecutive chunks they are sent in: each at most
     * {@link #MEMBER_CHUNK_BYTES} of members (a larger member alone); one empty chunk for no members.
     */
    public static List<List<java.nio.ByteBuffer>> memberChunks(List<byte[]> framed) {
        List<List<java.nio.ByteBuffer>> chunks = new java.util.ArrayList<>();
        List<java.nio.ByteBuffer> current = new java.util.ArrayList<>();
        long bytes = 0;
        for (byte[] member : framed) {
            if (!current.isEmpty() && bytes + member.length > MEMBER_CHUNK_BYTES) {
                chunks.add(current);
                current = new java.util.ArrayList<>();
                bytes = 0;
            }
            current.add(java.nio.ByteBuffer.wrap(member));
            bytes += member.length;
        }
        chunks.add(current);
        return chunks;
    }

    /** Records on {@link #DELTAS_TOPIC}. */
    public static final List<Schema> DELTA_TOPIC_RECORDS = List.of(
            RunStarted.getClassSchema(), StateDelta.getClassSchema(),
            IterationCommitted.getClassSchema(), RunEnded.getClassSchema());

    /** Records on {@link #GENERATIONS_TOPIC}. */
    public static final List<Schema> GENERATION_TOPIC_RECORDS = List.of(
            GenerationChunk.getClassSchema(), GenerationSealed.getClassSchema());

    private Contracts() {
    }

    /** The subject under TopicRecordNameStrategy: {@code <topic>-<record full name>}. */
    public static String subject(String topic, Schema record) {
        return topic + "-" + record.getFullName();
    }
}
