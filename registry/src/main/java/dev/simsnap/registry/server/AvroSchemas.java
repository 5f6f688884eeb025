package dev.simsnap.registry.server;

import org.apache.avro.Schema;

/**
 * Parses submitted Avro schema text.
 *
 * <p>Identity of a schema is its canonical string: Avro's own re-serialisation of the parsed schema
 * ({@link Schema#toString()}), the same rule Confluent uses. It ignores whitespace and attribute order but keeps
 * defaults, docs, aliases and logical types. The Parsing Canonical Form ({@code SchemaNormalization}) is
 * deliberately not used as the identity: it drops defaults, so two schemas that differ in compatibility (one
 * adds a default) would share one id.
 */
final class AvroSchemas {

    private AvroSchemas() {
    }

    /** A parsed schema with its canonical text. */
    record Parsed(Schema schema, String canonical) {
    }

    /** Parses text into a schema; 42201 when it is missing or not valid Avro. */
    static Parsed parse(String text) {
        if (text == null || text.isBlank()) {
            throw ErrorCode.INVALID_SCHEMA.exception("Empty schema");
        }
        try {
            Schema schema = new Schema.Parser().parse(text);
            return new Parsed(schema, schema.toString());
        } catch (RuntimeException e) { // Avro reports bad input as several unchecked types
            throw ErrorCode.INVALID_SCHEMA.exception("Invalid schema: " + e.getMessage());
        }
    }

    /** Parses text already accepted once (stored schemas); failures are store corruption. */
    static Schema parseStored(String canonical) {
        return new Schema.Parser().parse(canonical);
    }
}
