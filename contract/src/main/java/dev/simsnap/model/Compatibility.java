package dev.simsnap.model;

import java.util.List;

/** The schema registry compatibility levels a state model may ask for (Confluent's names). */
public final class Compatibility {

    /** The level a kind's subjects get unless the descriptor says otherwise. */
    public static final String DEFAULT = "BACKWARD_TRANSITIVE";

    private static final List<String> LEVELS = List.of("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD",
            "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE");

    private Compatibility() {
    }

    /** Returns {@code level} when it is one of Confluent's levels; throws naming the allowed ones otherwise. */
    public static String check(String level) {
        if (!LEVELS.contains(level)) {
            throw new IllegalArgumentException("unknown compatibility level '" + level + "': use one of " + LEVELS);
        }
        return level;
    }
}
