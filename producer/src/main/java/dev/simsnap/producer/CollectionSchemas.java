package dev.simsnap.producer;

import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.Shape;
import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.registry.client.RegistryException;
import dev.simsnap.registry.client.SchemaRegistry;
import dev.simsnap.registry.client.SchemaVersion;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * A run's collections and their item schemas in the registry (subject {@code simsnap.kind.<kind>.<collection>}):
 * declaring a model's schemas, registering new versions, and finding the registered version (id) an item was
 * written with. Registers nothing implicitly: an item whose schema is neither a registered version nor a branch of
 * a registered union is refused. Thread-safe; caches each subject's versions until a miss or a registration.
 */
public final class CollectionSchemas {

    private static final Pattern LOCATION_FIELD = Pattern.compile("/fields/(\\d+)");
    private static final Pattern MISSING_DEFAULT = Pattern.compile("READER_FIELD_MISSING_DEFAULT at [^:]*: (\\S+)");

    /** The registered version an item is written with: its id, and the registered schema (the item's or a union). */
    public record Writer(int id, int version, Schema schema) {
    }

    private final SchemaRegistry registry;
    private final StateModel model;
    private final Map<String, List<SchemaVersion>> versions = new ConcurrentHashMap<>();
    /** Incremented by every {@link #register} through this instance (successful or not). */
    private final java.util.concurrent.atomic.AtomicLong registrations = new java.util.concurrent.atomic.AtomicLong();
    /** {@link #writerFor} answers by subject, then by the item's Schema instance; dropped with the versions. */
    private final Map<String, Map<Schema, Writer>> writers = new ConcurrentHashMap<>();
    /** Most Schema instances remembered per subject by {@link #writerFor}. */
    private static final int MAX_KNOWN_WRITERS = 256;
    /** The path schemas of {@link #pathSchema}, by writer schema then path. */
    private final Map<Schema, Map<String, Schema>> paths = new ConcurrentHashMap<>();
    /** Most paths remembered per writer schema (a map's keys may appear in paths without bound). */
    private static final int MAX_PATHS = 1024;
    /**
     * One Schema instance per registered schema id, whichever request parsed it: the caches keyed by schema
     * ({@link #pathSchema}, {@link #writerFor}'s) then find it by identity. Each {@link #recentLatest} refresh used to
     * bring a new instance, and looking it up compared it field by field with the cached one on every patch (16 % of
     * a worker's samples in a profiled bench run).
     */
    private final Map<Integer, Schema> canonical = new ConcurrentHashMap<>();
    /** The last {@link #latest} answer per collection (see {@link #recentLatest}). */
    private final Map<String, Recent> recent = new ConcurrentHashMap<>();

    /** How long a {@link #recentLatest} answer is reused. */
    static final long RECENT_NANOS = 1_000_000_000L;

    /** A {@link #latest} answer, the {@link #registrations} count and the time it was asked at. */
    private record Recent(Writer writer, long registrations, long askedAtNanos) {
    }

    public CollectionSchemas(SchemaRegistry registry, StateModel model) {
        this.registry = registry;
        this.model = model;
    }

    public StateModel model() {
        return model;
    }

    /** The collection; {@link IllegalArgumentException} naming the kind's collections when unknown. */
    public CollectionSpec spec(String collection) {
        return model.collection(collection).orElseThrow(() -> new IllegalArgumentException("field 'collection': unknown"
                + " collection '" + collection + "' (kind '" + model.kind() + "' has " + names() + ")"));
    }

    /** Subjects whose level this instance has made the model's (set or verified). */
    private final java.util.Set<String> levelled = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Sets (or verifies) the collection subject's compatibility level before anything is registered under it. */
    private void ensureLevel(CollectionSpec c) {
        if (levelled.add(c.subject())) {
            try {
                dev.simsnap.registry.client.SubjectLevels.ensure(registry, c.subject(), model.compatibility(c));
            } catch (RuntimeException e) {
                levelled.remove(c.subject());
                throw e;
            }
        }
    }

    private List<String> names() {
        List<String> out = new ArrayList<>();
        model.collections().forEach(c -> out.add(c.name()));
        return out;
    }

    /**
     * Before a run starts: sets every collection's subject to its compatibility level and registers the declared
     * schema versions in order.
     *
     * @throws SchemaEvolutionException when a declared version is refused by the subject's level
     */
    public void declare() {
        for (CollectionSpec c : model.collections()) {
            ensureLevel(c);
            for (Schema s : c.schemas()) {
                register(c.name(), s);
            }
        }
    }

