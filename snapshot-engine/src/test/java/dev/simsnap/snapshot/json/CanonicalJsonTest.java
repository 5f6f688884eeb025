package dev.simsnap.snapshot.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CanonicalJsonTest {

    @Test
    void integralDoublesAreIntegers() {
        assertThat(CanonicalJson.number(10000.0)).isEqualTo("10000");
        assertThat(CanonicalJson.number(-3.0)).isEqualTo("-3");
        assertThat(CanonicalJson.number(-0.0)).isEqualTo("0");
        assertThat(CanonicalJson.number(9007199254740991.0)).isEqualTo("9007199254740991");
        assertThat(CanonicalJson.number(9007199254740992.0)).isEqualTo("9.007199254740992E15");
    }

    @Test
    void otherDoublesAreShortestRoundTrip() {
        // JDK 17's Double.toString gives "0.0020" and "2.0000000000000002E23"-style non-shortest forms for some
        // values; Schubfach gives the shortest, on every JDK.
        assertThat(CanonicalJson.number(2.0E-3)).isEqualTo("0.002");
        assertThat(CanonicalJson.number(0.1 + 0.2)).isEqualTo("0.30000000000000004");
        assertThat(CanonicalJson.number(1.0E23)).isEqualTo("1.0E23");
        assertThat(CanonicalJson.number(2.0E23)).isEqualTo("2.0E23");
        assertThat(CanonicalJson.number(4.9E-324)).isEqualTo("4.9E-324");
        assertThat(CanonicalJson.number(123.456)).isEqualTo("123.456");
        for (double d : new double[] {0.1, 1.0 / 3, Math.PI, 1.0E-7, 5.5E300, 2.0E-3}) {
            assertThat(Double.parseDouble(CanonicalJson.number(d))).isEqualTo(d);
        }
    }

    @Test
    void nonFiniteRejected() {
        assertThatThrownBy(() -> CanonicalJson.number(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CanonicalJson.number(Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void prettyLayout() {
        String text = "{\"b\":[1,{\"x\":\"\\u0001\\\"é\"}],\"a\":{},\"c\":[],\"d\":null,\"e\":true}";
        assertThat(CanonicalJson.pretty(CanonicalJson.parse(text))).isEqualTo("""
                {
                  "b": [
                    1,
                    {
                      "x": "\\u0001\\"é"
                    }
                  ],
                  "a": {},
                  "c": [],
                  "d": null,
                  "e": true
                }
                """);
        assertThat(CanonicalJson.compact(CanonicalJson.parse(text))).isEqualTo(text.replace("\\u0001", "\\u0001"));
    }
}
