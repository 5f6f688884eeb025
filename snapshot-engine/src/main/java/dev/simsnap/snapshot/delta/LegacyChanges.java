package dev.simsnap.snapshot.delta;

import dev.simsnap.engine.entity.Change;
import dev.simsnap.engine.entity.EntityOps;
import dev.simsnap.engine.entity.StoredEntity;
import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.render.json.JsonFormat;
import dev.simsnap.render.json.JsonWriter;
import dev.simsnap.render.layout.JsonValues;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.legacy.LegacyDeltas;
import dev.simsnap.schema.legacy.LegacyKind;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import dev.simsnap.snapshot.deadletter.Rejection;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * StateDelta v1 records (runs started without a state model) as changes of the built-in legacy model's items
 * ({@link LegacyKind}), applied through {@link EntityOps} like any state-model change, with v1's rules:
 *
 * <ul>
 *   <li>UPSERT: the item becomes the payload (an {@code UPSERT} change).</li>
 *   <li>PATCH of a typed entity: each named field takes the payload's value, a null one clears it (a {@code PATCH}
 *       change of those fields); of a document: each named key present in the payload takes its value (a JSON null
 *       is a value), each named key missing from it is removed (an {@code UPSERT} of the result).</li>
 *   <li>APPEND: the items are added to the end of the list (created when absent): a typed entity's numbers by an
 *       {@code APPEND} change; a document's JSON items by an {@code UPSERT} of the result, refused with
 *       {@link LegacyDeltas.NotAList} when the key holds something else than a list or null.</li>
 *   <li>PATCH and APPEND of an absent entity start from an empty one (a person or stock holding only its id), so the
 *       result never depends on whether an earlier UPSERT was seen.</li>
 *   <li>DELETE: the item is gone; deleting an absent entity changes nothing (and is not refused: v1 history holds
 *       such deletes).</li>
 * </ul>
 */
public final class LegacyChanges {

    private static final JsonWriter COMPACT = JsonWriter.of(JsonFormat.canonicalCompact().omitNullFields(true));

    private LegacyChanges() {
    }

    /** The v1 contract of one delta on its own, checked when it arrives ({@link LegacyDeltas.Rules#HISTORY}). */
    static void check(StateDelta d) throws Rejection {
        try {
            LegacyDeltas.check(d, LegacyDeltas.Rules.HISTORY);
        } catch (IllegalArgumentException e) {
            throw new Rejection(DeadLetterReasons.INVALID_DELTA, e.getMessage(), e);
        }
    }

    /**
     * The item after {@code d} (checked by {@link #check}); null when there is none after it.
     *
     * @param current the stored item, or null when absent
     */
    static StoredEntity apply(ItemStore items, StoredEntity current, StateDelta d) throws LegacyDeltas.NotAList {
        CollectionSpec c = LegacyKind.collection(d.getEntityType());
        Schema schema = LegacyKind.itemSchema(c);
        int id = LegacyKind.schemaId(c);
        EntityOps ops = items.ops();
        switch (d.getOp()) {
            case DELETE:
                return null;
            case UPSERT:
                return upsert(ops, id, schema, LegacyDeltas.item(d));
            case PATCH:
            case APPEND:
                break;
            default:
                throw new IllegalArgumentException("unknown op " + d.getOp());
        }
        StoredEntity base = current != null ? current : upsert(ops, id, schema, LegacyDeltas.empty(d));
        if (c.name().equals(LegacyKind.DOCUMENT)) {
            GenericRecord document = (GenericRecord) items.decode(base);
            return upsert(ops, id, schema, switch (d.getOp()) {
                case PATCH -> LegacyDeltas.patchedDocument(document, d);
                default -> LegacyDeltas.appendedDocument(document, d);
            });
        }
        if (d.getOp() == dev.simsnap.schema.delta.Operation.PATCH) {
            List<String> fields = List.copyOf(d.getPatchFields());
            return ops.apply(base, Change.patch(id, fields,
                    ItemCodec.encodePatch(schema, fields, LegacyDeltas.patchValues(d))));
        }
        String field = ((ListAppend) d.getPayload()).getField();
        return ops.apply(base, Change.append(id, field,
                ItemCodec.encodeAppend(schema, field, LegacyDeltas.appendedNumbers(d))));
    }

    private static StoredEntity upsert(EntityOps ops, int id, Schema schema, GenericRecord item) {
        return ops.apply(null, Change.upsert(id, ItemCodec.encodeUpsert(schema, item)));
    }

    /**
     * A legacy item as the v1 entity's compact JSON (what current-state records and observers carry): simsnap's
     * canonical form, null fields left out.
     */
    public static String json(ItemStore items, String collection, StoredEntity item) {
        return new String(COMPACT.toBytes(view(items, collection, item)), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A legacy item as the v1 entity's JSON value ({@link LegacyKind#view}, JSON value records unwrapped). */
    public static Object view(ItemStore items, String collection, StoredEntity item) {
        CollectionSpec c = LegacyKind.model().collection(collection).orElseThrow();
        return JsonValues.unwrap(LegacyKind.view(c, (GenericRecord) items.decode(item)));
    }
}
