package dev.simsnap.snapshot.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Checkpoints keep the items (of state-model runs and v1 runs alike); those written before still read, and one that
 * holds v1 entities as an earlier version kept them (JSON) is stale: no replay starts from it.
 */
class CheckpointFormatTest {

    @Test
    void itemsSurviveACheckpoint() {
        ReplayState s = ReplayState.fresh("grid", 42);
        s.meta.put("grid", "{}");
        s.buffer.put("grid|b", new byte[] {1, 2});
        s.itemHeads.put("grid|cells|0/0", new byte[] {0, 9, 9});
        s.itemChunks.put("grid|cells|0/0\u0000#00000000", new byte[] {7});
        ReplayState back = ReplayState.deserialize(s.serialize());
        assertThat(back.stale()).isFalse();
        assertThat(back.nextOffset).isEqualTo(42);
        assertThat(back.meta).isEqualTo(s.meta);
        assertThat(back.buffer).containsOnlyKeys("grid|b");
        assertThat(back.itemHeads.get("grid|cells|0/0")).containsExactly(0, 9, 9);
        assertThat(back.itemChunks.get("grid|cells|0/0\u0000#00000000")).containsExactly(7);
    }

    @Test
    void aCheckpointWrittenBeforeStateModelsStillReads() throws Exception {
        ReplayState s = ReplayState.deserialize(scp1(0));
        assertThat(s.runId).isEqualTo("old");
        assertThat(s.nextOffset).isEqualTo(7);
        assertThat(s.meta).containsEntry("old", "{\"m\":1}");
        assertThat(s.buffer).containsOnlyKeys("old|b");
        assertThat(s.itemHeads).isEmpty();
        assertThat(s.stale()).as("no v1 entity in it: a start as good as any").isFalse();
    }

    @Test
    void aCheckpointHoldingV1EntitiesAsJsonIsStale() throws Exception {
        ReplayState s = ReplayState.deserialize(scp1(1));
        assertThat(s.stale()).isTrue();
        assertThat(s.itemHeads).isEmpty();
    }

    /** The SCP1 layout, written by hand: magic, run, offset, meta, {@code entities} v1 entities, buffer. */
    private static byte[] scp1(int entities) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes))) {
            out.writeInt(0x53435031);
            bytes(out, "old");
            out.writeLong(7);
            out.writeInt(1);
            bytes(out, "old");
            bytes(out, "{\"m\":1}");
            out.writeInt(entities);
            for (int i = 0; i < entities; i++) {
                bytes(out, "old|PERSON|" + i);
                bytes(out, "{\"person_id\":" + i + "}");
            }
            out.writeInt(1);
            bytes(out, "old|b");
            out.writeInt(2);
            out.write(new byte[] {4, 2});
        }
        return bytes.toByteArray();
    }

    private static void bytes(DataOutputStream out, String s) throws Exception {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }
}
