package dev.simsnap.registry.server;

import java.util.Locale;

/** Confluent's registry modes. READONLY and READONLY_OVERRIDE refuse writes; IMPORT skips compatibility and honours given ids. */
public enum Mode {
    READWRITE, READONLY, READONLY_OVERRIDE, IMPORT;

    /** True when registering and deleting are refused (42205). */
    boolean readOnly() {
        return this == READONLY || this == READONLY_OVERRIDE;
    }

    /** Parses a mode name case-insensitively; 42204 when it is not one. */
    static Mode parse(String name) {
        if (name != null) {
            for (Mode mode : values()) {
                if (mode.name().equals(name.trim().toUpperCase(Locale.ROOT))) {
                    return mode;
                }
            }
        }
        throw ErrorCode.INVALID_MODE.exception(
                "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT");
    }
}
