package dev.simsnap.model;

import java.util.Locale;

/** The order in which a collection's items are rendered and loaded. */
public enum Order {
    /** By entity id; numeric ids compare as numbers. */
    KEY,
    /** In the order items were first inserted (the seed's list order, e.g. the broker appended last). */
    INSERTION;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Order parse(String label) {
        for (Order o : values()) {
            if (o.label().equals(label)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown order '" + label + "': use key or insertion");
    }
}
