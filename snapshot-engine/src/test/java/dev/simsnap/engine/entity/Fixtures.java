package dev.simsnap.engine.entity;

import dev.simsnap.registry.client.InMemorySchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Test schemas (two versions of one item, and an item whose identity is a map), a registry holding them, and
 * plain-Java conversions written independently of EntityOps: Avro values to Maps/Lists/String/Long/Double and back.
 */
final class Fixtures {

    private static final String LINE = """
            {"type": "record", "name": "Line", "fields": [
              {"name": "qty", "type": "long", "default": 0},
              {"name": "px", "type": "double", "default": 0.0}]}""";

    /** v1: identity is a record; wallet a map of a union; book a map of records; two arrays. */
    static final Schema V1 = new Schema.Parser().parse("""
            {"type": "record", "name": "Person", "namespace": "t", "fields": [
              {"name": "name", "type": "string"},
              {"name": "age", "type": "long"},
              {"name": "identity", "type": {"type": "record", "name": "Identity", "fields": [
                {"name": "cash", "type": "double"},
                {"name": "label", "type": ["null", "string"], "default": null}]}},
              {"name": "wallet", "type": {"type": "map", "values": ["long", "double", "string"]}},
              {"name": "book", "type": {"type": "map", "values": %s}},
              {"name": "history", "type": {"type": "array", "items": "double"}},
              {"name": "events", "type": ["null", {"type": "array", "items": "long"}], "default": null}
            ]}""".formatted(LINE));

    /** v2: adds an optional field and widens age from long to ["long", "double"]. */
    static final Schema V2 = new Schema.Parser().parse("""
            {"type": "record", "name": "Person", "namespace": "t", "fields": [
              {"name": "name", "type": "string"},
              {"name": "age", "type": ["long", "double"]},
              {"name": "identity", "type": {"type": "record", "name": "Identity", "fields": [
                {"name": "cash", "type": "double"},
                {"name": "label", "type": ["null", "string"], "default": null}]}},
              {"name": "wallet", "type": {"type": "map", "values": ["long", "double", "string"]}},
              {"name": "book", "type": {"type": "map", "values": %s}},
              {"name": "history", "type": {"type": "array", "items": "double"}},
              {"name": "events", "type": ["null", {"type": "array", "items": "long"}], "default": null},
              {"name": "nickname", "type": ["null", "string"], "default": null}
            ]}""".formatted(LINE));

    /** identity as a map of a union. */
    static final Schema MAPPED = new Schema.Parser().parse("""
            {"type": "record", "name": "MappedPerson", "namespace": "t", "fields": [
              {"name": "name", "type": "string"},
              {"name": "identity", "type": {"type": "map", "values": ["long", "double", "string"]}}
            ]}""");

    static final String SUBJECT = "simsnap.kind.test.persons";

    final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    final int v1;
    final int v2;
    final int mapped;

    Fixtures() {
        v1 = registry.register(SUBJECT, V1);
        v2 = registry.register(SUBJECT, V2);
        mapped = registry.register("simsnap.kind.test.mapped", MAPPED);
    }

    Schema schema(int version) {
        return version == 1 ? V1 : V2;
    }

    int id(int version) {
        return version == 1 ? v1 : v2;
    }

    /** A v1/v2 item as plain Java. */
    static Map<String, Object> person(int version, String name, Object age, double cash) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", name);
        p.put("age", age);
        Map<String, Object> identity = new LinkedHashMap<>();
        identity.put("cash", cash);
        identity.put("label", null);
        p.put("identity", identity);
        p.put("wallet", new LinkedHashMap<>());
        p.put("book", new LinkedHashMap<>());
        p.put("history", new ArrayList<>());
        p.put("events", null);
        if (version == 2) {
            p.put("nickname", null);
        }
        return p;
    }

    // ---------------------------------------------------------------- plain Java <-> Avro

    /** Plain Java to an Avro datum of {@code schema} (records from Maps by field name). */
    @SuppressWarnings("unchecked")
    static Object toAvro(Schema schema, Object plain) {
        switch (schema.getType()) {
            case RECORD: {
                Map<String, Object> m = (Map<String, Object>) plain;
                GenericData.Record r = new GenericData.Record(schema);
                for (Schema.Field f : schema.getFields()) {
                    r.put(f.pos(), toAvro(f.schema(), m.get(f.name())));
                }
                return r;
            }
            case MAP: {
                Map<String, Object> out = new LinkedHashMap<>();
                ((Map<String, Object>) plain).forEach((k, v) -> out.put(k, toAvro(schema.getValueType(), v)));
                return out;
            }
            case ARRAY: {
                List<Object> out = new ArrayList<>();
                for (Object o : (List<Object>) plain) {
                    out.add(toAvro(schema.getElementType(), o));
                }
                return out;
            }
            case UNION: {
                if (plain == null) {
                    return null;
                }
                for (Schema branch : schema.getTypes()) {
                    Schema.Type t = branch.getType();
                    boolean fits = t == Schema.Type.LONG && plain instanceof Long
                            || t == Schema.Type.DOUBLE && plain instanceof Double
                            || t == Schema.Type.STRING && plain instanceof String
                            || t == Schema.Type.ARRAY && plain instanceof List
                            || (t == Schema.Type.MAP || t == Schema.Type.RECORD) && plain instanceof Map;
                    if (fits) {
                        return toAvro(branch, plain);
                    }
                }
                throw new IllegalArgumentException("no branch of " + schema + " for " + plain);
            }
            default:
                return plain;
        }
    }

    /** An Avro datum to plain Java: records and maps to LinkedHashMaps, arrays to ArrayLists, Utf8 to String. */
    static Object toPlain(Object avro) {
        if (avro instanceof GenericRecord r) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Schema.Field f : r.getSchema().getFields()) {
                m.put(f.name(), toPlain(r.get(f.pos())));
            }
            return m;
        }
        if (avro instanceof Map<?, ?> map) {
            Map<String, Object> m = new LinkedHashMap<>();
            map.forEach((k, v) -> m.put(k.toString(), toPlain(v)));
            return m;
        }
        if (avro instanceof List<?> list) {
            List<Object> l = new ArrayList<>(list.size());
            for (Object o : list) {
                l.add(toPlain(o));
            }
            return l;
        }
        if (avro instanceof Utf8 || avro instanceof CharSequence) {
            return avro.toString();
        }
        return avro;
    }

    static byte[] encode(Schema schema, Object datum) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<Object>(schema).write(datum, enc);
            enc.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static GenericRecord decode(Schema schema, byte[] body) {
        try {
            return (GenericRecord) new GenericDatumReader<Object>(schema).read(null,
                    DecoderFactory.get().binaryDecoder(body, null));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The stored entity decoded with its own schema, as plain Java. */
    @SuppressWarnings("unchecked")
    Map<String, Object> plain(StoredEntity e) {
        return (Map<String, Object>) toPlain(decode(registry.getById(e.schemaId()), e.body()));
    }

    /** An UPSERT body of a plain item. */
    byte[] upsertBody(int version, Map<String, Object> item) {
        Schema s = schema(version);
        return encode(s, toAvro(s, item));
    }
}
