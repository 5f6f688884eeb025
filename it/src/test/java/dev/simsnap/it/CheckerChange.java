package dev.simsnap.it;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One change of a checker step, as plain data (maps, lists, longs and strings): what a worker sends and what the
 * reference applies. It names no production class, so the reference shares nothing with the product.
 *
 * @param collection {@code entities} or {@code ledger}
 * @param op         what the change does
 * @param id         the entity id (the item's key field)
 * @param item       UPSERT: the whole item; else null
 * @param set        PATCH: dotted path to value, in order; else null
 * @param path       APPEND: the array's path; else null
 * @param items      APPEND: the values appended; else null
 */
record CheckerChange(String collection, Op op, String id, Map<String, Object> item, Map<String, Object> set,
                     String path, List<String> items) {

    /** The four operations of a state-model step. */
    enum Op { UPSERT, PATCH, APPEND, DELETE }

    static CheckerChange upsert(String collection, String id, Map<String, Object> item) {
        return new CheckerChange(collection, Op.UPSERT, id, item, null, null, null);
    }

    static CheckerChange patch(String collection, String id, Map<String, Object> set) {
        return new CheckerChange(collection, Op.PATCH, id, null, new LinkedHashMap<>(set), null, null);
    }

    static CheckerChange append(String collection, String id, String path, List<String> items) {
        return new CheckerChange(collection, Op.APPEND, id, null, null, path, List.copyOf(items));
    }

    static CheckerChange delete(String collection, String id) {
        return new CheckerChange(collection, Op.DELETE, id, null, null, null, null);
    }

    @Override
    public String toString() {
        String what = switch (op) {
            case UPSERT -> " " + item;
            case PATCH -> " " + set;
            case APPEND -> " " + path + "+=" + items;
            case DELETE -> "";
        };
        return op + " " + collection + "/" + id + what;
    }
}
