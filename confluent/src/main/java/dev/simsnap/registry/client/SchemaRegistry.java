package dev.simsnap.registry.client;

import java.util.List;
import org.apache.avro.Schema;

/**
 * The Confluent Schema Registry operations simsnap uses: what the serde needs (register, lookup, getById)
 * plus administration. Implemented over REST ({@link RestSchemaRegistryClient}) and in memory
 * ({@link InMemorySchemaRegistry}, {@code mock://} URLs). Every failure is a {@link RegistryException}.
 *
 * <p>Subjects and versions follow the registry: versions count from 1 per subject, ids are registry-wide,
 * and the same schema registered again (in any subject) gets the same id. {@code versionOrLatest} arguments
 * take a positive number as text or {@code "latest"}. Implementations are thread-safe.
 */
public interface SchemaRegistry extends AutoCloseable {

    /** {@code "latest"}: the newest non-deleted version of a subject. */
    String LATEST = "latest";

    /**
     * Registers {@code schema} under {@code subject} ({@code POST /subjects/{s}/versions}) and returns its id;
     * the id of the existing version when the subject already holds the schema.
     *
     * @throws RegistryException.IncompatibleSchema when the subject's compatibility level rejects it
     */
    int register(String subject, Schema schema);

    /**
     * Finds {@code schema} among the subject's versions ({@code POST /subjects/{s}}).
     *
     * @throws RegistryException.SubjectNotFound when the subject does not exist
     * @throws RegistryException.SchemaNotFound  when the subject exists but does not hold the schema
     */
    SchemaVersion lookup(String subject, Schema schema);

    /**
     * The schema with that id ({@code GET /schemas/ids/{id}}).
     *
     * @throws RegistryException.SchemaNotFound when no schema has that id
     */
    Schema getById(int id);

    /** All non-deleted subjects ({@code GET /subjects}). */
    List<String> subjects();

    /** The subject's non-deleted version numbers, ascending ({@code GET /subjects/{s}/versions}). */
    List<Integer> versions(String subject);

    /** One version ({@code GET /subjects/{s}/versions/{v|latest}}). */
    SchemaVersion version(String subject, String versionOrLatest);

    /**
     * Would {@code schema} be accepted against that version under the subject's compatibility level?
     * ({@code POST /compatibility/subjects/{s}/versions/{v}?verbose=true}).
     */
    CompatibilityResult testCompatibility(String subject, String versionOrLatest, Schema schema);

    /**
     * The compatibility level in force: the subject's own level, else the global one, when {@code subjectOrNull}
     * is a subject ({@code GET /config/{s}?defaultToGlobal=true}); the global level when null ({@code GET /config}).
     */
    String getCompatibility(String subjectOrNull);

    /** Sets the level of a subject, or the global one when null ({@code PUT /config[/{s}]}). */
    void setCompatibility(String subjectOrNull, String level);

    /** Removes a subject's own level so the global level applies again ({@code DELETE /config/{s}}). */
    void deleteCompatibility(String subject);

    /** The global mode: READWRITE, READONLY or IMPORT ({@code GET /mode}). */
    default String getMode() {
        return getMode(null);
    }

    /** The mode of a subject (falling back on the global mode), or the global mode when null. */
    String getMode(String subjectOrNull);

    /** Sets the mode of a subject, or the global one when null ({@code PUT /mode[/{s}]}). */
    void setMode(String subjectOrNull, String mode);

    /**
     * Deletes a subject ({@code DELETE /subjects/{s}[?permanent=true]}) and returns the deleted versions.
     * A plain delete is a soft delete; {@code permanent=true} is allowed only after a soft delete.
     */
    List<Integer> deleteSubject(String subject, boolean permanent);

    /** Deletes one version ({@code DELETE /subjects/{s}/versions/{v}[?permanent=true]}); returns its number. */
    int deleteVersion(String subject, String versionOrLatest, boolean permanent);

    /** Releases resources; the default does nothing. */
    @Override
    default void close() {
    }
}
