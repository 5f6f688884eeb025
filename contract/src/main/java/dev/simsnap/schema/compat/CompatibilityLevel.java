package dev.simsnap.schema.compat;

import java.util.Locale;

/**
 * The Confluent Schema Registry compatibility levels.
 *
 * <p>BACKWARD: a consumer using the new schema can read data written with the previous schema.
 * FORWARD: a consumer using the previous schema can read data written with the new schema.
 * FULL: both. The {@code _TRANSITIVE} variants check against every earlier version instead of only the latest.
 */
public enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    private final boolean backward;
    private final boolean forward;
    private final boolean transitive;

    CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    /** True when the new schema must read data written with earlier schemas. */
    public boolean backward() {
        return backward;
    }

    /** True when earlier schemas must read data written with the new schema. */
    public boolean forward() {
        return forward;
    }

    /** True when every earlier version is checked, false when only the latest is. */
    public boolean transitive() {
        return transitive;
    }

    /**
     * Parses a level name case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted values when {@code name} is not a level
     */
    public static CompatibilityLevel parse(String name) {
        if (name != null) {
            for (CompatibilityLevel level : values()) {
                if (level.name().equals(name.trim().toUpperCase(Locale.ROOT))) {
                    return level;
                }
            }
        }
        throw new IllegalArgumentException("Invalid compatibility level '" + name + "'; expected one of "
                + java.util.Arrays.toString(values()));
    }
}
