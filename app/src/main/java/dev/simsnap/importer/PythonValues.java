package dev.simsnap.importer;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Equality of Python values as JSON shows them (the Java form {@link PickleReader} and the JSON reader share): dict
 * keys in order, ints equal by value whatever their Java type, an int never equal to a float, a tuple equal to the
 * list of its items.
 */
final class PythonValues {

    private PythonValues() {
    }

    /** True when {@code a} and {@code b} would be written as the same JSON. */
    static boolean same(Object a, Object b) {
        return difference(a, b, "") == null;
    }

    /** Where {@code a} and {@code b} first differ ({@code "key 'cash': 40000 vs 40000.0"}), or null. */
    static String difference(Object a, Object b, String path) {
        a = a instanceof Object[] t ? Arrays.asList(t) : a;
        b = b instanceof Object[] t ? Arrays.asList(t) : b;
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            Iterator<? extends Map.Entry<?, ?>> ia = ma.entrySet().iterator();
            Iterator<? extends Map.Entry<?, ?>> ib = mb.entrySet().iterator();
            while (ia.hasNext() && ib.hasNext()) {
                Map.Entry<?, ?> ea = ia.next();
                Map.Entry<?, ?> eb = ib.next();
                if (!Objects.equals(ea.getKey(), eb.getKey())) {
                    return at(path) + "keys in another order or other keys ('" + ea.getKey() + "' vs '"
                            + eb.getKey() + "')";
                }
                String d = difference(ea.getValue(), eb.getValue(), path + "." + ea.getKey());
                if (d != null) {
                    return d;
                }
            }
            return ia.hasNext() || ib.hasNext() ? at(path) + ma.size() + " keys vs " + mb.size() : null;
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if (la.size() != lb.size()) {
                return at(path) + la.size() + " items vs " + lb.size();
            }
            for (int i = 0; i < la.size(); i++) {
                String d = difference(la.get(i), lb.get(i), path + "[" + i + "]");
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        BigInteger ia = integer(a);
        BigInteger ib = integer(b);
        if (ia != null || ib != null) {
            return ia != null && ia.equals(ib) ? null : at(path) + a + " vs " + b;
        }
        if (a instanceof byte[] ba && b instanceof byte[] bb) {
            return Arrays.equals(ba, bb) ? null : at(path) + "other bytes";
        }
        return Objects.equals(a, b) ? null : at(path) + a + " vs " + b;
    }

    private static BigInteger integer(Object v) {
        if (v instanceof BigInteger b) {
            return b;
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return BigInteger.valueOf(((Number) v).longValue());
        }
        return null;
    }

    private static String at(String path) {
        return path.isEmpty() ? "" : "key '" + path.substring(1) + "': ";
    }
}
