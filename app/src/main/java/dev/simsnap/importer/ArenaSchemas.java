package dev.simsnap.importer;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The item schemas an import writes the trading arena's objects with, derived from the collection's latest
 * registered version so that every item the run already holds stays readable (each change below only adds, with a
 * default, which the subjects' BACKWARD_TRANSITIVE level admits):
 *
 * <ul>
 *   <li>{@link #withAdapterFields}: every record (each branch of a union) gains, when it lacks them, the two fields
 *       the Python adapter {@code simsnap.arena} saves objects with, as the last fields: {@code __class__}
 *       ({@code ["null","string"]}, the object's {@code module.qualname}) and {@code __attrs__}
 *       ({@code ["null",{"type":"array","items":"string"}]}, every attribute name in order, references included),
 *       both with default null. With them {@code load_all} recreates an imported run's objects as the seed's own
 *       classes, and {@code save_all} continues the run;
 *   <li>{@link #withPersonaInput}: the {@code persons} union gains the record {@code trading_arena.PersonaInput}
 *       ({@code person_id}, {@code identity}: the whole {@code persona.json} entry), the form of an agent a folder
 *       without pickled objects ({@code save/init}) has: its inputs, before the simulation made it a Person.
 * </ul>
 */
final class ArenaSchemas {

    static final String CLASS_FIELD = "__class__";
    static final String ATTRS_FIELD = "__attrs__";
    static final String PERSONA_INPUT = "PersonaInput";

    private ArenaSchemas() {
    }

    /** {@code latest} with the adapter fields on every record (the same object when all have them). */
    static Schema withAdapterFields(Schema latest) {
        if (latest.getType() == Schema.Type.UNION) {
            List<Schema> branches = new ArrayList<>();
            boolean changed = false;
            for (Schema b : latest.getTypes()) {
                Schema w = b.getType() == Schema.Type.RECORD && !b.getName().equals(PERSONA_INPUT)
                        ? withAdapterFields(b) : b;
                changed |= w != b;
                branches.add(w);
            }
            return changed ? Schema.createUnion(branches) : latest;
        }
        if (latest.getType() != Schema.Type.RECORD
                || (latest.getField(CLASS_FIELD) != null && latest.getField(ATTRS_FIELD) != null)) {
            return latest;
        }
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : latest.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        if (latest.getField(CLASS_FIELD) == null) {
            fields.add(nullable(CLASS_FIELD, Schema.create(Schema.Type.STRING)));
        }
        if (latest.getField(ATTRS_FIELD) == null) {
            fields.add(nullable(ATTRS_FIELD, Schema.createArray(Schema.create(Schema.Type.STRING))));
        }
        Schema widened = Schema.createRecord(latest.getName(), latest.getDoc(), latest.getNamespace(), false, fields);
        latest.getObjectProps().forEach(widened::addProp);
        latest.getAliases().forEach(widened::addAlias);
        return widened;
    }

    /**
     * The {@code persons} union with a {@code PersonaInput} branch (the same object when it has one). Its
     * {@code identity} has the type of the {@code Person} record's {@code identity}.
     *
     * @throws IllegalArgumentException when the union has no record {@code Person} with an {@code identity} field
     */
    static Schema withPersonaInput(Schema persons) {
        List<Schema> branches = persons.getType() == Schema.Type.UNION ? persons.getTypes() : List.of(persons);
        Schema identity = null;
        for (Schema b : branches) {
            if (b.getType() == Schema.Type.RECORD && b.getName().equals(PERSONA_INPUT)) {
                return persons;
            }
            if (b.getType() == Schema.Type.RECORD && b.getName().equals("Person") && b.getField("identity") != null) {
                identity = b.getField("identity").schema();
            }
        }
        if (identity == null) {
            throw new IllegalArgumentException("the persons schema has no record Person with an identity field to"
                    + " hold persona.json entries");
        }
        Schema input = Schema.createRecord(PERSONA_INPUT, "An agent as persona.json describes it, in a save folder"
                + " without pickled objects (save/init): its inputs, before the simulation made it a Person.",
                "trading_arena", false, List.of(new Schema.Field("person_id", Schema.create(Schema.Type.LONG)),
                        new Schema.Field("identity", identity, "The agent's whole persona.json entry.")));
        List<Schema> all = new ArrayList<>(branches);
        all.add(input);
        return Schema.createUnion(all);
    }

    private static Schema.Field nullable(String name, Schema type) {
        return new Schema.Field(name, Schema.createUnion(Schema.create(Schema.Type.NULL), type), null,
                Schema.Field.NULL_DEFAULT_VALUE);
    }
}
