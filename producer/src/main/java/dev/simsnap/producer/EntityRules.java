package dev.simsnap.producer;

import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Market;
import dev.simsnap.schema.delta.MarketIndex;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.RunInformation;
import dev.simsnap.schema.delta.Stock;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * What each entity type accepts: its payload record, the seed fields an UPSERT must carry, the field that holds the
 * entity id, and the fixed id of singletons.
 */
public final class EntityRules {

    /** Entity id of the information singleton. */
    public static final String INFORMATION_ID = "information";
    /** Entity id of the market singleton. */
    public static final String MARKET_ID = "market";

    private static final Map<EntityType, Schema> PAYLOADS = Map.of(
            EntityType.PERSON, Person.getClassSchema(),
            EntityType.STOCK, Stock.getClassSchema(),
            EntityType.MARKET, Market.getClassSchema(),
            EntityType.MARKET_INDEX, MarketIndex.getClassSchema(),
            EntityType.INFORMATION, RunInformation.getClassSchema(),
            EntityType.DOCUMENT, Document.getClassSchema());

    // The seed's persona.json / stocks.json / information.json fields: an entity without them cannot be written back.
    private static final Map<EntityType, List<String>> REQUIRED_ON_UPSERT = Map.of(
            EntityType.PERSON, List.of("person_id", "name", "occupation", "principle", "investment_duration",
                    "daily_income_from_job", "cash", "minimum_living_expense", "reflect_frequency"),
            EntityType.STOCK, List.of("stock_id", "stock_name", "DPS", "past_stock_last_prices", "quantity"),
            EntityType.INFORMATION, List.of("virtual_date", "iteration"),
            EntityType.DOCUMENT, List.of("json"));

    private EntityRules() {
    }

    /** The payload record schema of {@code type}. */
    public static Schema payloadSchema(EntityType type) {
        return PAYLOADS.get(type);
    }

    /** Fields an UPSERT payload of {@code type} must set (non-null); empty for MARKET and MARKET_INDEX. */
    public static List<String> requiredOnUpsert(EntityType type) {
        return REQUIRED_ON_UPSERT.getOrDefault(type, List.of());
    }

    /** The payload field whose decimal text is the entity id ({@code person_id}, {@code stock_id}), or null. */
    public static String idField(EntityType type) {
        switch (type) {
            case PERSON: return "person_id";
            case STOCK: return "stock_id";
            default: return null;
        }
    }

    /** The only id a singleton type accepts, or null when any id is accepted. */
    public static String singletonId(EntityType type) {
        switch (type) {
            case INFORMATION: return INFORMATION_ID;
            case MARKET: return MARKET_ID;
            default: return null;
        }
    }

    /**
     * Parses an entity type name (the enum symbol, case-insensitive).
     *
     * @throws IllegalArgumentException naming {@code entity_type} when unknown
     */
    public static EntityType entityType(String name) {
        if (name != null) {
            for (EntityType type : EntityType.values()) {
                if (type.name().equalsIgnoreCase(name)) {
                    return type;
                }
            }
        }
        throw new IllegalArgumentException("field 'entity_type': unknown entity type '" + name + "' (expected one of "
                + List.of(EntityType.values()) + ")");
    }
}