    /**
     * Registers {@code schema} as a version of the collection's subject (the existing version when it holds it).
     *
     * @throws SchemaEvolutionException naming the subject, field(s) and versions when the level refuses it
     */
    public SchemaVersion register(String collection, Schema schema) {
        CollectionSpec spec = spec(collection);
        if (spec.shape() == Shape.KEYED) {
            // the key fields must be there in every version (same check as the descriptor's)
            CollectionSpec.of(model.kind(), spec.name(), spec.shape(), spec.key(), spec.order(), List.of(schema), null);
        }
        String subject = spec.subject();
        ensureLevel(spec);
        try {
            registry.register(subject, schema);
        } catch (RegistryException.IncompatibleSchema e) {
            int latest = latestVersionNumber(subject);
            throw new SchemaEvolutionException(subject, fieldsNamed(e.registryMessage(), schema), latest,
                    e.registryMessage());
        } finally {
            forget(subject);
            registrations.incrementAndGet();
        }
        return registry.lookup(subject, schema);
    }

    /**
     * How many registrations went through this instance so far: a {@link #latest} answer kept by a caller is
     * stale once this changes.
     */
    public long registrations() {
        return registrations.get();
    }

    private int latestVersionNumber(String subject) {
        try {
            List<Integer> vs = registry.versions(subject);
            return vs.isEmpty() ? 0 : vs.get(vs.size() - 1);
        } catch (RegistryException.NotFound e) {
            return 0;
        }
    }

    /** Field names an Avro compatibility report names (by location in the new schema, or by missing default). */
    static List<String> fieldsNamed(String message, Schema candidate) {
        Set<String> out = new LinkedHashSet<>();
        if (message == null) {
            return List.of();
        }
        Matcher m = MISSING_DEFAULT.matcher(message);
        while (m.find()) {
            out.add(m.group(1).replaceAll("[\\],]+$", ""));
        }
        // "... at /fields/3/type/fields/1 ..." walked in the candidate (the reader of a BACKWARD check)
        for (String part : message.split(" at ")) {
            int end = part.indexOf(':');
            String location = end < 0 ? part : part.substring(0, end);
            if (!location.startsWith("/")) {
                continue;
            }
            String name = walk(candidate, location);
            if (name != null) {
                out.add(name);
            }
        }
        return List.copyOf(out);
    }

    private static String walk(Schema schema, String location) {
        Matcher m = LOCATION_FIELD.matcher(location);
        Schema current = schema;
        StringBuilder path = new StringBuilder();
        while (m.find()) {
            Schema record = current;
            if (record.getType() == Schema.Type.UNION) {
                record = record.getTypes().stream().filter(t -> t.getType() == Schema.Type.RECORD).findFirst()
                        .orElse(null);
            }
            if (record == null || record.getType() != Schema.Type.RECORD) {
                break;
            }
            int index = Integer.parseInt(m.group(1));
            if (index >= record.getFields().size()) {
                break;
            }
            Schema.Field f = record.getFields().get(index);
            if (path.length() > 0) {
                path.append('.');
            }
            path.append(f.name());
            current = f.schema();
        }
        return path.length() == 0 ? null : path.toString();
    }

    /**
     * {@link ItemCodec#pathSchema} of {@code path} in {@code writer}, remembered per writer schema (a registered
     * version never changes): a worker patching the same fields of many items resolved each path afresh.
     *
     * @throws IllegalArgumentException when the path does not resolve (not remembered)
     */
    public Schema pathSchema(Schema writer, String path) {
        Map<String, Schema> byPath = paths.computeIfAbsent(writer, w -> new ConcurrentHashMap<>());
        Schema s = byPath.get(path);
        if (s == null) {
            s = ItemCodec.pathSchema(writer, path);
            if (byPath.size() < MAX_PATHS) {
                byPath.put(path, s);
            }
        }
        return s;
    }

    /**
     * The collection's latest registered version as the registry answered it at most {@link #RECENT_NANOS} (1 s)
     * ago, and since no registration went through this instance: a worker writing hundreds of steps a second asked
     * the registry once per step and collection, a round trip that cost it more than encoding the step. A version
     * another process registers is thus used from this worker's first step that begins up to 1 s later; which
     * version a concurrent registration reaches was already a race.
     *
     * @throws IllegalArgumentException when the collection has none
     */
    public Writer recentLatest(String collection) {
        long count = registrations.get();
        long now = System.nanoTime();
        Recent r = recent.get(collection);
        if (r != null && r.registrations() == count && now - r.askedAtNanos() < RECENT_NANOS) {
            return r.writer();
        }
        Writer w = latest(collection);
        recent.put(collection, new Recent(w, count, now));
        return w;
    }

