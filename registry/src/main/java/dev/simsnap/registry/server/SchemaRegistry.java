package dev.simsnap.registry.server;

import dev.simsnap.registry.server.RegistryState.Version;
import dev.simsnap.schema.compat.CompatibilityChecker;
import dev.simsnap.schema.compat.CompatibilityLevel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.apache.avro.Schema;

/**
 * The registry's rules, independent of HTTP: ids, versions, soft and permanent deletes, compatibility, config
 * and mode. Every write is appended to the {@link KafkaStore} and applied to the {@link RegistryState} only
 * after the broker acknowledged it, under one write lock, so a failed write changes nothing.
 */
final class SchemaRegistry {

    /** The level used when neither the subject nor the global config sets one. */
    static final CompatibilityLevel DEFAULT_LEVEL = CompatibilityLevel.BACKWARD;

    /** A version of a subject with its schema text, as the REST answers show it. */
    record SchemaVersion(String subject, int version, int id, String schema) {
    }

    /** What a client registers; {@code id} and {@code version} are honoured in IMPORT mode only (0 = unset). */
    record Registration(String schema, String schemaType, boolean hasReferences, int id, int version) {
    }

    private final KafkaStore store;
    private final RegistryState state = new RegistryState();
    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    SchemaRegistry(KafkaStore store) {
        this.store = store;
    }

    /** Rebuilds the state from the whole store topic. */
    void load() {
        write(() -> {
            store.replay(state::apply);
            return null;
        });
    }

    // ---------------------------------------------------------------- schemas by id

    /** The schema text of an id; 40403 when unknown. Ids stay readable after their versions are deleted. */
    String schemaById(int id) {
        return read(() -> {
            String schema = state.schemasById.get(id);
            if (schema == null) {
                throw ErrorCode.SCHEMA_NOT_FOUND.exception("Schema " + id + " not found");
            }
            return schema;
        });
    }

    /** The subject versions that use an id, by subject then version; 40403 when the id is unknown. */
    List<Version> versionsOfId(int id, boolean includeDeleted) {
        return read(() -> {
            if (!state.schemasById.containsKey(id)) {
                throw ErrorCode.SCHEMA_NOT_FOUND.exception("Schema " + id + " not found");
            }
            List<Version> result = new ArrayList<>();
            for (NavigableMap<Integer, Version> versions : state.subjects.values()) {
                for (Version v : versions.values()) {
                    if (v.id() == id && (includeDeleted || !v.deleted())) {
                        result.add(v);
                    }
                }
            }
            return result;
        });
    }

    // ---------------------------------------------------------------- subjects and versions

    /** Subjects with a live version, or with any version when {@code includeDeleted}; sorted. */
    List<String> subjects(boolean includeDeleted) {
        return read(() -> state.subjects.entrySet().stream()
                .filter(e -> includeDeleted || !live(e.getValue()).isEmpty())
                .map(java.util.Map.Entry::getKey)
                .toList());
    }

    /** Version numbers of a subject, ascending; 40401 when it has none (live ones unless {@code includeDeleted}). */
    List<Integer> versions(String subject, boolean includeDeleted) {
        return read(() -> visible(subject, includeDeleted).stream().map(Version::version).toList());
    }

    /** One version ({@code latest}/{@code -1} allowed); 42202, 40401, 40402. */
    SchemaVersion version(String subject, String versionText, boolean includeDeleted) {
        VersionId versionId = VersionId.parse(versionText);
        return read(() -> toSchemaVersion(find(subject, versionId, includeDeleted)));
    }

    /** The version of a subject that holds this schema; 42201, 40401, 40403. Latest matching version wins. */
    SchemaVersion lookup(String subject, String schemaText, boolean includeDeleted) {
        return read(() -> {
            List<Version> candidates = visible(subject, includeDeleted);
            AvroSchemas.Parsed parsed = AvroSchemas.parse(schemaText);
            Integer id = state.idsByCanonical.get(parsed.canonical());
            for (int i = candidates.size() - 1; i >= 0 && id != null; i--) {
                if (candidates.get(i).id() == id) {
                    return toSchemaVersion(candidates.get(i));
                }
            }
            throw ErrorCode.SCHEMA_NOT_FOUND.exception("Schema not found");
        });
    }

