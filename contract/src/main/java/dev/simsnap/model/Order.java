package dev.simsnap.model;

import java.util.Locale;

/** The order in which a collection's items are rendered and loaded. */
public enum Order {
    /** By entity id; numeric ids compare as numbers. */
    KEY,
    /** In the order items were first inserted (the seed's list order, e.g. the broker appended last). */
    INSERTION,
    /**
     * By entity id as text ({@link String#compareTo}: UTF-16 code units, so {@code "10"} before {@code "9"}), the
     * order legacy (v1) runs kept documents in.
     */
    TEXT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Order parse(String label) {
        for (Order o : values()) {
            if (o.label().equals(label)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown order '" + label + "': use key, insertion or text");
    }
}
