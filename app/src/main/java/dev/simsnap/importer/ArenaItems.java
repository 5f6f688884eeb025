package dev.simsnap.importer;

import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.Shape;
import dev.simsnap.model.StateModel;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Maps a {@link SaveFolder} onto the built-in {@code trading-arena} kind's collections, as {@code seed-reality}
 * describes the seed's objects:
 *
 * <ul>
 *   <li>{@code information} ← {@code information.json}; it is also the step's clock ({@code virtual_date},
 *       {@code iteration}). A folder without it keeps the previous folder's clock (0, 0 for the first);
 *   <li>{@code persons} ← {@code classes/PERSON_<i>.pkl} in i order (the seed's broker, {@code PERSON_<n>}, last),
 *       each object's {@code __dict__} minus the references {@code db}, {@code stocks}, {@code broker},
 *       {@code persons}, plus {@code __class__} and {@code __attrs__} when the schema has them, into the union
 *       branch named like the object's class (else the one that fits). {@code persona.json}, an input the snapshot
 *       renders from each person's {@code identity}, must agree with those identities (an entry for a person id
 *       without an object, or with another value, is refused: it would be lost). A folder without pickled objects
 *       ({@code save/init}) has its {@code persona.json} entries as {@code PersonaInput} items instead;
 *   <li>{@code stocks} ← {@code classes/STOCK_<i>.pkl}; {@code market_index} ← {@code Market_index.pkl};
 *       {@code market} ← {@code MARKET.pkl} (same rules);
 *   <li>{@code stock_inputs} ← {@code stocks.json}: {@code {stock_id, entry}} per entry, as typed (the entry's
 *       {@code stock_id}, else its position);
 *   <li>{@code db_<table>} ← every table of {@code data.db}: rows by rowid, written with the table's own schema
 *       (DDL, indexes, triggers); a table the kind has no collection for is refused.
 * </ul>
 *
 * An attribute the collection's schema has no field for, a value of another type than the field's, or a missing
 * attribute whose field has no default is refused with the file and field named ({@link AvroValues}).
 */
final class ArenaItems {

    static final Set<String> REFERENCES = Set.of("db", "stocks", "broker", "persons");

    private ArenaItems() {
    }

    /**
     * The states {@code folders} bring the run to, in order; the clock never goes back from one to the next.
     *
     * @throws SeedFormatException naming the file and field of the first value that cannot be imported, or the
     *                             folder whose clock is earlier than the previous one's
     */
    static List<FolderState> all(StateModel model, List<SaveFolder> folders, Map<String, Schema> writers) {
        List<FolderState> states = new ArrayList<>();
        Map<String, Long> clock = null;
        for (SaveFolder folder : folders) {
            FolderState state = of(model, folder, writers, clock);
            if (clock != null && compare(state.clock(), clock, model.clock()) < 0) {
                throw new SeedFormatException(folder.path() + ": its clock " + state.clock() + " is earlier than the"
                        + " previous folder's " + clock + "; give the folders in simulation order (backup_1,"
                        + " backup_2, ... by number)");
            }
            clock = state.clock();
            states.add(state);
        }
        return states;
    }

