package dev.simsnap.simulate;

import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/** A minimal in-memory reading of the delta semantics (UPSERT/PATCH/DELETE/APPEND), for tests. */
final class StateApplier {

    final Map<String, SpecificRecord> entities = new TreeMap<>();

    void apply(EntityType type, String id, Operation op, List<String> fields, Object payload) {
        String key = type + "/" + id;
        switch (op) {
            case UPSERT:
                entities.put(key, copy((SpecificRecord) payload));
                break;
            case DELETE:
                entities.remove(key);
                break;
            case PATCH: {
                SpecificRecord target = entities.get(key);
                SpecificRecord source = (SpecificRecord) payload;
                for (String field : fields) {
                    int pos = target.getSchema().getField(field).pos();
                    target.put(pos, SpecificData.get().deepCopy(target.getSchema().getField(field).schema(),
                            source.get(pos)));
                }
                break;
            }
            case APPEND: {
                SpecificRecord target = entities.get(key);
                ListAppend append = (ListAppend) payload;
                int pos = target.getSchema().getField(append.getField()).pos();
                @SuppressWarnings("unchecked")
                List<Double> old = (List<Double>) target.get(pos);
                List<Double> grown = old == null ? new ArrayList<>() : new ArrayList<>(old);
                grown.addAll(append.getNumbers());
                target.put(pos, grown);
                break;
            }
            default:
                throw new AssertionError(op);
        }
    }

    void apply(StateDelta d) {
        apply(d.getEntityType(), d.getEntityId(), d.getOp(), d.getPatchFields(), d.getPayload());
    }

    void apply(EntityChange c) {
        apply(c.type(), c.entityId(), c.op(), c.patchFields(), c.payload());
    }

    /** The model's state in the same keys. */
    static Map<String, SpecificRecord> expected(TradingArenaModel model) {
        Map<String, SpecificRecord> out = new TreeMap<>();
        model.persons().forEach((id, p) -> out.put("PERSON/" + id, p));
        model.stocks().forEach((id, s) -> out.put("STOCK/" + id, s));
        out.put("MARKET/market", model.market());
        out.put("MARKET_INDEX/" + model.indexId(), model.marketIndex());
        out.put("INFORMATION/information", model.information());
        return out;
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> T copy(T record) {
        return (T) SpecificData.get().deepCopy(record.getSchema(), record);
    }
}
