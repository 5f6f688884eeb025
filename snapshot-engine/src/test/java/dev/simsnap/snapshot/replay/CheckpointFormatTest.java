package dev.simsnap.snapshot.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Checkpoints keep the items of state-model runs, and the checkpoints written before them still read. */
class CheckpointFormatTest {

    @Test
    void itemsSurviveACheckpoint() {
        ReplayState s = ReplayState.fresh("grid", 42);
        s.meta.put("grid", "{}");
        s.buffer.put("grid|b", new byte[] {1, 2});
        s.itemHeads.put("grid|cells|0/0", new byte[] {0, 9, 9});
        s.itemChunks.put("grid|cells|0/0\u0000#00000000", new byte[] {7});
        ReplayState back = ReplayState.deserialize(s.serialize());
        assertThat(back.nextOffset).isEqualTo(42);
        assertThat(back.meta).isEqualTo(s.meta);
        assertThat(back.buffer).containsOnlyKeys("grid|b");
        assertThat(back.itemHeads.get("grid|cells|0/0")).containsExactly(0, 9, 9);
        assertThat(back.itemChunks.get("grid|cells|0/0\u0000#00000000")).containsExactly(7);
    }

    @Test
    void aCheckpointWrittenBeforeStateModelsStillReads() throws Exception {
        // The SCP1 layout, written by hand: magic, run, offset, meta, entities, buffer.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes))) {
            out.writeInt(0x53435031);
            bytes(out, "old");
            out.writeLong(7);
            out.writeInt(1);
            bytes(out, "old");
            bytes(out, "{\"m\":1}");
            out.writeInt(1);
            bytes(out, "old|PERSON|0");
            bytes(out, "{\"person_id\":0}");
            out.writeInt(0);
        }
        ReplayState s = ReplayState.deserialize(bytes.toByteArray());
        assertThat(s.runId).isEqualTo("old");
        assertThat(s.nextOffset).isEqualTo(7);
        assertThat(s.entities).containsEntry("old|PERSON|0", "{\"person_id\":0}");
        assertThat(s.itemHeads).isEmpty();
    }

    private static void bytes(DataOutputStream out, String s) throws Exception {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }
}
