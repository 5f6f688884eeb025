package dev.simsnap.model;

import java.util.Locale;

/** What a layout entry writes. */
public enum Render {
    /** One JSON file from one collection (a singleton's item; a keyed or rows collection as an array or object). */
    JSON,
    /** One JSON file per item of a keyed collection; the path uses placeholders. */
    JSON_EACH,
    /** One SQLite database holding the named row collections as tables. */
    SQLITE,
    /** One JSON file per visible generation of a generations collection. */
    GENERATIONS;

    /** The descriptor's spelling: {@code json}, {@code json-each}, {@code sqlite}, {@code generations}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Render parse(String label) {
        for (Render r : values()) {
            if (r.label().equals(label)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown render '" + label + "': use json, json-each, sqlite or generations");
    }
}
