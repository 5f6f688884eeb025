package dev.simsnap.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.schema.delta.ItemPart;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/** The direct encoding of a StateDelta is Avro's own encoding of the same record, framed with the schema id. */
class DeltaEncoderTest {

    /** 0x00, the id big-endian, then {@link SpecificDatumWriter}'s bytes. */
    private static byte[] avro(int schemaId, StateDelta delta) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(StateDelta.class).write(delta, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static String text(Random random, int maxLength) {
        int n = random.nextInt(maxLength + 1);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            switch (random.nextInt(12)) {
                case 0 -> sb.append('\u00e9');
                case 1 -> sb.append('\u4e2d');
                case 2 -> sb.appendCodePoint(0x1F600);
                case 3 -> sb.append('\udc00'); // unpaired surrogate
                case 4 -> sb.append('/');
                default -> sb.append((char) ('a' + random.nextInt(26)));
            }
        }
        return sb.toString();
    }

    @Test
    void everyShapeOfV2DeltaEncodesToAvrosBytes() throws Exception {
        Random random = new Random(7);
        long[] numbers = {0, 1, -1, 63, 64, -65, 8191, 1L << 35, Long.MAX_VALUE, Long.MIN_VALUE};
        for (int round = 0; round < 2_000; round++) {
            int schemaId = round % 3 == 0 ? 1 : random.nextInt(Integer.MAX_VALUE);
            String run = round % 50 == 0 ? text(random, 300) : "run-" + text(random, 10);
            String worker = text(random, 8);
            DeltaEncoder encoder = new DeltaEncoder(schemaId, run, worker);
            for (int k = 0; k < 5; k++) { // one encoder, record after record
                long sequence = random.nextBoolean() ? numbers[random.nextInt(numbers.length)] : random.nextLong();
                long step = random.nextBoolean() ? numbers[random.nextInt(numbers.length)] : random.nextInt(1 << 20);
                Operation op = Operation.values()[random.nextInt(Operation.values().length)];
                List<String> fields = new ArrayList<>();
                for (int f = random.nextInt(random.nextInt(20) == 0 ? 80 : 4); f > 0; f--) {
                    fields.add(text(random, random.nextInt(10) == 0 ? 200 : 15));
                }
                String entity = random.nextInt(30) == 0 ? text(random, 5_000) : text(random, 12);
                String collection = text(random, 10);
                byte[] item = null;
                int from = 0;
                int length = 0;
                int index = 0;
                int count = 1;
                if (random.nextInt(6) > 0) {
                    item = new byte[random.nextInt(15) == 0 ? 3_000 + random.nextInt(100_000) : random.nextInt(300)];
                    random.nextBytes(item);
                    from = random.nextInt(3) == 0 ? random.nextInt(item.length + 1) : 0;
                    length = item.length - from - (from > 0 ? random.nextInt(item.length - from + 1) : 0);
                    if (random.nextInt(4) == 0) {
                        count = 2 + random.nextInt(round % 7 == 0 ? 100_000 : 10);
                        index = random.nextInt(count);
                    }
                }
                StateDelta delta = new StateDelta(run, worker, sequence, step, 0, null, entity, collection, op,
                        fields, null, item == null ? null : ByteBuffer.wrap(item, from, length).slice(),
                        count == 1 ? null : new ItemPart(index, count));
                byte[] direct = encoder.encode(sequence, step, entity, collection, op, List.copyOf(fields), item,
                        from, length, index, count);
                assertThat(direct).as("round %d, record %d", round, k).isEqualTo(avro(schemaId, delta));
            }
        }
    }

    @Test
    void eachRecordIsANewArrayOfItsOwnBytes() throws Exception {
        DeltaEncoder encoder = new DeltaEncoder(5, "r", "w");
        byte[] big = new byte[10_000];
        Arrays.fill(big, (byte) 7);
        byte[] first = encoder.encode(0, 1, "a", "c", Operation.UPSERT, List.of(), big, 0, big.length, 0, 1);
        byte[] copy = first.clone();
        byte[] second = encoder.encode(1, 1, "b", "c", Operation.DELETE, List.of(), null, 0, 0, 0, 1);
        assertThat(first).isEqualTo(copy); // not overwritten by the next record
        assertThat(second).isEqualTo(avro(5, new StateDelta("r", "w", 1L, 1L, 0, null, "b", "c", Operation.DELETE,
                List.of(), null, null, null)));
    }
}
