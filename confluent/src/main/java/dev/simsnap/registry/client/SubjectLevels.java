package dev.simsnap.registry.client;

import java.util.Locale;

/**
 * Makes a subject's compatibility level the one simsnap relies on, on any registry: reads the subject's effective
 * level, sets it when it differs (a registry whose global default is NONE would otherwise accept any schema), and
 * reads it back. A registry that refuses the setting, or keeps another level, is an error naming the subject and
 * what to set there — simsnap does not write under a level it cannot see enforced.
 */
public final class SubjectLevels {

    private SubjectLevels() {
    }

    /**
     * Ensures {@code subject} has compatibility {@code level} (e.g. {@code BACKWARD_TRANSITIVE}).
     *
     * @throws IllegalStateException when the registry refuses to set it or reports another level afterwards
     */
    public static void ensure(SchemaRegistry registry, String subject, String level) {
        String wanted = level.toUpperCase(Locale.ROOT);
        if (wanted.equals(current(registry, subject))) {
            return;
        }
        try {
            registry.setCompatibility(subject, wanted);
        } catch (RegistryException e) {
            throw new IllegalStateException("subject " + subject + " must have compatibility " + wanted
                    + " and the schema registry refused to set it (" + e.getMessage() + "); set it there (PUT /config/"
                    + subject + " {\"compatibility\": \"" + wanted + "\"}) and start again", e);
        }
        String after = current(registry, subject);
        if (!wanted.equals(after)) {
            throw new IllegalStateException("subject " + subject + " must have compatibility " + wanted
                    + " but the schema registry reports " + after + " after setting it; set it there (PUT /config/"
                    + subject + ") and start again");
        }
    }

    /** The subject's effective level (its own, else the global one), upper case; null when the registry has none. */
    private static String current(SchemaRegistry registry, String subject) {
        try {
            String level = registry.getCompatibility(subject);
            return level == null ? null : level.toUpperCase(Locale.ROOT);
        } catch (RegistryException.NotFound e) {
            return null; // no subject level and no fallback to the global one on this registry
        }
    }
}