    /**
     * Registers a schema under a subject and returns its global id.
     *
     * <p>The same schema already live in the subject returns its id without a new version. Otherwise it must be
     * compatible with the subject's live versions at the subject's effective level (409 when not; skipped in
     * IMPORT mode); it gets the id it already has anywhere in the registry, or the next never-used id; its
     * version is one more than the highest version the subject ever kept (soft-deleted ones count).
     */
    int register(String subject, Registration request) {
        if (request.schemaType() != null && !request.schemaType().equalsIgnoreCase("AVRO")) {
            throw ErrorCode.INVALID_SCHEMA.exception("Invalid schema type " + request.schemaType()
                    + "; this registry supports AVRO only");
        }
        if (request.hasReferences()) {
            throw ErrorCode.INVALID_SCHEMA.exception("Schema references are not supported by this registry");
        }
        AvroSchemas.Parsed parsed = AvroSchemas.parse(request.schema());
        return write(() -> {
            Mode mode = effectiveMode(subject);
            requireWritable(subject, mode);
            NavigableMap<Integer, Version> versions = state.subjects.get(subject);
            Integer knownId = state.idsByCanonical.get(parsed.canonical());
            if (knownId != null && versions != null
                    && (request.id() <= 0 || request.id() == knownId)
                    && live(versions).stream().anyMatch(v -> v.id() == knownId)) {
                return knownId;
            }
            int id;
            if (mode == Mode.IMPORT && request.id() > 0) {
                String existing = state.schemasById.get(request.id());
                if ((existing != null && !existing.equals(parsed.canonical()))
                        || (knownId != null && knownId != request.id())) {
                    throw ErrorCode.ID_DOES_NOT_MATCH.exception("Schema id " + request.id()
                            + " is already used by a different schema, or the schema already has another id");
                }
                id = request.id();
            } else {
                id = knownId != null ? knownId : state.maxId + 1;
            }
            if (mode != Mode.IMPORT) {
                List<String> problems = incompatibilities(subject, parsed.schema(), liveSchemas(versions));
                if (!problems.isEmpty()) {
                    throw ErrorCode.INCOMPATIBLE_SCHEMA.exception("Schema being registered is incompatible with an"
                            + " earlier schema for subject \"" + subject + "\", details: " + problems);
                }
            }
            int version = versions == null ? 1 : versions.lastKey() + 1;
            if (mode == Mode.IMPORT && request.version() > 0) {
                if (versions != null && versions.containsKey(request.version())) {
                    throw ErrorCode.OPERATION_NOT_PERMITTED.exception("Subject " + subject + " already has version "
                            + request.version());
                }
                version = request.version();
            }
            if (!state.schemasById.containsKey(id)) {
                append(StoreRecord.schema(id, parsed.canonical()));
            }
            append(StoreRecord.version(subject, version, id, false));
            return id;
        });
    }

    /**
     * Deletes every version of a subject and returns their numbers. Soft first (40404 when already soft
     * deleted); {@code permanent} only after a soft delete (40405), which also drops the subject's config and mode.
     */
    List<Integer> deleteSubject(String subject, boolean permanent) {
        return write(() -> {
            requireWritable(subject, effectiveMode(subject));
            NavigableMap<Integer, Version> versions = state.subjects.get(subject);
            if (versions == null) {
                throw subjectNotFound(subject);
            }
            List<Version> live = live(versions);
            List<Integer> deleted = new ArrayList<>();
            if (!permanent) {
                if (live.isEmpty()) {
                    throw ErrorCode.SUBJECT_SOFT_DELETED.exception("Subject '" + subject
                            + "' was soft deleted. Set permanent=true to delete permanently");
                }
                for (Version v : live) {
                    append(StoreRecord.version(subject, v.version(), v.id(), true));
                    deleted.add(v.version());
                }
                return deleted;
            }
            if (!live.isEmpty()) {
                throw ErrorCode.SUBJECT_NOT_SOFT_DELETED.exception("Subject '" + subject
                        + "' was not deleted first before being permanently deleted");
            }
            for (Version v : List.copyOf(versions.values())) {
                append(StoreRecord.versionTombstone(subject, v.version()));
                deleted.add(v.version());
            }
            if (state.subjectConfigs.containsKey(subject)) {
                append(StoreRecord.config(subject, null));
            }
            if (state.subjectModes.containsKey(subject)) {
                append(StoreRecord.mode(subject, null));
            }
            return deleted;
        });
    }

