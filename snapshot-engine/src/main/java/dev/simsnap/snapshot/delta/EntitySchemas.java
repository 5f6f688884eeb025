package dev.simsnap.snapshot.delta;

import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Market;
import dev.simsnap.schema.delta.MarketIndex;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.RunInformation;
import dev.simsnap.schema.delta.Stock;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;

/** Which Avro record carries each typed entity, its id field, and its numeric list fields (APPEND targets). */
public final class EntitySchemas {

    private EntitySchemas() {
    }

    /** The payload schema of a typed entity; empty for {@link EntityType#DOCUMENT}. */
    public static Optional<Schema> schemaOf(EntityType type) {
        return Optional.ofNullable(switch (type) {
            case PERSON -> Person.getClassSchema();
            case STOCK -> Stock.getClassSchema();
            case MARKET -> Market.getClassSchema();
            case MARKET_INDEX -> MarketIndex.getClassSchema();
            case INFORMATION -> RunInformation.getClassSchema();
            case DOCUMENT -> null;
        });
    }

    /** The field holding the numeric entity id ({@code person_id}, {@code stock_id}); empty for other types. */
    public static Optional<String> idField(EntityType type) {
        return switch (type) {
            case PERSON -> Optional.of("person_id");
            case STOCK -> Optional.of("stock_id");
            default -> Optional.empty();
        };
    }

    /** The required entity id of a singleton type ({@code information}, {@code market}); empty otherwise. */
    public static Optional<String> singletonId(EntityType type) {
        return switch (type) {
            case INFORMATION -> Optional.of("information");
            case MARKET -> Optional.of("market");
            default -> Optional.empty();
        };
    }

    /** True when {@code field} of the typed schema is a (nullable) array of doubles. */
    public static boolean isNumberList(Schema schema, String field) {
        Schema.Field f = schema.getField(field);
        if (f == null) {
            return false;
        }
        Schema type = nonNull(f.schema());
        return type.getType() == Schema.Type.ARRAY && type.getElementType().getType() == Schema.Type.DOUBLE;
    }

    /** The non-null branch of a {@code ["null", X]} union, or the schema itself. */
    static Schema nonNull(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        List<Schema> types = schema.getTypes();
        return types.stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElse(schema);
    }
}
