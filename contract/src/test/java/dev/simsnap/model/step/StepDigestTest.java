package dev.simsnap.model.step;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The digest is SHA-256 of the input its Javadoc describes, however the input is split into changes. */
class StepDigestTest {

    /** The documented input, written out in full and hashed in one go. */
    private static byte[] expected(List<Object[]> changes, Map<String, Long> clock) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (Object[] c : changes) {
            for (int i = 0; i < 3; i++) {
                text(out, (String) c[i]);
            }
            @SuppressWarnings("unchecked")
            List<String> fields = (List<String>) c[3];
            for (String f : fields) {
                text(out, f);
            }
            byte[] item = (byte[]) c[4];
            out.writeByte(1);
            out.writeInt(item == null ? -1 : item.length);
            if (item != null) {
                out.write(item);
            }
        }
        out.writeByte(2);
        for (String name : new java.util.TreeSet<>(clock.keySet())) {
            text(out, name);
            out.writeLong(clock.get(name));
        }
        return MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
    }

    private static void text(DataOutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.writeByte(0);
    }

    private static String text(Random random, int maxLength) {
        int n = random.nextInt(maxLength + 1);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            switch (random.nextInt(10)) {
                case 0 -> sb.append('\u00e9');                 // two UTF-8 bytes
                case 1 -> sb.append('\u4e2d');                 // three
                case 2 -> sb.appendCodePoint(0x1F600);         // a surrogate pair: four
                case 3 -> sb.append('\ud800');                 // an unpaired surrogate: the JDK writes '?'
                default -> sb.append((char) ('a' + random.nextInt(26)));
            }
        }
        return sb.toString();
    }

    @Test
    void stepsOfEveryShapeHashTheDocumentedInput() throws Exception {
        Random random = new Random(13);
        for (int round = 0; round < 200; round++) {
            List<Object[]> changes = new ArrayList<>();
            int n = random.nextInt(round % 10 == 0 ? 400 : 20);
            for (int i = 0; i < n; i++) {
                List<String> fields = new ArrayList<>();
                for (int f = random.nextInt(4); f > 0; f--) {
                    fields.add(text(random, 12));
                }
                byte[] item = null;
                if (random.nextInt(5) > 0) { // some items are larger than the digest's own buffer
                    item = new byte[random.nextInt(20) == 0 ? 5_000 + random.nextInt(20_000) : random.nextInt(200)];
                    random.nextBytes(item);
                }
                String entity = random.nextInt(50) == 0 ? text(random, 10_000) : text(random, 8);
                changes.add(new Object[] {text(random, 6), entity, "PATCH", List.copyOf(fields), item});
            }
            Map<String, Long> clock = new LinkedHashMap<>();
            clock.put("tick", random.nextLong());
            clock.put("day", (long) round);
            StepDigest digest = new StepDigest();
            for (Object[] c : changes) {
                @SuppressWarnings("unchecked")
                List<String> fields = (List<String>) c[3];
                digest.change((String) c[0], (String) c[1], (String) c[2], fields, (byte[]) c[4]);
            }
            assertThat(HexFormat.of().formatHex(digest.finish(clock)))
                    .as("round %d", round)
                    .isEqualTo(HexFormat.of().formatHex(expected(changes, clock)));
        }
    }

    @Test
    void anEmptyStepHashesTheClockOnly() throws Exception {
        assertThat(new StepDigest().finish(Map.of("day", 3L))).isEqualTo(expected(List.of(), Map.of("day", 3L)));
    }
}