    /**
     * Deletes one version and returns its number: soft (40406 when already soft deleted), or {@code permanent}
     * after a soft delete (40407). {@code latest} means the latest live version, or for a permanent delete the
     * latest version kept.
     */
    int deleteVersion(String subject, String versionText, boolean permanent) {
        VersionId versionId = VersionId.parse(versionText);
        return write(() -> {
            requireWritable(subject, effectiveMode(subject));
            // "latest" for a soft delete means the latest live version; an explicit number may name a deleted one.
            Version v = find(subject, versionId, permanent || !versionId.latest());
            if (!permanent) {
                if (v.deleted()) {
                    throw ErrorCode.SCHEMA_VERSION_SOFT_DELETED.exception("Subject '" + subject + "' Version "
                            + v.version() + " was soft deleted. Set permanent=true to delete permanently");
                }
                append(StoreRecord.version(subject, v.version(), v.id(), true));
            } else {
                if (!v.deleted()) {
                    throw ErrorCode.SCHEMA_VERSION_NOT_SOFT_DELETED.exception("Subject '" + subject + "' Version "
                            + v.version() + " was not deleted first before being permanently deleted");
                }
                append(StoreRecord.versionTombstone(subject, v.version()));
            }
            return v.version();
        });
    }

    // ---------------------------------------------------------------- compatibility

    /**
     * Reasons a schema is incompatible, empty when compatible, at the subject's effective level.
     *
     * @param versionText null: against all live versions (the level decides whether only the latest counts);
     *                    otherwise against that one version ({@code latest} of an empty subject is compatible)
     */
    List<String> checkCompatibility(String subject, String versionText, String schemaText) {
        VersionId versionId = versionText == null ? null : VersionId.parse(versionText);
        return read(() -> {
            List<Schema> previous;
            NavigableMap<Integer, Version> versions = state.subjects.get(subject);
            if (versionId == null) {
                previous = liveSchemas(versions);
            } else if (versionId.latest() && (versions == null || live(versions).isEmpty())) {
                previous = List.of();
            } else {
                previous = List.of(AvroSchemas.parseStored(state.schemasById.get(find(subject, versionId, false).id())));
            }
            return incompatibilities(subject, AvroSchemas.parse(schemaText).schema(), previous);
        });
    }

    // ---------------------------------------------------------------- config

    /** The global level (BACKWARD unless set). */
    CompatibilityLevel globalLevel() {
        return read(() -> state.globalConfig == null ? DEFAULT_LEVEL : CompatibilityLevel.parse(state.globalConfig));
    }

    /** The subject's own level; with {@code defaultToGlobal} the global one when unset, else 40408. */
    CompatibilityLevel subjectLevel(String subject, boolean defaultToGlobal) {
        return read(() -> {
            String level = state.subjectConfigs.get(subject);
            if (level != null) {
                return CompatibilityLevel.parse(level);
            }
            if (defaultToGlobal) {
                return state.globalConfig == null ? DEFAULT_LEVEL : CompatibilityLevel.parse(state.globalConfig);
            }
            throw ErrorCode.SUBJECT_COMPATIBILITY_NOT_CONFIGURED.exception("Subject '" + subject
                    + "' does not have subject-level compatibility configured");
        });
    }

    /** Sets the global ({@code subject} null) or subject level; 42203 when not a level. Returns the level set. */
    CompatibilityLevel setLevel(String subject, String levelText) {
        CompatibilityLevel level;
        try {
            level = CompatibilityLevel.parse(levelText);
        } catch (IllegalArgumentException e) {
            throw ErrorCode.INVALID_COMPATIBILITY_LEVEL.exception("Invalid compatibility level. Valid values are"
                    + " none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive");
        }
        return write(() -> {
            append(StoreRecord.config(subject, level.name()));
            return level;
        });
    }

    /** Removes the global or subject level and returns the previous one; 40401 when the subject had none. */
    CompatibilityLevel deleteLevel(String subject) {
        return write(() -> {
            String old = subject == null ? state.globalConfig : state.subjectConfigs.get(subject);
            if (old == null && subject != null) {
                throw subjectNotFound(subject);
            }
            append(StoreRecord.config(subject, null));
            return old == null ? DEFAULT_LEVEL : CompatibilityLevel.parse(old);
        });
    }

    // ---------------------------------------------------------------- mode

    /** The global mode (READWRITE unless set). */
    Mode globalMode() {
        return read(() -> state.globalMode == null ? Mode.READWRITE : Mode.valueOf(state.globalMode));
    }

    /** The subject's own mode; with {@code defaultToGlobal} the global one when unset, else 40409. */
    Mode subjectMode(String subject, boolean defaultToGlobal) {
        return read(() -> {
            String mode = state.subjectModes.get(subject);
            if (mode != null) {
                return Mode.valueOf(mode);
            }
            if (defaultToGlobal) {
                return state.globalMode == null ? Mode.READWRITE : Mode.valueOf(state.globalMode);
            }
            throw ErrorCode.SUBJECT_MODE_NOT_CONFIGURED.exception("Subject '" + subject
                    + "' does not have subject-level mode configured");
        });
    }

