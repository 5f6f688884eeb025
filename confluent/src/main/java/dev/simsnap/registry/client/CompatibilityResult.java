package dev.simsnap.registry.client;

import java.util.List;

/**
 * The answer of {@code POST /compatibility/subjects/{s}/versions/{v}?verbose=true}.
 *
 * @param compatible {@code is_compatible}
 * @param messages   the reasons when incompatible (empty when compatible or the registry gave none)
 */
public record CompatibilityResult(boolean compatible, List<String> messages) {
    public CompatibilityResult {
        messages = messages == null ? List.of() : List.copyOf(messages);
    }
}
