package dev.simsnap.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * The records of the store topic: a JSON key and a JSON value (UTF-8 strings); a null value is a tombstone.
 *
 * <pre>
 * key {"keytype":"SCHEMA","id":7}                         value {"id":7,"schemaType":"AVRO","schema":"..."}    never deleted
 * key {"keytype":"VERSION","subject":"s","version":2}     value {"subject":"s","version":2,"id":7,"deleted":false}
 *                                                         soft delete rewrites deleted=true; permanent delete = tombstone
 * key {"keytype":"CONFIG","subject":"s"|null}             value {"compatibilityLevel":"FULL"}   tombstone = unset
 * key {"keytype":"MODE","subject":"s"|null}               value {"mode":"READONLY"}             tombstone = unset
 * </pre>
 *
 * Keys are written with a fixed field order so that compaction sees one key per entity. A null subject is
 * the global setting. SCHEMA records are never tombstoned, so the highest id survives compaction and ids are
 * never reused.
 */
record StoreRecord(String key, String value) {

    static final ObjectMapper JSON = new ObjectMapper();

    static StoreRecord schema(int id, String canonical) {
        ObjectNode key = JSON.createObjectNode().put("keytype", "SCHEMA").put("id", id);
        ObjectNode value = JSON.createObjectNode().put("id", id).put("schemaType", "AVRO").put("schema", canonical);
        return new StoreRecord(write(key), write(value));
    }

    static StoreRecord version(String subject, int version, int id, boolean deleted) {
        ObjectNode value = JSON.createObjectNode().put("subject", subject).put("version", version).put("id", id)
                .put("deleted", deleted);
        return new StoreRecord(versionKey(subject, version), write(value));
    }

    static StoreRecord versionTombstone(String subject, int version) {
        return new StoreRecord(versionKey(subject, version), null);
    }

    static StoreRecord config(String subject, String levelOrNull) {
        return new StoreRecord(settingKey("CONFIG", subject),
                levelOrNull == null ? null : write(JSON.createObjectNode().put("compatibilityLevel", levelOrNull)));
    }

    static StoreRecord mode(String subject, String modeOrNull) {
        return new StoreRecord(settingKey("MODE", subject),
                modeOrNull == null ? null : write(JSON.createObjectNode().put("mode", modeOrNull)));
    }

    private static String versionKey(String subject, int version) {
        return write(JSON.createObjectNode().put("keytype", "VERSION").put("subject", subject).put("version", version));
    }

    private static String settingKey(String type, String subject) {
        ObjectNode key = JSON.createObjectNode().put("keytype", type);
        if (subject == null) {
            key.putNull("subject");
        } else {
            key.put("subject", subject);
        }
        return write(key);
    }

    static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
