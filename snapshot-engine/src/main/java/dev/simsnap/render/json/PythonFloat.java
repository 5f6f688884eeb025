package dev.simsnap.render.json;

import com.fasterxml.jackson.core.io.NumberOutput;
import java.math.BigDecimal;
import java.util.function.Predicate;

/**
 * Python's {@code repr(float)} in Java, and the widening of 32-bit floats that {@link JsonFormat.Float32} names.
 *
 * <p>Python (like David Gay's {@code dtoa} mode 0) writes the shortest decimal that reads back as the same double,
 * the one closest to the double when several are that short. Digits come from Jackson's Schubfach implementation
 * ({@link NumberOutput#toString(double, boolean)}), not from the JDK 17 {@code Double.toString} (which is not always
 * shortest). Schubfach as specified for Java never gives fewer than two digits: where a one-digit decimal would do
 * (only among subnormals, e.g. {@code Double.MIN_VALUE}: Java {@code 4.9E-324}, Python {@code 5e-324}) the one-digit
 * neighbours are tried here and the closest that round-trips is taken.
 *
 * <p>Layout as CPython's {@code float_repr_style == 'short'}: with the value written {@code 0.DIGITS × 10^decpt}, fixed
 * notation when {@code -4 < decpt <= 16} (i.e. {@code 1e-4 <= |x| < 1e16}), always with a fractional part
 * ({@code 10000.0}); otherwise scientific with the exponent signed and at least two digits ({@code 1e-05},
 * {@code 1.5e+16}, {@code 5e-324}).
 */
public final class PythonFloat {

    private PythonFloat() {
    }

    /** Python's {@code repr(value)}: {@code 0.1}, {@code -0.0}, {@code 1e+16}, {@code nan}, {@code inf}, {@code -inf}. */
    public static String repr(double value) {
        if (Double.isNaN(value)) {
            return "nan";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        StringBuilder out = new StringBuilder(24);
        appendRepr(value, out);
        return out.toString();
    }

    /** Appends Python's {@code repr} of a finite {@code value}. */
    static void appendRepr(double value, StringBuilder out) {
        if (Double.doubleToRawLongBits(value) < 0) {
            out.append('-');
        }
        double abs = Math.abs(value);
        if (abs == 0) {
            out.append("0.0");
            return;
        }
        Decimal d = shortestDouble(abs);
        layout(d.digits, d.decpt, out);
    }

    /**
     * The double written for an Avro {@code float}: its shortest decimal (fewest digits that read back as the same
     * float, closest when several) read as a double, so {@code 0.1f} gives {@code 0.1}. NaN and infinities stay.
     */
    public static double widenShortest(float value) {
        if (Float.isNaN(value) || Float.isInfinite(value) || value == 0) {
            return value;
        }
        float abs = Math.abs(value);
        Decimal d = shortestFloat(abs);
        double widened = Double.parseDouble(d.digits + "E" + (d.decpt - d.digits.length()));
        return value < 0 ? -widened : widened;
    }

    /** Digits without leading or trailing zeros, and decpt: the value is {@code 0.DIGITS × 10^decpt}. */
    private record Decimal(String digits, int decpt) {
    }

    private static Decimal shortestDouble(double abs) {
        Decimal d = parse(NumberOutput.toString(abs, true));
        if (d.digits.length() == 2) {
            d = oneDigit(d, candidate -> Double.parseDouble(candidate) == abs, new BigDecimal(abs));
        }
        return d;
    }

    private static Decimal shortestFloat(float abs) {
        Decimal d = parse(NumberOutput.toString(abs, true));
        if (d.digits.length() == 2) {
            d = oneDigit(d, candidate -> Float.parseFloat(candidate) == abs, new BigDecimal(abs));
        }
        return d;
    }

    /**
     * Schubfach's two-digit result {@code d}, or a one-digit decimal next to it when one reads back as the same
     * value (the closer of the two when both do, the even one on a tie).
     */
    private static Decimal oneDigit(Decimal d, Predicate<String> roundTrips, BigDecimal exact) {
        int two = (d.digits.charAt(0) - '0') * 10 + (d.digits.charAt(1) - '0');
        int lo = two / 10;
        int hi = lo + 1;
        int exponent = d.decpt - 1; // a one-digit candidate c stands for c × 10^exponent
        boolean loOk = roundTrips.test(lo + "E" + exponent);
        boolean hiOk = roundTrips.test(hi + "E" + exponent);
        int chosen;
        if (loOk && hiOk) {
            BigDecimal loDistance = exact.subtract(BigDecimal.valueOf(lo, -exponent)).abs();
            BigDecimal hiDistance = exact.subtract(BigDecimal.valueOf(hi, -exponent)).abs();
            int cmp = loDistance.compareTo(hiDistance);
            chosen = cmp < 0 ? lo : cmp > 0 ? hi : (lo % 2 == 0 ? lo : hi);
        } else if (loOk) {
            chosen = lo;
        } else if (hiOk) {
            chosen = hi;
        } else {
            return d;
        }
        return chosen == 10 ? new Decimal("1", d.decpt + 1) : new Decimal(Integer.toString(chosen), d.decpt);
    }

    /** Reads Java's text of a positive finite number ({@code 123.45}, {@code 1.0E-7}, {@code 4.9E-324}). */
    private static Decimal parse(String text) {
        int e = text.indexOf('E');
        int exp = e < 0 ? 0 : Integer.parseInt(text, e + 1, text.length(), 10);
        String mantissa = e < 0 ? text : text.substring(0, e);
        int dot = mantissa.indexOf('.');
        String intPart = dot < 0 ? mantissa : mantissa.substring(0, dot);
        String all = dot < 0 ? mantissa : intPart + mantissa.substring(dot + 1);
        int lead = 0;
        while (lead < all.length() - 1 && all.charAt(lead) == '0') {
            lead++;
        }
        int end = all.length();
        while (end > lead + 1 && all.charAt(end - 1) == '0') {
            end--;
        }
        return new Decimal(all.substring(lead, end), intPart.length() + exp - lead);
    }

    /** CPython's {@code format_float_short} for {@code repr}: see the class comment. */
    private static void layout(String digits, int decpt, StringBuilder out) {
        int n = digits.length();
        if (decpt > -4 && decpt <= 16) {
            if (decpt <= 0) {
                out.append("0.");
                for (int i = decpt; i < 0; i++) {
                    out.append('0');
                }
                out.append(digits);
            } else if (decpt >= n) {
                out.append(digits);
                for (int i = n; i < decpt; i++) {
                    out.append('0');
                }
                out.append(".0");
            } else {
                out.append(digits, 0, decpt).append('.').append(digits, decpt, n);
            }
        } else {
            out.append(digits.charAt(0));
            if (n > 1) {
                out.append('.').append(digits, 1, n);
            }
            int exp = decpt - 1;
            out.append(exp < 0 ? "e-" : "e+");
            int abs = Math.abs(exp);
            if (abs < 10) {
                out.append('0');
            }
            out.append(abs);
        }
    }
}
