package dev.simsnap.engine.entity;

import dev.simsnap.registry.client.SchemaRegistry;
import dev.simsnap.schema.legacy.LegacyKind;
import org.apache.avro.Schema;

/**
 * Finds a writer schema by its registry id. {@link #cached(SchemaRegistry)} adapts the registry client.
 *
 * <p>Negative ids are the local ids of the built-in legacy model's item schemas
 * ({@link dev.simsnap.schema.legacy.LegacyKind}): the items of StateDelta v1 runs are stored with them, and every
 * lookup the engine makes ({@link #cached}, {@link #legacyOnly}) resolves them without a registry.
 */
@FunctionalInterface
public interface SchemaLookup {

    /**
     * The schema with that id, or {@code null} when no schema has it. Transient failures (the registry cannot be
     * reached) are thrown, never reported as {@code null}.
     */
    Schema byId(int id);

    /**
     * Over {@code registry}, caching every schema found (an id never changes its schema); unknown ids are asked
     * again next time (a schema may be registered meanwhile).
     */
    static SchemaLookup cached(SchemaRegistry registry) {
        SchemaLookup registered = new RegistrySchemaLookup(registry);
        return id -> id < 0 ? LegacyKind.schema(id) : registered.byId(id);
    }

    /** The legacy model's local ids only (for an engine without a registry: it keeps v1 runs, nothing else). */
    static SchemaLookup legacyOnly() {
        return LegacyKind::schema;
    }
}
