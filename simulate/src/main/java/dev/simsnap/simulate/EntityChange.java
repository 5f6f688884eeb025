package dev.simsnap.simulate;

import dev.simsnap.producer.Iteration;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.Operation;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/**
 * One delta a sample model emits for an iteration, before a worker gives it a sequence number.
 *
 * @param type        entity type
 * @param entityId    entity id
 * @param op          operation
 * @param patchFields PATCH: the fields to set; empty otherwise
 * @param payload     the payload record (ListAppend for APPEND), null for DELETE
 */
public record EntityChange(EntityType type, String entityId, Operation op, List<String> patchFields,
                           SpecificRecord payload) {

    static EntityChange upsert(EntityType type, String id, SpecificRecord payload) {
        return new EntityChange(type, id, Operation.UPSERT, List.of(), payload);
    }

    static EntityChange patch(EntityType type, String id, SpecificRecord payload, String... fields) {
        return new EntityChange(type, id, Operation.PATCH, List.of(fields), payload);
    }

    static EntityChange append(EntityType type, String id, String field, double... numbers) {
        List<Double> items = new java.util.ArrayList<>();
        for (double n : numbers) {
            items.add(n);
        }
        return new EntityChange(type, id, Operation.APPEND, List.of(), new ListAppend(field, items, List.of()));
    }

    /** Adds this change to {@code iteration}. */
    public void applyTo(Iteration iteration) {
        iteration.add(type, entityId, null, op, patchFields, payload);
    }
}