    /**
     * The collection's latest registered version.
     *
     * @throws IllegalArgumentException when the collection has none
     */
    public Writer latest(String collection) {
        CollectionSpec spec = spec(collection);
        String subject = spec.subject();
        SchemaVersion v;
        try {
            v = registry.version(subject, "latest"); // one request (the highest live version), not 1 + versions
        } catch (RegistryException.NotFound e) {
            forget(subject);
            throw new IllegalArgumentException("collection '" + collection + "' has no registered schema (subject "
                    + subject + ")");
        }
        // As a full re-read would: the cached versions stay only while their newest is still the latest.
        List<SchemaVersion> cached = versions.get(subject);
        if (cached == null || cached.isEmpty() || cached.get(cached.size() - 1).version() != v.version()
                || cached.get(cached.size() - 1).id() != v.id()) {
            forget(subject);
        }
        return new Writer(v.id(), v.version(), canonical(v));
    }

    /** {@code v}'s schema as the instance kept for its id (registered ids never change content; checked anyway). */
    private Schema canonical(SchemaVersion v) {
        Schema known = canonical.get(v.id());
        if (known == v.schema() || (known != null && known.equals(v.schema()))) {
            return known;
        }
        canonical.put(v.id(), v.schema());
        return v.schema();
    }

    /**
     * The registered version {@code itemSchema} is written with: the newest version equal to it, else the newest
     * registered union that has it as a branch.
     *
     * @throws IllegalArgumentException when it is neither (nothing is registered implicitly)
     */
    public Writer writerFor(String collection, Schema itemSchema) {
        CollectionSpec spec = spec(collection);
        // The answer for this very Schema instance, while the versions it was found in are cached: finding it
        // compares the schema with each version (equal ones field by field), for every item written.
        Map<Schema, Writer> known = writers.computeIfAbsent(spec.subject(),
                s -> java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>()));
        Writer w = known.get(itemSchema);
        if (w != null) {
            return w;
        }
        w = find(versions(spec.subject(), false), itemSchema);
        if (w == null) {
            w = find(versions(spec.subject(), true), itemSchema);
        }
        if (w != null && known.size() < MAX_KNOWN_WRITERS && writers.get(spec.subject()) == known) {
            known.put(itemSchema, w);
        }
        if (w == null) {
            throw new IllegalArgumentException("collection '" + collection + "': the item's schema "
                    + itemSchema.getFullName() + " is not a registered version of subject " + spec.subject()
                    + " nor a branch of one; register it first (registerSchema)");
        }
        return w;
    }

    /** The registered version with schema id {@code id} in the collection's subject. */
    public Writer byId(String collection, int id) {
        CollectionSpec spec = spec(collection);
        for (boolean fresh : new boolean[] {false, true}) {
            for (SchemaVersion v : versions(spec.subject(), fresh)) {
                if (v.id() == id) {
                    return new Writer(v.id(), v.version(), v.schema());
                }
            }
        }
        throw new IllegalArgumentException("field 'schema_id': schema id " + id + " is not a version of subject "
                + spec.subject());
    }

    private static Writer find(List<SchemaVersion> vs, Schema itemSchema) {
        for (int i = vs.size() - 1; i >= 0; i--) {
            if (vs.get(i).schema().equals(itemSchema)) {
                return new Writer(vs.get(i).id(), vs.get(i).version(), vs.get(i).schema());
            }
        }
        for (int i = vs.size() - 1; i >= 0; i--) {
            Schema s = vs.get(i).schema();
            if (s.getType() == Schema.Type.UNION && s.getTypes().contains(itemSchema)) {
                return new Writer(vs.get(i).id(), vs.get(i).version(), s);
            }
        }
        return null;
    }

    /** Drops what is cached of {@code subject}'s versions (read again when next needed). */
    private void forget(String subject) {
        versions.remove(subject);
        writers.remove(subject);
    }

    private List<SchemaVersion> versions(String subject, boolean fresh) {
        if (fresh) {
            forget(subject);
        }
        return versions.computeIfAbsent(subject, s -> {
            List<SchemaVersion> out = new ArrayList<>();
            List<Integer> numbers;
            try {
                numbers = registry.versions(s);
            } catch (RegistryException.NotFound e) {
                return List.of();
            }
            for (int n : numbers) {
                SchemaVersion v = registry.version(s, String.valueOf(n));
                out.add(new SchemaVersion(v.subject(), v.version(), v.id(), canonical(v)));
            }
            return List.copyOf(out);
        });
    }
}
