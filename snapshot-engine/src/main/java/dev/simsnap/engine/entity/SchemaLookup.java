package dev.simsnap.engine.entity;

import dev.simsnap.registry.client.SchemaRegistry;
import org.apache.avro.Schema;

/**
 * Finds a writer schema by its registry id. {@link #cached(SchemaRegistry)} adapts the registry client.
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
        return new RegistrySchemaLookup(registry);
    }
}
