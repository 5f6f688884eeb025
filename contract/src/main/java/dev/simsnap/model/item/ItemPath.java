package dev.simsnap.model.item;

import java.util.List;
import java.util.Objects;
import org.apache.avro.Schema;

/**
 * A dotted path (see {@link ItemCodec#resolve}) resolved against one item schema: for every step, the record or map
 * schema it steps into (unions already narrowed to the one branch that has the step) and the schema of the value it
 * reaches. The last step's {@link Step#value()} is the schema at the path ({@link #schema()}).
 *
 * @param itemSchema the item schema the path was resolved against
 * @param path       the dotted path as given
 * @param steps      one entry per path segment, in order; never empty
 */
public record ItemPath(Schema itemSchema, String path, List<Step> steps) {

    /**
     * One step of a path.
     *
     * @param name      the segment: a record field name or a map key
     * @param container the RECORD or MAP schema the step is taken in (a union already narrowed to that branch)
     * @param field     the record field when {@code container} is a record, null for a map
     * @param value     the schema of the value the step reaches (the field's schema, or the map's value schema);
     *                  may itself be a union
     */
    public record Step(String name, Schema container, Schema.Field field, Schema value) {

        /** Whether the step addresses a map entry (by key) rather than a record field. */
        public boolean isMapKey() {
            return field == null;
        }
    }

    public ItemPath {
        Objects.requireNonNull(itemSchema, "itemSchema");
        Objects.requireNonNull(path, "path");
        steps = List.copyOf(steps);
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a path has at least one step");
        }
    }

    /** The schema of the value at the path. */
    public Schema schema() {
        return steps.get(steps.size() - 1).value();
    }

    /** The last step: where the value at the path is held. */
    public Step last() {
        return steps.get(steps.size() - 1);
    }
}
