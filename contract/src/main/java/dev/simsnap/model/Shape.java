package dev.simsnap.model;

import java.util.Locale;

/** How a collection's items are addressed and kept. */
public enum Shape {
    /** Entities addressed by the values of the collection's key fields. */
    KEYED,
    /** Exactly one item; its entity id is the empty string. */
    SINGLETON,
    /** A database table as a row log: rows addressed by a {@code long} row id, kept in row id order. */
    ROWS,
    /** Whole populations, one per generation id; re-saving a generation makes a new version of it. */
    GENERATIONS;

    /** The descriptor's spelling ({@code keyed}, {@code singleton}, {@code rows}, {@code generations}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a descriptor's spelling; throws {@link IllegalArgumentException} naming the allowed values. */
    public static Shape parse(String label) {
        for (Shape s : values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown shape '" + label + "': use keyed, singleton, rows or generations");
    }
}
