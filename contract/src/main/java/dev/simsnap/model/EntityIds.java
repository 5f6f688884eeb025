package dev.simsnap.model;

import java.util.Comparator;
import java.util.List;

/** Entity ids of keyed collections: the key field values joined with {@code /}, and the order they sort in. */
public final class EntityIds {

    /**
     * Key order: part by part (split at {@code /}); two parts that are both whole numbers compare as numbers, any
     * other pair as strings, a number before a string; an id that is a prefix of another comes first.
     */
    public static final Comparator<String> KEY_ORDER = EntityIds::compare;

    private EntityIds() {
    }

    /** The entity id of the given key values. */
    public static String join(List<?> keyValues) {
        StringBuilder out = new StringBuilder();
        for (Object v : keyValues) {
            if (!out.isEmpty()) {
                out.append('/');
            }
            out.append(v);
        }
        return out.toString();
    }

    private static int compare(String a, String b) {
        String[] pa = a.split("/", -1);
        String[] pb = b.split("/", -1);
        for (int i = 0; i < Math.min(pa.length, pb.length); i++) {
            int c = comparePart(pa[i], pb[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(pa.length, pb.length);
    }

    private static int comparePart(String a, String b) {
        Long na = number(a);
        Long nb = number(b);
        if (na != null && nb != null) {
            return Long.compare(na, nb);
        }
        if (na != null) {
            return -1;
        }
        if (nb != null) {
            return 1;
        }
        return a.compareTo(b);
    }

    private static Long number(String s) {
        if (s.isEmpty() || s.length() > 20) {
            return null;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
