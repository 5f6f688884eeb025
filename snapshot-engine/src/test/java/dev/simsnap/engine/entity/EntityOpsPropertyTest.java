package dev.simsnap.engine.entity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.model.item.ItemCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.avro.Schema;

/**
 * A random sequence of UPSERT / PATCH / APPEND / DELETE changes, in either of two schema versions, applied with
 * {@link EntityOps} ends in the same entities, and refuses the same changes for the same reasons, as the same sequence
 * applied to a plain-Java reference model (Maps and Lists, below) that shares no code with EntityOps.
 */
class EntityOpsPropertyTest {

    // ---------------------------------------------------------------- the changes, as plain data

    sealed interface Op permits Upsert, Patch, Append, Delete {
    }

    record Upsert(int version, Map<String, Object> item) implements Op {
    }

    record Patch(int version, List<String> paths, List<Object> values) implements Op {
    }

    record Append(int version, String path, List<Object> items) implements Op {
    }

    record Delete() implements Op {
    }

    // ---------------------------------------------------------------- the property

    @Property(tries = 400)
    void entityOpsAgreesWithAPlainJavaModel(@ForAll("sequences") List<Op> sequence) {
        Fixtures fx = new Fixtures();
        EntityOps ops = new EntityOps(SchemaLookup.cached(fx.registry));
        dev.simsnap.snapshot.delta.ItemStore items = new dev.simsnap.snapshot.delta.ItemStore(
                dev.simsnap.snapshot.delta.DeltaLog.Kv.of(new java.util.TreeMap<>()),
                dev.simsnap.snapshot.delta.DeltaLog.Kv.of(new java.util.TreeMap<>()), SchemaLookup.cached(fx.registry));
        Reference ref = new Reference();
        StoredEntity stored = null;
        for (Op op : sequence) {
            String expectedRejection = ref.apply(op);
            String rejection = null;
            try {
                EntityOps.Applied applied = ops.applyDecoded(stored, change(fx, op));
                stored = applied == null ? null : applied.entity();
                if (applied != null) {
                    // The value the change kept renders as the stored bytes do (current-state records use it).
                    assertThat(dev.simsnap.snapshot.delta.ItemStore.valueJson(applied.value())).as("JSON after %s", op)
                            .isEqualTo(items.json(StoredEntity.fromBytes(stored.toBytes())));
                }
            } catch (RejectedChange e) {
                rejection = e.code();
            }
            assertThat(rejection).as("rejection of %s", op).isEqualTo(expectedRejection);
            if (ref.entity == null) {
                assertThat(stored).as("after %s", op).isNull();
            } else {
                assertThat(stored).as("after %s", op).isNotNull();
                assertThat(stored.schemaId()).as("schema id after %s", op).isEqualTo(fx.id(ref.version));
                // Through the store format too: what a store would hold decodes to the same entity.
                assertThat(fx.plain(StoredEntity.fromBytes(stored.toBytes()))).as("after %s", op)
                        .isEqualTo(ref.entity);
            }
        }
    }

    /** The delta a worker would send for {@code op}, encoded with the contract's codec. */
    static Change change(Fixtures fx, Op op) {
        if (op instanceof Upsert u) {
            return Change.upsert(fx.id(u.version()), fx.upsertBody(u.version(), u.item()));
        }
        if (op instanceof Patch p) {
            Schema writer = fx.schema(p.version());
            List<Object> values = new ArrayList<>();
            for (int i = 0; i < p.paths().size(); i++) {
                values.add(Fixtures.toAvro(ItemCodec.pathSchema(writer, p.paths().get(i)), p.values().get(i)));
            }
            return Change.patch(fx.id(p.version()), p.paths(), ItemCodec.encodePatch(writer, p.paths(), values));
        }
        if (op instanceof Append a) {
            return Change.append(fx.id(a.version()), a.path(),
                    ItemCodec.encodeAppend(fx.schema(a.version()), a.path(), a.items()));
        }
        return Change.delete();
    }

