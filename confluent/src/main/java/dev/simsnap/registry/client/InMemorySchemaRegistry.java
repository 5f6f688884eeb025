package dev.simsnap.registry.client;

import dev.simsnap.schema.compat.CompatibilityChecker;
import dev.simsnap.schema.compat.CompatibilityLevel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A {@link SchemaRegistry} held in memory, for unit tests (e.g. TopologyTestDriver) that want the real serde
 * without a server. Selected by {@code schema.registry.url=mock://<scope>}: every config naming the same scope
 * shares one instance (so a test's serializer and deserializer see the same ids), until {@link #drop(String)}.
 *
 * <p>Same rules as the registry: a schema's identity is its canonical text (Avro's {@code Schema.toString()}
 * after parsing), the same canonical schema gets the same id in every subject, ids count from 1, versions from 1
 * per subject. Registering checks the subject's compatibility level (default BACKWARD) against the non-deleted
 * versions with {@link CompatibilityChecker}. Deletes are soft first; {@code permanent=true} only after a soft
 * delete. Mode READONLY rejects writes with 42205. Errors carry the registry's error codes.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {

    private static final Map<String, InMemorySchemaRegistry> SCOPES = new ConcurrentHashMap<>();
    private static final Set<String> MODES = Set.of("READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT");

    private final String scope;
    private final Map<String, Integer> idByCanonical = new HashMap<>();
    private final Map<Integer, Schema> schemaById = new HashMap<>();
    private final Map<String, TreeMap<Integer, Entry>> subjects = new LinkedHashMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private final Map<String, String> subjectModes = new HashMap<>();
    private CompatibilityLevel globalLevel = CompatibilityLevel.BACKWARD;
    private String globalMode = "READWRITE";
    private int nextId = 1;

    /** One version of a subject. */
    private static final class Entry {
        final int id;
        boolean deleted;

        Entry(int id) {
            this.id = id;
        }
    }

    /** A fresh registry not shared through any scope. */
    public InMemorySchemaRegistry() {
        this("(unscoped)");
    }

    private InMemorySchemaRegistry(String scope) {
        this.scope = scope;
    }

    /** The instance shared by every {@code mock://<scope>} user, created on first use. */
    public static InMemorySchemaRegistry forScope(String scope) {
        return SCOPES.computeIfAbsent(scope, InMemorySchemaRegistry::new);
    }

    /** Forgets a scope: the next {@link #forScope} with that name starts empty. */
    public static void drop(String scope) {
        SCOPES.remove(scope);
    }

    /** The scope this instance was created for. */
    public String scope() {
        return scope;
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        String canonical = canonical(schema);
        TreeMap<Integer, Entry> versions = subjects.get(subject);
        if (versions != null) {
            for (Entry e : versions.values()) {
                if (!e.deleted && canonical(schemaById.get(e.id)).equals(canonical)) {
                    return e.id;
                }
            }
        }
        String mode = effectiveMode(subject);
        if (mode.startsWith("READONLY")) {
            throw RegistryException.of(ErrorCode.OPERATION_NOT_PERMITTED,
                    "Subject " + subject + " is in read-only mode");
        }
        List<String> problems = CompatibilityChecker.incompatibilities(effectiveLevel(subject), schema, live(subject));
        if (!problems.isEmpty()) {
            throw RegistryException.of(ErrorCode.INCOMPATIBLE_SCHEMA,
                    "Schema being registered is incompatible with an earlier schema for subject \"" + subject
                            + "\", details: " + problems);
        }
        int id = idByCanonical.computeIfAbsent(canonical, c -> {
            schemaById.put(nextId, schema);
            return nextId++;
        });
        TreeMap<Integer, Entry> target = subjects.computeIfAbsent(subject, s -> new TreeMap<>());
        int version = target.isEmpty() ? 1 : target.lastKey() + 1;
        target.put(version, new Entry(id));
        return id;
    }

    @Override
    public synchronized SchemaVersion lookup(String subject, Schema schema) {
        TreeMap<Integer, Entry> versions = liveSubject(subject);
        String canonical = canonical(schema);
        for (Map.Entry<Integer, Entry> e : versions.entrySet()) {
            if (!e.getValue().deleted && canonical(schemaById.get(e.getValue().id)).equals(canonical)) {
                return new SchemaVersion(subject, e.getKey(), e.getValue().id, schemaById.get(e.getValue().id));
            }
        }
        throw RegistryException.of(ErrorCode.SCHEMA_NOT_FOUND, "Schema not found");
    }

    @Override
    public synchronized Schema getById(int id) {
        Schema schema = schemaById.get(id);
        if (schema == null) {
            throw RegistryException.of(ErrorCode.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return schema;
    }

    @Override
    public synchronized List<String> subjects() {
        List<String> out = new ArrayList<>();
        subjects.forEach((s, v) -> {
            if (v.values().stream().anyMatch(e -> !e.deleted)) {
                out.add(s);
            }
        });
        return out;
    }

    @Override
    public synchronized List<Integer> versions(String subject) {
        List<Integer> out = new ArrayList<>();
        liveSubject(subject).forEach((v, e) -> {
            if (!e.deleted) {
                out.add(v);
            }
        });
        return out;
    }

    @Override
    public synchronized SchemaVersion version(String subject, String versionOrLatest) {
        TreeMap<Integer, Entry> versions = liveSubject(subject);
        int v = resolveVersion(versions, subject, versionOrLatest);
        Entry e = versions.get(v);
        return new SchemaVersion(subject, v, e.id, schemaById.get(e.id));
    }

    @Override
    public synchronized CompatibilityResult testCompatibility(String subject, String versionOrLatest, Schema schema) {
        SchemaVersion against = version(subject, versionOrLatest);
        CompatibilityLevel level = effectiveLevel(subject);
        // Against "latest" a transitive level checks every live version, as a registration would.
        List<Schema> previous = LATEST.equalsIgnoreCase(versionOrLatest) ? live(subject) : List.of(against.schema());
        List<String> problems = CompatibilityChecker.incompatibilities(level, schema, previous);
        return new CompatibilityResult(problems.isEmpty(), problems);
    }

    @Override
    public synchronized String getCompatibility(String subjectOrNull) {
        return (subjectOrNull == null ? globalLevel : effectiveLevel(subjectOrNull)).name();
    }

    @Override
    public synchronized void setCompatibility(String subjectOrNull, String level) {
        CompatibilityLevel parsed;
        try {
            parsed = CompatibilityLevel.parse(level);
        } catch (IllegalArgumentException e) {
            throw RegistryException.of(ErrorCode.INVALID_COMPATIBILITY_LEVEL,
                    "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive,"
                            + " forward_transitive, and full_transitive");
        }
        if (subjectOrNull == null) {
            globalLevel = parsed;
        } else {
            subjectLevels.put(subjectOrNull, parsed);
        }
    }

    @Override
    public synchronized void deleteCompatibility(String subject) {
        if (subject == null) {
            globalLevel = CompatibilityLevel.BACKWARD;
            return;
        }
        if (subjectLevels.remove(subject) == null) {
            throw RegistryException.of(ErrorCode.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        }
    }

    @Override
    public synchronized String getMode(String subjectOrNull) {
        return subjectOrNull == null ? globalMode : effectiveMode(subjectOrNull);
    }

    @Override
    public synchronized void setMode(String subjectOrNull, String mode) {
        String upper = mode == null ? "" : mode.trim().toUpperCase(Locale.ROOT);
        if (!MODES.contains(upper)) {
            throw RegistryException.of(ErrorCode.INVALID_MODE,
                    "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, IMPORT.");
        }
        if (subjectOrNull == null) {
            globalMode = upper;
        } else {
            subjectModes.put(subjectOrNull, upper);
        }
    }

    @Override
    public synchronized List<Integer> deleteSubject(String subject, boolean permanent) {
        TreeMap<Integer, Entry> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw RegistryException.of(ErrorCode.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        }
        boolean allDeleted = versions.values().stream().allMatch(e -> e.deleted);
        List<Integer> out = new ArrayList<>();
        if (permanent) {
            if (!allDeleted) {
                throw RegistryException.of(ErrorCode.SUBJECT_NOT_SOFT_DELETED, "Subject '" + subject
                        + "' was not deleted first before being permanently deleted");
            }
            out.addAll(versions.keySet());
            subjects.remove(subject);
            subjectLevels.remove(subject);
            subjectModes.remove(subject);
            return out;
        }
        if (allDeleted) {
            throw RegistryException.of(ErrorCode.SUBJECT_SOFT_DELETED, "Subject '" + subject
                    + "' was soft deleted.Set permanent=true to delete permanently");
        }
        versions.forEach((v, e) -> {
            if (!e.deleted) {
                e.deleted = true;
                out.add(v);
            }
        });
        return out;
    }

    @Override
    public synchronized int deleteVersion(String subject, String versionOrLatest, boolean permanent) {
        TreeMap<Integer, Entry> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw RegistryException.of(ErrorCode.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        }
        int v;
        if (LATEST.equalsIgnoreCase(versionOrLatest)) {
            v = resolveVersion(versions, subject, versionOrLatest);
        } else {
            v = parseVersion(versionOrLatest);
            if (!versions.containsKey(v)) {
                throw RegistryException.of(ErrorCode.VERSION_NOT_FOUND, "Version " + v + " not found.");
            }
        }
        Entry e = versions.get(v);
        if (permanent) {
            if (!e.deleted) {
                throw RegistryException.of(ErrorCode.VERSION_NOT_SOFT_DELETED, "Subject '" + subject + "' Version "
                        + v + " was not deleted first before being permanently deleted");
            }
            versions.remove(v);
            if (versions.isEmpty()) {
                subjects.remove(subject);
            }
            return v;
        }
        if (e.deleted) {
            throw RegistryException.of(ErrorCode.VERSION_SOFT_DELETED, "Subject '" + subject + "' Version " + v
                    + " was soft deleted.Set permanent=true to delete permanently");
        }
        e.deleted = true;
        return v;
    }

    // ---------------------------------------------------------------- helpers

    private static String canonical(Schema schema) {
        // Re-parsing normalises whitespace and attribute order; toString keeps defaults, docs and
        // properties, which matter for resolution, so schemas differing in them get different ids.
        return new Schema.Parser().parse(schema.toString()).toString();
    }

    private TreeMap<Integer, Entry> liveSubject(String subject) {
        TreeMap<Integer, Entry> versions = subjects.get(subject);
        if (versions == null || versions.values().stream().allMatch(e -> e.deleted)) {
            throw RegistryException.of(ErrorCode.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        }
        return versions;
    }

    /** The subject's non-deleted schemas, oldest first. */
    private List<Schema> live(String subject) {
        List<Schema> out = new ArrayList<>();
        TreeMap<Integer, Entry> versions = subjects.get(subject);
        if (versions != null) {
            versions.values().stream().filter(e -> !e.deleted).forEach(e -> out.add(schemaById.get(e.id)));
        }
        return out;
    }

    private static int resolveVersion(TreeMap<Integer, Entry> versions, String subject, String versionOrLatest) {
        if (LATEST.equalsIgnoreCase(versionOrLatest) || "-1".equals(versionOrLatest)) {
            for (Integer v : versions.descendingKeySet()) {
                if (!versions.get(v).deleted) {
                    return v;
                }
            }
            throw RegistryException.of(ErrorCode.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        }
        int v = parseVersion(versionOrLatest);
        Entry e = versions.get(v);
        if (e == null || e.deleted) {
            throw RegistryException.of(ErrorCode.VERSION_NOT_FOUND, "Version " + v + " not found.");
        }
        return v;
    }

    private static int parseVersion(String text) {
        try {
            int v = Integer.parseInt(text);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw RegistryException.of(ErrorCode.INVALID_VERSION, "The specified version '" + text
                + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    private CompatibilityLevel effectiveLevel(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    private String effectiveMode(String subject) {
        return subjectModes.getOrDefault(subject, globalMode);
    }
}
