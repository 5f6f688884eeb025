package dev.simsnap.snapshot.delta;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.snapshot.json.CanonicalJson;
import org.apache.avro.Schema;

/**
 * One entity's value while deltas are applied: immutable, and rendered to its compact canonical JSON (the text the
 * entity store and {@code simsnap.current-state} hold) at most once.
 *
 * <p>Typed entities ({@link TypedEntity}) keep each field as its own compact JSON text, so a PATCH re-renders only
 * the fields it names and an APPEND extends a list's text without re-rendering its earlier numbers. Documents keep
 * a JSON tree ({@link DocumentEntity}).
 */
public sealed interface EntityState permits TypedEntity, DocumentEntity {

    /** The compact canonical JSON of the entity (see {@link CanonicalJson#compact}). */
    String json();

    /** The entity stored as {@code json} (compact canonical JSON written by {@link #json()}). */
    static EntityState parse(EntityType type, String json) {
        ObjectNode node = CanonicalJson.parseObject(json);
        Schema schema = EntitySchemas.schemaOf(type).orElse(null);
        return schema == null ? new DocumentEntity(node) : TypedEntity.of(schema, node);
    }
}
