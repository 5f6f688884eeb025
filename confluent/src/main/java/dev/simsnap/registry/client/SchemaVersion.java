package dev.simsnap.registry.client;

import java.util.Objects;
import org.apache.avro.Schema;

/**
 * One registered version of a subject: what {@code GET /subjects/{s}/versions/{v}} and
 * {@code POST /subjects/{s}} answer.
 *
 * @param subject the subject
 * @param version the version number within the subject, from 1
 * @param id      the registry-wide schema id (what the wire format carries)
 * @param schema  the parsed schema
 */
public record SchemaVersion(String subject, int version, int id, Schema schema) {
    public SchemaVersion {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
    }
}
