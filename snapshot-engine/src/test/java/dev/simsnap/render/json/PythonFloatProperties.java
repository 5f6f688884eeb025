package dev.simsnap.render.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/** Properties of {@link PythonFloat} that need no Python. */
class PythonFloatProperties {

    /**
     * Not against Python (which has no float32): the widening of a float is a decimal that reads back as the float
     * and has as few digits as any such decimal.
     */
    @Property(tries = 3000)
    void float32WideningIsTheShortestDecimal(@ForAll("floats") float f) {
        double widened = PythonFloat.widenShortest(f);
        assertThat(Float.floatToIntBits((float) widened)).isEqualTo(Float.floatToIntBits(f));
        if (f == 0 || Float.isNaN(f) || Float.isInfinite(f)) {
            return;
        }
        BigDecimal shortest = new BigDecimal(PythonFloat.repr(Math.abs(widened)).replace("e", "E"));
        int digits = shortest.stripTrailingZeros().precision();
        if (digits > 1) {
            BigDecimal exact = new BigDecimal(Math.abs(f));
            for (RoundingMode mode : List.of(RoundingMode.FLOOR, RoundingMode.CEILING)) {
                BigDecimal shorter = exact.round(new MathContext(digits - 1, mode));
                assertThat(Float.parseFloat(shorter.toString())).as("%s digits of %s", digits - 1, f)
                        .isNotEqualTo(Math.abs(f));
            }
        }
    }

    @Provide
    Arbitrary<Float> floats() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().map(Float::intBitsToFloat)),
                Tuple.of(1, Arbitraries.integers().between(1, 0x007FFFFF).map(Float::intBitsToFloat)),
                Tuple.of(1, Arbitraries.of(0.1f, 1e10f, Float.MIN_VALUE, Float.MAX_VALUE, Float.MIN_NORMAL,
                        16777217f, 3.4e38f, 1e-45f, 0.3f, 7e-45f)));
    }
}