    /** Lexicographic, most significant clock field first. */
    private static int compare(Map<String, Long> a, Map<String, Long> b, List<String> fields) {
        for (String f : fields) {
            int c = Long.compare(a.get(f), b.get(f));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /**
     * The state {@code folder} brings the run to.
     *
     * @param writers the schema to write each object collection with (persons: the union)
     * @param before  the clock of the previous folder, or null for the first
     * @throws SeedFormatException naming the file and field of the first value that cannot be imported
     */
    static FolderState of(StateModel model, SaveFolder folder, Map<String, Schema> writers, Map<String, Long> before) {
        Path dir = folder.path();
        Map<String, Map<String, GenericRecord>> items = new LinkedHashMap<>();
        Map<String, Map<Long, GenericRecord>> rows = new LinkedHashMap<>();
        for (CollectionSpec c : model.collections()) {
            if (c.shape() == Shape.ROWS) {
                rows.put(c.name(), new LinkedHashMap<>());
            } else if (c.shape() != Shape.GENERATIONS) {
                items.put(c.name(), new LinkedHashMap<>());
            }
        }
        Map<String, Long> clock = new LinkedHashMap<>();
        if (folder.information().isPresent()) {
            GenericRecord info = map(dir.resolve("information.json"), () -> AvroValues.record(
                    writers.get("information"), folder.information().get(), ""));
            items.get("information").put("", info);
            for (String field : model.clock()) {
                Object v = info.getSchema().getField(field) == null ? null : info.get(field);
                if (!(v instanceof Long l)) {
                    throw new SeedFormatException(dir.resolve("information.json") + ": field '" + field
                            + "': the clock needs an int");
                }
                clock.put(field, l);
            }
        } else {
            for (String field : model.clock()) {
                clock.put(field, before == null ? 0L : before.get(field));
            }
        }

        Schema persons = writers.get("persons");
        Map<Long, Map<String, Object>> identities = new LinkedHashMap<>();
        for (int i = 0; i < folder.persons().size(); i++) {
            Path file = dir.resolve("classes/PERSON_" + i + ".pkl");
            PythonObject o = folder.persons().get(i);
            GenericRecord r = map(file, () -> AvroValues.record(persons, itemOf(o, persons), ""));
            String id = keyed(file, items.get("persons"), r, "person_id");
            if (r.getSchema().getField("identity") != null && r.get("identity") != null) {
                identities.put(Long.parseLong(id), asMap(o.attributes().get("identity")));
            }
        }
        if (folder.persona().isPresent()) {
            Path file = dir.resolve("persona.json");
            List<Map<String, Object>> entries = folder.persona().get();
            if (folder.persons().isEmpty()) {
                for (int i = 0; i < entries.size(); i++) {
                    Map<String, Object> entry = entries.get(i);
                    String where = "persona.json[" + i + "]";
                    Map<String, Object> input = new LinkedHashMap<>();
                    input.put("person_id", entry.get("person_id"));
                    input.put("identity", entry);
                    Schema branch = branch(persons, ArenaSchemas.PERSONA_INPUT);
                    GenericRecord r = map(file, () -> {
                        try {
                            return AvroValues.fill(branch, input, "");
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
                        }
                    });
                    keyed(file, items.get("persons"), r, "person_id");
                }
            } else {
                for (int i = 0; i < entries.size(); i++) {
                    Map<String, Object> entry = entries.get(i);
                    Object id = entry.get("person_id");
                    Long pid = id instanceof Number n && !(id instanceof Double) ? n.longValue() : null;
                    Map<String, Object> identity = pid == null ? null : identities.get(pid);
                    if (identity == null) {
                        throw new SeedFormatException(file + ": persona.json[" + i + "] (person_id " + id + ") has no"
                                + " pickled person with that id and an identity; the snapshot renders persona.json"
                                + " from the persons' identities, so this entry would be lost");
                    }
                    if (!PythonValues.same(entry, identity)) {
                        throw new SeedFormatException(file + ": persona.json[" + i + "] differs from the identity of"
                                + " person " + pid + " in classes/ (" + PythonValues.difference(entry, identity, "")
                                + "); the snapshot renders persona.json from the identities, so this entry would be"
                                + " lost");
                    }
                }
            }
        }

        for (int i = 0; i < folder.stocks().size(); i++) {
            Path file = dir.resolve("classes/STOCK_" + i + ".pkl");
            PythonObject o = folder.stocks().get(i);
            Schema w = writers.get("stocks");
            keyed(file, items.get("stocks"), map(file, () -> AvroValues.record(w, itemOf(o, w), "")), "stock_id");
        }
        if (folder.marketIndex().isPresent()) {
            Schema w = writers.get("market_index");
            PythonObject o = folder.marketIndex().get();
            items.get("market_index").put("", map(dir.resolve("classes/Market_index.pkl"),
                    () -> AvroValues.record(w, itemOf(o, w), "")));
        }
        if (folder.market().isPresent()) {
            Schema w = writers.get("market");
            PythonObject o = folder.market().get();
            items.get("market").put("", map(dir.resolve("classes/MARKET.pkl"),
                    () -> AvroValues.record(w, itemOf(o, w), "")));
        }
        if (folder.stockInputs().isPresent()) {
            Path file = dir.resolve("stocks.json");
            List<Map<String, Object>> entries = folder.stockInputs().get();
            Schema w = writers.get("stock_inputs");
            for (int i = 0; i < entries.size(); i++) {
                Map<String, Object> entry = entries.get(i);
                Map<String, Object> input = new LinkedHashMap<>();
                input.put("stock_id", entry.containsKey("stock_id") ? entry.get("stock_id") : i);
                input.put("entry", entry);
                String where = "stocks.json[" + i + "]";
                GenericRecord r = map(file, () -> {
                    try {
                        return AvroValues.record(w, input, "");
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
                    }
                });
                keyed(file, items.get("stock_inputs"), r, "stock_id");
            }
        }
        if (folder.database().isPresent()) {
            Path file = dir.resolve("data.db");
            for (SqliteDatabase.Table t : folder.database().get().tables()) {
                String collection = "db_" + t.name();
                Map<Long, GenericRecord> table = rows.get(collection);
                if (table == null) {
                    throw new SeedFormatException(file + ": table " + t.name() + " has no collection " + collection
                            + " in kind " + model.kind() + " (its tables: " + rows.keySet() + ")");
                }
                for (Map.Entry<Long, Object[]> row : t.rows().entrySet()) {
                    GenericRecord r = new GenericData.Record(t.schema());
                    Object[] values = row.getValue();
                    for (int i = 0; i < values.length; i++) {
                        r.put(i, values[i] instanceof byte[] b ? ByteBuffer.wrap(b) : values[i]);
                    }
                    table.put(row.getKey(), r);
                }
            }
        }
        return new FolderState(folder, clock, items, rows);
    }

    /**
     * The item of an object: its attributes minus references, plus the adapter fields when {@code schema} (or the
     * union branch named like the object's class) has them.
     */
    static PythonObject itemOf(PythonObject o, Schema schema) {
        Map<String, Object> state = new LinkedHashMap<>();
        o.attributes().forEach((k, v) -> {
            if (!REFERENCES.contains(k)) {
                state.put(k, v);
            }
        });
        Schema target = schema.getType() == Schema.Type.UNION ? null : schema;
        if (target == null) {
            for (Schema b : schema.getTypes()) {
                if (b.getType() == Schema.Type.RECORD && b.getName().equals(simpleName(o.name()))) {
                    target = b;
                }
            }
        }
        if (target == null || target.getField(ArenaSchemas.CLASS_FIELD) != null) {
            state.put(ArenaSchemas.CLASS_FIELD, o.className());
        }
        if (target == null || target.getField(ArenaSchemas.ATTRS_FIELD) != null) {
            state.put(ArenaSchemas.ATTRS_FIELD, new ArrayList<>(o.attributes().keySet()));
        }
        PythonObject item = new PythonObject(o.module(), o.name());
        item.setState(state);
        return item;
    }

    private static String keyed(Path file, Map<String, GenericRecord> into, GenericRecord r, String key) {
        String id = String.valueOf(r.get(key));
        if (into.putIfAbsent(id, r) != null) {
            throw new SeedFormatException(file + ": " + key + " " + id + " occurs twice");
        }
        return id;
    }

    private static Schema branch(Schema union, String name) {
        for (Schema b : union.getTypes()) {
            if (b.getType() == Schema.Type.RECORD && b.getName().equals(name)) {
                return b;
            }
        }
        throw new IllegalStateException("the persons schema has no record " + name);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String simpleName(String qualname) {
        int dot = qualname.lastIndexOf('.');
        return dot < 0 ? qualname : qualname.substring(dot + 1);
    }

    private static GenericRecord map(Path file, java.util.function.Supplier<GenericRecord> mapping) {
        try {
            return mapping.get();
        } catch (SeedFormatException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new SeedFormatException(file + ": " + e.getMessage(), e);
        }
    }
}
