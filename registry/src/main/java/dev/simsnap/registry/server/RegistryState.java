package dev.simsnap.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory view of the store topic: built by replaying it, then updated with every record this
 * registry writes. Not thread-safe on its own; {@link SchemaRegistry} guards it with a lock.
 */
final class RegistryState {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryState.class);

    /** One version of a subject. */
    record Version(String subject, int version, int id, boolean deleted) {
    }

    final Map<Integer, String> schemasById = new HashMap<>();
    final Map<String, Integer> idsByCanonical = new HashMap<>();
    /** Subject to its versions (soft-deleted ones included), ordered by version. */
    final NavigableMap<String, NavigableMap<Integer, Version>> subjects = new TreeMap<>();
    final Map<String, String> subjectConfigs = new HashMap<>();
    final Map<String, String> subjectModes = new HashMap<>();
    String globalConfig;
    String globalMode;
    int maxId;

    /** Applies one record of the store topic; a null value is a tombstone. Unknown key types are skipped. */
    void apply(String key, String value) {
        JsonNode k = StoreRecord.read(key);
        String type = k.path("keytype").asText();
        JsonNode subjectNode = k.get("subject");
        String subject = subjectNode == null || subjectNode.isNull() ? null : subjectNode.asText();
        JsonNode v = value == null ? null : StoreRecord.read(value);
        switch (type) {
            case "SCHEMA" -> {
                if (v != null) { // never tombstoned by this registry; ignore one if someone writes it
                    int id = v.get("id").asInt();
                    String schema = v.get("schema").asText();
                    schemasById.put(id, schema);
                    idsByCanonical.putIfAbsent(schema, id);
                    maxId = Math.max(maxId, id);
                }
            }
            case "VERSION" -> {
                int version = k.get("version").asInt();
                if (v == null) {
                    NavigableMap<Integer, Version> versions = subjects.get(subject);
                    if (versions != null) {
                        versions.remove(version);
                        if (versions.isEmpty()) {
                            subjects.remove(subject);
                        }
                    }
                } else {
                    subjects.computeIfAbsent(subject, s -> new TreeMap<>())
                            .put(version, new Version(subject, version, v.get("id").asInt(),
                                    v.path("deleted").asBoolean(false)));
                }
            }
            case "CONFIG" -> {
                String level = v == null ? null : v.get("compatibilityLevel").asText();
                if (subject == null) {
                    globalConfig = level;
                } else if (level == null) {
                    subjectConfigs.remove(subject);
                } else {
                    subjectConfigs.put(subject, level);
                }
            }
            case "MODE" -> {
                String mode = v == null ? null : v.get("mode").asText();
                if (subject == null) {
                    globalMode = mode;
                } else if (mode == null) {
                    subjectModes.remove(subject);
                } else {
                    subjectModes.put(subject, mode);
                }
            }
            default -> LOG.warn("Skipping store record with unknown key type: {}", key);
        }
    }
}
