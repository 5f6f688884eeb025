package dev.simsnap.producer;

import java.util.List;

/**
 * A schema version the registry refused for a collection's subject under its compatibility level. Nothing was
 * registered and nothing was written to Kafka. The message names the subject, the incompatible field(s), the
 * subject's latest version and the version the schema would have become, followed by the registry's own message.
 */
public final class SchemaEvolutionException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String subject;
    private final List<String> fields;
    private final int latestVersion;

    public SchemaEvolutionException(String subject, List<String> fields, int latestVersion, String registryMessage) {
        super("schema change refused for subject " + subject + ": " + (fields.isEmpty() ? "incompatible"
                : "field(s) " + fields + " incompatible") + " between version " + latestVersion + " (latest) and the"
                + " new version " + (latestVersion + 1) + " under the subject's compatibility level; registry: "
                + registryMessage);
        this.subject = subject;
        this.fields = List.copyOf(fields);
        this.latestVersion = latestVersion;
    }

    /** The registry subject ({@code simsnap.kind.<kind>.<collection>}). */
    public String subject() {
        return subject;
    }

    /** The fields the registry's compatibility check named (may be empty when it named none). */
    public List<String> fields() {
        return fields;
    }

    /** The subject's latest version when the change was refused (0 when it had none). */
    public int latestVersion() {
        return latestVersion;
    }
}