    // ---------------------------------------------------------------- the reference model

    /** One entity as nested LinkedHashMaps / ArrayLists, and the schema version it is in. */
    static final class Reference {
        Map<String, Object> entity;
        int version;

        /** Applies {@code op}; returns the rejection code, or null when applied. */
        @SuppressWarnings("unchecked")
        String apply(Op op) {
            if (op instanceof Upsert u) {
                entity = (Map<String, Object>) copy(u.item());
                version = u.version();
                return null;
            }
            if (op instanceof Delete) {
                if (entity == null) {
                    return "delete-missing-entity";
                }
                entity = null;
                return null;
            }
            int changeVersion = op instanceof Patch p ? p.version() : ((Append) op).version();
            if (entity == null) {
                return op instanceof Patch ? "patch-missing-entity" : "append-missing-entity";
            }
            if (version == 2 && changeVersion == 1) {
                return "schema-not-resolvable"; // v2's ["long","double"] age has no v1 reading
            }
            if (version == 1 && changeVersion == 2) {
                entity.put("nickname", null); // v2's new field takes its default
                version = 2;
            }
            if (op instanceof Patch p) {
                for (int i = 0; i < p.paths().size(); i++) {
                    String[] steps = p.paths().get(i).split("\\.");
                    Map<String, Object> container = entity;
                    for (int s = 0; s < steps.length - 1; s++) {
                        Object child = container.get(steps[s]);
                        if (child == null) {
                            // Only book.<key> can be missing: a Line from its defaults.
                            child = new LinkedHashMap<>(Map.of("qty", 0L, "px", 0.0));
                            container.put(steps[s], child);
                        }
                        container = (Map<String, Object>) child;
                    }
                    container.put(steps[steps.length - 1], copy(p.values().get(i)));
                }
            } else {
                Append a = (Append) op;
                List<Object> list = (List<Object>) entity.get(a.path());
                if (list == null) {
                    list = new ArrayList<>();
                    entity.put(a.path(), list);
                }
                list.addAll(a.items());
            }
            return null;
        }

        @SuppressWarnings("unchecked")
        static Object copy(Object v) {
            if (v instanceof Map<?, ?> m) {
                Map<String, Object> out = new LinkedHashMap<>();
                ((Map<String, Object>) m).forEach((k, x) -> out.put(k, copy(x)));
                return out;
            }
            if (v instanceof List<?> l) {
                List<Object> out = new ArrayList<>();
                l.forEach(x -> out.add(copy(x)));
                return out;
            }
            return v;
        }
    }

    // ---------------------------------------------------------------- generators

