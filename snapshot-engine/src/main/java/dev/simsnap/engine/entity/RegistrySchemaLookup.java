package dev.simsnap.engine.entity;

import dev.simsnap.registry.client.RegistryException;
import dev.simsnap.registry.client.SchemaRegistry;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;

/**
 * {@link SchemaLookup} over the registry client, with an unbounded cache of found schemas (a run uses a handful of
 * item schema versions). {@link RegistryException.NotFound} means "no such id" ({@code null}); other registry errors
 * propagate. Thread-safe; a miss may ask the registry more than once when threads race, which is harmless.
 */
public final class RegistrySchemaLookup implements SchemaLookup {

    private final SchemaRegistry registry;
    private final ConcurrentMap<Integer, Schema> cache = new ConcurrentHashMap<>();

    public RegistrySchemaLookup(SchemaRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public Schema byId(int id) {
        Schema cached = cache.get(id);
        if (cached != null) {
            return cached;
        }
        Schema schema;
        try {
            schema = registry.getById(id);
        } catch (RegistryException.NotFound e) {
            return null;
        }
        if (schema != null) {
            cache.putIfAbsent(id, schema);
        }
        return schema;
    }
}
