package dev.simsnap.snapshot.delta;

import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.Shape;
import dev.simsnap.model.StateModel;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import dev.simsnap.snapshot.deadletter.Rejection;
import java.nio.ByteBuffer;

/**
 * What a state-model change (StateDelta v2) must satisfy to be buffered: its run declares a model, its collection
 * is in it, and its op, entity id, paths and item fit the collection's shape. Whether the item fits the collection's
 * schema is decided when it is applied ({@link dev.simsnap.engine.entity.EntityOps}).
 */
final class ItemChecks {

    /** Most characters of an item's entity id (the worker library refuses longer ones before sending). */
    static final int MAX_ENTITY_ID_CHARS = 4096;

    private ItemChecks() {
    }

    static void check(StateModel model, StateDelta d, boolean applicable) throws Rejection {
        if (model == null) {
            throw invalid("a state-model change (collection + item) in run " + d.getRunId()
                    + ", which was started without a model");
        }
        if (!applicable) {
            throw invalid("this reader cannot apply state-model changes");
        }
        if (d.getPayload() != null) {
            throw invalid("a state-model change carries an item, not a payload");
        }
        String name = d.getCollection();
        if (name == null) {
            throw invalid("collection is missing");
        }
        CollectionSpec c = model.collection(name).orElseThrow(() -> invalid("unknown collection '" + name
                + "': kind " + model.kind() + " declares " + model.collections().stream().map(CollectionSpec::name)
                .toList()));
        String id = d.getEntityId();
        if (id.length() > MAX_ENTITY_ID_CHARS) {
            throw new Rejection(DeadLetterReasons.TOO_LARGE, "entity_id has " + id.length()
                    + " characters; at most " + MAX_ENTITY_ID_CHARS + " (it is part of store and output keys)");
        }
        switch (c.shape()) {
            case GENERATIONS -> throw invalid("collection '" + name
                    + "' holds generations: publish them on simsnap.generations");
            case SINGLETON -> {
                if (!id.isEmpty()) {
                    throw invalid("collection '" + name + "' is a singleton: its entity_id is \"\", not '" + id + "'");
                }
            }
            case ROWS -> {
                try {
                    Long.parseLong(id);
                } catch (NumberFormatException e) {
                    throw invalid("collection '" + name + "' holds rows: entity_id must be a row id, not '" + id + "'");
                }
            }
            case KEYED -> {
                if (id.isEmpty() || id.indexOf('\0') >= 0) {
                    throw invalid("collection '" + name + "': entity_id must be the key values joined with '/'");
                }
            }
        }
        int paths = d.getPatchFields().size();
        boolean hasItem = d.getItem() != null;
        switch (d.getOp()) {
            case UPSERT -> {
                if (!hasItem || paths != 0) {
                    throw invalid("UPSERT carries the whole item and no paths");
                }
            }
            case PATCH -> {
                if (!hasItem || paths == 0) {
                    throw invalid("PATCH names at least one path and carries their values");
                }
            }
            case APPEND -> {
                if (!hasItem || paths != 1) {
                    throw invalid("APPEND names exactly one array path and carries the items to append");
                }
            }
            case DELETE -> {
                if (hasItem || paths != 0) {
                    throw invalid("DELETE carries no item and no paths");
                }
            }
        }
        var part = d.getItemPart();
        if (part != null && (!hasItem || part.getCount() < 2 || part.getIndex() < 0
                || part.getIndex() >= part.getCount())) {
            throw invalid("item_part " + part.getIndex() + " of " + part.getCount() + ": a part carries a slice of"
                    + " the item, its index is 0..count-1 and count at least 2");
        }
        if (hasItem && (part == null || part.getIndex() == 0)) { // later parts are raw slices
            ByteBuffer item = d.getItem().duplicate();
            if (item.remaining() < 5 || item.get(item.position()) != 0) {
                throw invalid("item is not Confluent-framed (0x00, 4-byte schema id, Avro body)");
            }
            if (item.getInt(item.position() + 1) <= 0) {
                // Ids below 1 are no registry's: the engine keeps v1 runs' items under negative local ids.
                throw invalid("item schema id " + item.getInt(item.position() + 1) + " is not a registry id");
            }
        }
    }

    private static Rejection invalid(String detail) {
        return new Rejection(DeadLetterReasons.INVALID_DELTA, detail);
    }
}