    @Provide
    Arbitrary<List<Op>> sequences() {
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                Tuple.of(2, versions().flatMap(v -> item(v).map(i -> (Op) new Upsert(v, i)))),
                Tuple.of(5, versions().flatMap(this::patch)),
                Tuple.of(3, versions().flatMap(this::append)),
                Tuple.of(1, Arbitraries.just(new Delete())));
        return op.list().ofMinSize(1).ofMaxSize(25);
    }

    static Arbitrary<Integer> versions() {
        return Arbitraries.of(1, 2);
    }

    static Arbitrary<String> strings() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars('é', ' ', '€').ofMaxLength(6);
    }

    static Arbitrary<Double> doubles() {
        return Arbitraries.doubles().between(-1e6, 1e6).withSpecialValue(Double.NaN).withSpecialValue(-0.0);
    }

    static Arbitrary<Object> age(int version) {
        Arbitrary<Object> longs = Arbitraries.longs().map(l -> (Object) l);
        return version == 1 ? longs : Arbitraries.oneOf(longs, doubles().map(d -> (Object) d));
    }

    static Arbitrary<Object> walletValue() {
        return Arbitraries.oneOf(Arbitraries.longs().map(l -> (Object) l), doubles().map(d -> (Object) d),
                strings().map(s -> (Object) s));
    }

    static Arbitrary<Object> identity() {
        return Combinators.combine(doubles(), strings().injectNull(0.4)).as((c, l) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cash", c);
            m.put("label", l);
            return (Object) m;
        });
    }

    static Arbitrary<Object> line() {
        return Combinators.combine(Arbitraries.longs(), doubles()).as((q, p) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("qty", q);
            m.put("px", p);
            return (Object) m;
        });
    }

    static Arbitrary<Object> wallet() {
        return Arbitraries.maps(Arbitraries.of("a", "b", "c"), walletValue()).ofMaxSize(3)
                .map(m -> (Object) new LinkedHashMap<>(m));
    }

    static Arbitrary<Object> book() {
        return Arbitraries.maps(Arbitraries.of("x", "y"), line()).ofMaxSize(2).map(m -> (Object) new LinkedHashMap<>(m));
    }

    static Arbitrary<Object> history() {
        return doubles().list().ofMaxSize(5).map(l -> (Object) new ArrayList<Object>(l));
    }

    static Arbitrary<Object> events() {
        return Arbitraries.longs().list().ofMaxSize(4).map(l -> (Object) new ArrayList<Object>(l)).injectNull(0.4);
    }

    static Arbitrary<Map<String, Object>> item(int version) {
        return Combinators.combine(List.of(strings().map(s -> (Object) s), age(version), identity(), wallet(), book(),
                history(), events(), strings().injectNull(0.5).map(s -> (Object) s))).as(parts -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    String[] names = {"name", "age", "identity", "wallet", "book", "history", "events", "nickname"};
                    for (int i = 0; i < (version == 1 ? 7 : 8); i++) {
                        m.put(names[i], parts.get(i));
                    }
                    return m;
                });
    }

    Arbitrary<Op> patch(int version) {
        List<Arbitrary<Tuple.Tuple2<String, Object>>> choices = new ArrayList<>(Arrays.asList(
                strings().map(s -> Tuple.of("name", (Object) s)),
                age(version).map(a -> Tuple.of("age", a)),
                doubles().map(d -> Tuple.of("identity.cash", (Object) d)),
                strings().injectNull(0.4).map(s -> Tuple.of("identity.label", (Object) s)),
                identity().map(i -> Tuple.of("identity", i)),
                Combinators.combine(Arbitraries.of("a", "b", "c"), walletValue()).as((k, v) -> Tuple.of("wallet." + k, v)),
                wallet().map(w -> Tuple.of("wallet", w)),
                Combinators.combine(Arbitraries.of("x", "y"), Arbitraries.longs())
                        .as((k, q) -> Tuple.of("book." + k + ".qty", (Object) q)),
                Combinators.combine(Arbitraries.of("x", "y"), doubles())
                        .as((k, p) -> Tuple.of("book." + k + ".px", (Object) p)),
                Combinators.combine(Arbitraries.of("x", "y"), line()).as((k, l) -> Tuple.of("book." + k, l)),
                book().map(b -> Tuple.of("book", b)),
                history().map(h -> Tuple.of("history", h)),
                events().map(e -> Tuple.of("events", e))));
        if (version == 2) {
            choices.add(strings().injectNull(0.4).map(s -> Tuple.of("nickname", (Object) s)));
        }
        return Arbitraries.oneOf(choices).list().ofMinSize(1).ofMaxSize(4).map(assignments -> {
            List<String> paths = new ArrayList<>();
            List<Object> values = new ArrayList<>();
            assignments.forEach(t -> {
                paths.add(t.get1());
                values.add(t.get2());
            });
            return new Patch(version, paths, values);
        });
    }

    Arbitrary<Op> append(int version) {
        return Arbitraries.oneOf(
                doubles().list().ofMaxSize(4).map(l -> (Op) new Append(version, "history", new ArrayList<>(l))),
                Arbitraries.longs().list().ofMaxSize(4).map(l -> (Op) new Append(version, "events", new ArrayList<>(l))));
    }
}
