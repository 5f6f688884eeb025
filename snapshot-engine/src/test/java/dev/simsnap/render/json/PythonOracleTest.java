package dev.simsnap.render.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fixed cases against real Python (the brief's list of awkward numbers, the information.json and gen_N.json
 * formats) and one large batch of random doubles. One python3 process for the class; skipped without python3
 * unless CI=true.
 */
class PythonOracleTest {

    private static PythonJson python;

    @BeforeAll
    static void start() throws IOException {
        if (!PythonJson.required()) {
            Assumptions.assumeTrue(PythonJson.available(), "python3 not found (with CI=true this fails instead)");
        }
        python = PythonJson.start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (python != null) {
            python.close();
        }
    }

    @Test
    void awkwardNumbers() throws IOException {
        List<Object> values = new ArrayList<>();
        for (double d : PythonOracleProperties.SPECIAL_DOUBLES) {
            values.add(d);
            values.add(-d);
        }
        values.addAll(List.of(0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE,
                9007199254740993L, 123456789012345678L, new BigInteger("-123456789012345678901234567890")));
        PythonOracleProperties.assertSameAsPython(python, values, values);
    }

    @Test
    void informationJsonAndGenerationFormats() throws IOException {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("virtual_date", "2024-01-31");
        info.put("iteration", 42);
        info.put("cash", 10000.0);
        info.put("rate", 0.1 + 0.2);
        info.put("names", List.of("Zoë", "李", "😀", ""));
        info.put("nested", Map.of("empty", List.of(), "obj", Map.of()));
        info.put("none", null);
        // information.json: json.dumps(obj, indent=4), no trailing newline; gen_N.json: json.dump(obj, f, indent=2)
        List<byte[]> python4 = python.dumps(info);
        assertThat(JsonWriter.of(JsonFormat.python(4)).toBytes(info)).isEqualTo(python4.get(4));
        assertThat(JsonWriter.of(JsonFormat.python(2)).toBytes(info)).isEqualTo(python4.get(2));
        assertThat(new String(python4.get(4), StandardCharsets.UTF_8)).doesNotEndWith("\n");
    }

    @Test
    void manyRandomDoublesInOneBatch() throws IOException {
        SplittableRandom random = new SplittableRandom(20240131L);
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            long bits = random.nextLong();
            switch (i % 4) {
                case 0 -> values.add(Double.longBitsToDouble(bits)); // anything, all exponents
                case 1 -> values.add(Double.longBitsToDouble(bits & 0x800FFFFFFFFFFFFFL)); // subnormals
                case 2 -> values.add(random.nextInt(-99999, 99999) * Math.pow(10, random.nextInt(-25, 26)));
                default -> values.add(Double.longBitsToDouble(bits >>> 12 | 0x4330000000000000L) - 4.5035996273704960e15
                        + random.nextInt(-20, 20)); // small integers and halves near the 2^52 step
            }
        }
        for (int e = -330; e <= 310; e++) { // powers of ten and their neighbours: every fixed/scientific boundary
            double p = Double.parseDouble("1e" + e);
            values.add(p);
            values.add(Math.nextUp(p));
            values.add(Math.nextDown(p));
        }
        PythonOracleProperties.assertSameAsPython(python, values, values);
    }
}
