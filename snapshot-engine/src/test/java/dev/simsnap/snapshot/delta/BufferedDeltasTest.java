package dev.simsnap.snapshot.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.simulate.EntityChange;
import dev.simsnap.simulate.TradingArenaModel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The custom-coder encoding of buffered deltas is byte for byte Avro's own single-object encoding. */
class BufferedDeltasTest {

    @Test
    void sameBytesAsGeneratedEncoderAndRoundTrips() throws Exception {
        TradingArenaModel model = new TradingArenaModel(25, 8, 4);
        List<StateDelta> deltas = new ArrayList<>();
        long seq = 0;
        for (int i = 0; i < 12; i++) {
            for (EntityChange c : model.advance()) {
                deltas.add(new StateDelta("r", "w", seq++, (long) i, 7, c.type(), c.entityId(), null, c.op(),
                        c.patchFields(), c.payload(), null, null));
            }
        }
        deltas.add(new StateDelta("r", "w", seq++, 12L, 7, EntityType.DOCUMENT, "d", "notes", Operation.UPSERT,
                List.of(), Document.newBuilder().setJson("{\"a\":[1,{\"b\":null}]}").build(), null, null));
        deltas.add(new StateDelta("r", "w", seq++, 12L, 7, EntityType.DOCUMENT, "d", "notes", Operation.APPEND,
                List.of(), new ListAppend("a", List.of(), List.of("3")), null, null));
        deltas.add(new StateDelta("r", "w", seq, 12L, 7, EntityType.PERSON, "3", null, Operation.DELETE, List.of(),
                null, null, null));
        assertThat(deltas).hasSizeGreaterThan(300);
        for (StateDelta d : deltas) {
            ByteBuffer generated = d.toByteBuffer();
            byte[] expected = new byte[generated.remaining()];
            generated.get(expected);
            byte[] bytes = BufferedDeltas.encode(d);
            assertThat(bytes).isEqualTo(expected);
            assertThat(BufferedDeltas.decode(bytes)).isEqualTo(d);
        }
    }
}