    /**
     * Sets the global ({@code subject} null) or subject mode; 42204 when not a mode. IMPORT needs an empty
     * registry (or subject) unless {@code force}, else 42205, because imported ids could collide with existing ones.
     */
    Mode setMode(String subject, String modeText, boolean force) {
        Mode mode = Mode.parse(modeText);
        return write(() -> {
            if (mode == Mode.IMPORT && !force) {
                boolean hasSchemas = subject == null
                        ? state.subjects.values().stream().anyMatch(v -> !live(v).isEmpty())
                        : state.subjects.containsKey(subject) && !live(state.subjects.get(subject)).isEmpty();
                if (hasSchemas) {
                    throw ErrorCode.OPERATION_NOT_PERMITTED.exception(
                            "Cannot import since found existing subjects");
                }
            }
            append(StoreRecord.mode(subject, mode.name()));
            return mode;
        });
    }

    /** Removes the subject's mode and returns it; 40401 when it had none. */
    Mode deleteMode(String subject) {
        return write(() -> {
            String old = state.subjectModes.get(subject);
            if (old == null) {
                throw subjectNotFound(subject);
            }
            append(StoreRecord.mode(subject, null));
            return Mode.valueOf(old);
        });
    }

    // ---------------------------------------------------------------- helpers (callers hold the lock)

    private Mode effectiveMode(String subject) {
        String mode = state.subjectModes.get(subject);
        if (mode == null) {
            mode = state.globalMode;
        }
        return mode == null ? Mode.READWRITE : Mode.valueOf(mode);
    }

    private void requireWritable(String subject, Mode mode) {
        if (mode.readOnly()) {
            throw ErrorCode.OPERATION_NOT_PERMITTED.exception("Subject " + subject + " is in read-only mode");
        }
    }

    private List<String> incompatibilities(String subject, Schema candidate, List<Schema> previous) {
        String level = state.subjectConfigs.get(subject);
        if (level == null) {
            level = state.globalConfig;
        }
        return CompatibilityChecker.incompatibilities(
                level == null ? DEFAULT_LEVEL : CompatibilityLevel.parse(level), candidate, previous);
    }

    /** The subject's versions a reader may see; 40401 when there are none. */
    private List<Version> visible(String subject, boolean includeDeleted) {
        NavigableMap<Integer, Version> versions = state.subjects.get(subject);
        List<Version> result = versions == null ? List.of()
                : includeDeleted ? List.copyOf(versions.values()) : live(versions);
        if (result.isEmpty()) {
            throw subjectNotFound(subject);
        }
        return result;
    }

    /** A version; 40401 when the subject has no visible version, 40402 when this one is absent or hidden. */
    private Version find(String subject, VersionId versionId, boolean includeDeleted) {
        List<Version> candidates = visible(subject, includeDeleted);
        if (versionId.latest()) {
            return candidates.get(candidates.size() - 1);
        }
        Version v = state.subjects.get(subject).get(versionId.number());
        if (v == null || (v.deleted() && !includeDeleted)) {
            throw ErrorCode.VERSION_NOT_FOUND.exception("Version " + versionId.number() + " not found.");
        }
        return v;
    }

    private static List<Version> live(NavigableMap<Integer, Version> versions) {
        return versions.values().stream().filter(v -> !v.deleted()).toList();
    }

    private List<Schema> liveSchemas(NavigableMap<Integer, Version> versions) {
        Collection<Version> live = versions == null ? List.of() : live(versions);
        return live.stream().map(v -> AvroSchemas.parseStored(state.schemasById.get(v.id()))).toList();
    }

    private SchemaVersion toSchemaVersion(Version v) {
        return new SchemaVersion(v.subject(), v.version(), v.id(), state.schemasById.get(v.id()));
    }

    private static RegistryException subjectNotFound(String subject) {
        return ErrorCode.SUBJECT_NOT_FOUND.exception("Subject '" + subject + "' not found.");
    }

    private void append(StoreRecord record) {
        store.append(record); // throws before the state changes when the broker does not acknowledge
        state.apply(record.key(), record.value());
    }

    private <T> T read(Supplier<T> action) {
        lock.readLock().lock();
        try {
            return action.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    private <T> T write(Supplier<T> action) {
        lock.writeLock().lock();
        try {
            return action.get();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
