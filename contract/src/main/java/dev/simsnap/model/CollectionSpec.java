package dev.simsnap.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * One collection of a state model: its name, shape, key fields, item schema versions and registry subject.
 *
 * <p>Immutable. {@link #schemas()} are the versions the descriptor declares, oldest first (a run's workers may
 * register later ones); every record on the topics carries the id of the version it was written with, so readers
 * never need this list to decode.
 */
public final class CollectionSpec {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,63}");

    private final String name;
    private final Shape shape;
    private final List<String> key;
    private final Order order;
    private final List<Schema> schemas;
    private final String compatibility;
    private final String subject;

    private CollectionSpec(String name, Shape shape, List<String> key, Order order, List<Schema> schemas,
                           String compatibility, String subject) {
        this.name = name;
        this.shape = shape;
        this.key = List.copyOf(key);
        this.order = order;
        this.schemas = List.copyOf(schemas);
        this.compatibility = compatibility;
        this.subject = subject;
    }

    /**
     * A collection of kind {@code kind}.
     *
     * @param key           the key fields (keyed collections only; empty for the other shapes)
     * @param schemas       declared item schema versions, oldest first (may be empty in a run's stored model)
     * @param compatibility the subject's own level, or null to use the kind's
     */
    public static CollectionSpec of(String kind, String name, Shape shape, List<String> key, Order order,
                                    List<Schema> schemas, String compatibility) {
        Objects.requireNonNull(shape, "shape");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("collection name '" + name
                    + "' must be 1-64 characters of [A-Za-z0-9_-], starting with a letter or _");
        }
        if (shape == Shape.KEYED && key.isEmpty()) {
            throw new IllegalArgumentException("collection '" + name + "': a keyed collection needs \"key\" fields");
        }
        if (shape != Shape.KEYED && !key.isEmpty()) {
            throw new IllegalArgumentException("collection '" + name + "': only keyed collections have \"key\"");
        }
        if (shape != Shape.KEYED && order != null && order != Order.KEY) {
            throw new IllegalArgumentException("collection '" + name + "': \"order\": \"" + order.label()
                    + "\" is for keyed collections");
        }
        for (Schema s : schemas) {
            checkKeyFields(name, s, key);
        }
        return new CollectionSpec(name, shape, key, order == null ? Order.KEY : order, schemas,
                compatibility == null ? null : Compatibility.check(compatibility), subjectOf(kind, name));
    }

    /** The registry subject of a kind's collection: {@code simsnap.kind.<kind>.<collection>}. */
    public static String subjectOf(String kind, String collection) {
        return "simsnap.kind." + kind + "." + collection;
    }

    private static void checkKeyFields(String collection, Schema schema, List<String> key) {
        List<Schema> records = schema.getType() == Schema.Type.UNION ? schema.getTypes() : List.of(schema);
        for (Schema record : records) {
            if (record.getType() != Schema.Type.RECORD) {
                throw new IllegalArgumentException("collection '" + collection + "': items must be records (or a union"
                        + " of records), not " + record.getType().getName());
            }
            for (String k : key) {
                Schema.Field f = record.getField(k);
                if (f == null) {
                    throw new IllegalArgumentException("collection '" + collection + "': key field '" + k
                            + "' is missing from " + record.getFullName());
                }
                Schema.Type t = f.schema().getType();
                if (t != Schema.Type.INT && t != Schema.Type.LONG && t != Schema.Type.STRING) {
                    throw new IllegalArgumentException("collection '" + collection + "': key field '" + k + "' of "
                            + record.getFullName() + " must be int, long or string, not " + f.schema());
                }
            }
        }
    }

    public String name() {
        return name;
    }

    public Shape shape() {
        return shape;
    }

    /** Key fields, in order (keyed collections); their values joined with {@code /} form the entity id. */
    public List<String> key() {
        return key;
    }

    public Order order() {
        return order;
    }

    /** Declared item schema versions, oldest first. */
    public List<Schema> schemas() {
        return schemas;
    }

    /** The newest declared item schema, if any. */
    public Optional<Schema> latestSchema() {
        return schemas.isEmpty() ? Optional.empty() : Optional.of(schemas.get(schemas.size() - 1));
    }

    /** The collection's own compatibility level, if it overrides the kind's. */
    public Optional<String> compatibility() {
        return Optional.ofNullable(compatibility);
    }

    /** The registry subject its item schemas are registered under. */
    public String subject() {
        return subject;
    }

    /** The same collection without declared schemas (the form a run's stored model keeps). */
    public CollectionSpec withoutSchemas() {
        return new CollectionSpec(name, shape, key, order, List.of(), compatibility, subject);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CollectionSpec c && name.equals(c.name) && shape == c.shape && key.equals(c.key)
                && order == c.order && schemas.equals(c.schemas) && Objects.equals(compatibility, c.compatibility)
                && subject.equals(c.subject);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, shape, key, order, schemas, compatibility, subject);
    }

    @Override
    public String toString() {
        return "CollectionSpec{" + name + ", " + shape.label() + ", key=" + key + ", " + schemas.size() + " schema(s)}";
    }
}
