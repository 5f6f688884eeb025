package dev.simsnap.snapshot.delta;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.delta.Stock;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import dev.simsnap.snapshot.deadletter.Rejection;
import dev.simsnap.snapshot.json.CanonicalJson;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * The contract of one StateDelta on its own (run-independent), checked when the record arrives so a bad delta is
 * dead-lettered with its original bytes instead of failing later when its iteration is applied.
 *
 * <ul>
 *   <li>iteration &ge; 0, sequence &ge; 0, worker id follows {@link RunIds}.</li>
 *   <li>Ids: PERSON/STOCK entity ids are canonical decimal ints; INFORMATION is {@code information}, MARKET is
 *       {@code market}; MARKET_INDEX ids follow {@link RunIds} (they become file names); DOCUMENT needs a
 *       collection following {@link RunIds} and a non-empty id; typed entities have no collection.</li>
 *   <li>UPSERT/PATCH carry the type's payload record (Document for DOCUMENT); a Person/Stock payload's id field
 *       equals the entity id. DELETE carries no payload. APPEND carries ListAppend: typed entities name a
 *       number-list field and use {@code numbers}; documents name any top-level key and use {@code json_items}
 *       (each valid JSON).</li>
 *   <li>PATCH names at least one field, each a field of the type's record (documents: any key, no duplicates).</li>
 *   <li>No NaN or infinite number anywhere (JSON cannot hold them); Document.json is a JSON object.</li>
 * </ul>
 */
public final class DeltaCheck {

    private DeltaCheck() {
    }

    /** Throws a {@link Rejection} with reason {@link DeadLetterReasons#INVALID_DELTA} when the delta breaks the contract. */
    public static void check(StateDelta d) throws Rejection {
        if (!RunIds.isValid(d.getWorkerId())) {
            throw invalid("invalid worker_id");
        }
        if (d.getIteration() < 0 || d.getSequence() < 0) {
            throw invalid("iteration and sequence must be >= 0");
        }
        EntityType type = d.getEntityType();
        checkIds(d, type);
        Object payload = d.getPayload();
        Operation op = d.getOp();
        try {
            switch (op) {
                case DELETE -> {
                    if (payload != null) {
                        throw invalid("DELETE carries a payload");
                    }
                }
                case UPSERT -> checkRecordPayload(d, type, payload);
                case PATCH -> {
                    checkRecordPayload(d, type, payload);
                    checkPatchFields(d, type);
                }
                case APPEND -> checkAppend(d, type, payload);
                default -> throw invalid("unknown op " + op);
            }
        } catch (IllegalArgumentException e) {
            throw new Rejection(DeadLetterReasons.INVALID_DELTA, e.getMessage(), e);
        }
    }

    private static void checkIds(StateDelta d, EntityType type) throws Rejection {
        String id = d.getEntityId();
        if (type == EntityType.DOCUMENT) {
            if (!RunIds.isValid(d.getCollection())) {
                throw invalid("DOCUMENT needs a collection of [A-Za-z0-9._-] (1-128, not starting with '.')");
            }
            if (id.isEmpty()) {
                throw invalid("empty entity_id");
            }
            return;
        }
        if (d.getCollection() != null) {
            throw invalid("collection is for DOCUMENT entities only");
        }
        Optional<String> singleton = EntitySchemas.singletonId(type);
        if (singleton.isPresent() && !singleton.get().equals(id)) {
            throw invalid(type + " entity_id must be '" + singleton.get() + "'");
        }
        if (EntitySchemas.idField(type).isPresent()) {
            if (!PayloadJson.isCanonicalInteger(id) || id.length() > 11) {
                throw invalid(type + " entity_id must be a decimal int");
            }
            try {
                Integer.parseInt(id);
            } catch (NumberFormatException e) {
                throw invalid(type + " entity_id must be a decimal int");
            }
        }
        if (type == EntityType.MARKET_INDEX && !RunIds.isValid(id)) {
            throw invalid("MARKET_INDEX entity_id must follow the run id rule");
        }
    }

    private static void checkRecordPayload(StateDelta d, EntityType type, Object payload) throws Rejection {
        if (payload == null) {
            throw invalid(d.getOp() + " needs a payload");
        }
        if (type == EntityType.DOCUMENT) {
            if (!(payload instanceof Document doc)) {
                throw invalid("DOCUMENT payload must be Document");
            }
            JsonNode json = CanonicalJson.parseObject(doc.getJson());
            CanonicalJson.requireFinite(json);
            return;
        }
        Schema expected = EntitySchemas.schemaOf(type).orElseThrow();
        if (!(payload instanceof org.apache.avro.specific.SpecificRecord rec)
                || !rec.getSchema().getFullName().equals(expected.getFullName())) {
            throw invalid(type + " payload must be " + expected.getName());
        }
        PayloadJson.requireFinite(rec); // rejects NaN/Infinity
        if (payload instanceof Person p && p.getPersonId() != Integer.parseInt(d.getEntityId())) {
            throw invalid("person_id " + p.getPersonId() + " != entity_id " + d.getEntityId());
        }
        if (payload instanceof Stock s && s.getStockId() != Integer.parseInt(d.getEntityId())) {
            throw invalid("stock_id " + s.getStockId() + " != entity_id " + d.getEntityId());
        }
    }

    private static void checkPatchFields(StateDelta d, EntityType type) throws Rejection {
        List<String> fields = d.getPatchFields();
        if (fields.isEmpty()) {
            throw invalid("PATCH without patch_fields");
        }
        if (new HashSet<>(fields).size() != fields.size()) {
            throw invalid("duplicate patch_fields");
        }
        Optional<Schema> schema = EntitySchemas.schemaOf(type);
        if (schema.isPresent()) {
            for (String f : fields) {
                if (schema.get().getField(f) == null) {
                    throw invalid("PATCH field '" + f + "' is not a field of " + schema.get().getName());
                }
            }
        }
    }

    private static void checkAppend(StateDelta d, EntityType type, Object payload) throws Rejection {
        if (!(payload instanceof ListAppend append)) {
            throw invalid("APPEND payload must be ListAppend");
        }
        Optional<Schema> schema = EntitySchemas.schemaOf(type);
        if (schema.isPresent()) {
            if (!EntitySchemas.isNumberList(schema.get(), append.getField())) {
                throw invalid("'" + append.getField() + "' is not a number list of " + schema.get().getName());
            }
            if (!append.getJsonItems().isEmpty()) {
                throw invalid("typed APPEND uses numbers, not json_items");
            }
            append.getNumbers().forEach(CanonicalJson::requireFinite);
        } else {
            if (append.getField().isEmpty()) {
                throw invalid("APPEND field is empty");
            }
            if (!append.getNumbers().isEmpty()) {
                throw invalid("DOCUMENT APPEND uses json_items, not numbers");
            }
            append.getJsonItems().forEach(item -> CanonicalJson.requireFinite(CanonicalJson.parse(item)));
        }
    }

    private static Rejection invalid(String detail) {
        return new Rejection(DeadLetterReasons.INVALID_DELTA, detail);
    }
}
