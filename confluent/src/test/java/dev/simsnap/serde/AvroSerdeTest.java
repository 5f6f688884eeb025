package dev.simsnap.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simsnap.registry.client.InMemorySchemaRegistry;
import dev.simsnap.registry.client.SchemaRegistries;
import dev.simsnap.registry.client.SchemaRegistry;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.RunEnded;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.schema.run.RunStatus;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

    private static final String DELTAS = Contracts.DELTAS_TOPIC;
    private static final String GENERATIONS = Contracts.GENERATIONS_TOPIC;

    private String scope;
    private Map<String, Object> config;
    private AvroSerde<SpecificRecord> serde;

    @BeforeEach
    void setUp() {
        scope = "serde-test-" + UUID.randomUUID();
        config = new HashMap<>(Map.of("schema.registry.url", "mock://" + scope));
        serde = AvroSerdes.specific(config, false);
    }

    @AfterEach
    void tearDown() {
        serde.close();
        InMemorySchemaRegistry.drop(scope);
    }

    private SchemaRegistry registry() {
        return SchemaRegistries.fromConfig(config);
    }

    private SpecificRecord roundTrip(String topic, SpecificRecord record) {
        byte[] bytes = serde.serializer().serialize(topic, record);
        return serde.deserializer().deserialize(topic, bytes);
    }

    @Test
    void everyContractRecordRoundTripsThroughTheMockRegistry() {
        List<SpecificRecord> deltasTopic = new ArrayList<>();
        deltasTopic.add(Fixtures.runStarted());
        deltasTopic.add(RunStarted.newBuilder(Fixtures.runStarted()).setForkedFrom(null).build());
        deltasTopic.addAll(Fixtures.deltasForEveryPayloadBranch());
        deltasTopic.add(Fixtures.iterationCommitted());
        deltasTopic.add(Fixtures.runEnded());
        for (SpecificRecord record : deltasTopic) {
            SpecificRecord back = roundTrip(DELTAS, record);
            assertThat(back).isInstanceOf(record.getClass()).isEqualTo(record);
        }
        for (SpecificRecord record : List.<SpecificRecord>of(Fixtures.generationChunk(),
                Fixtures.generationSealed(true), Fixtures.generationSealed(false))) {
            assertThat(roundTrip(GENERATIONS, record)).isInstanceOf(record.getClass()).isEqualTo(record);
        }
        // String fields come back as java.lang.String (the generated classes' stringType), not Utf8.
        StateDelta delta = (StateDelta) roundTrip(DELTAS, Fixtures.deltasForEveryPayloadBranch().get(0));
        assertThat(delta.getRunId()).isInstanceOf(String.class);

        // topic_record is the default: one subject per record type per topic, same id for the same schema.
        assertThat(registry().subjects()).containsExactlyInAnyOrder(
                DELTAS + "-dev.simsnap.schema.run.RunStarted",
                DELTAS + "-dev.simsnap.schema.delta.StateDelta",
                DELTAS + "-dev.simsnap.schema.run.IterationCommitted",
                DELTAS + "-dev.simsnap.schema.run.RunEnded",
                GENERATIONS + "-dev.simsnap.schema.generation.GenerationChunk",
                GENERATIONS + "-dev.simsnap.schema.generation.GenerationSealed");
        assertThat(registry().versions(Contracts.subject(DELTAS, StateDelta.getClassSchema()))).containsExactly(1);
    }

    @Test
    void framingIsMagicZeroThenBigEndianIdThenPlainAvroBinary() throws Exception {
        RunEnded record = Fixtures.runEnded();
        byte[] bytes = serde.serializer().serialize(DELTAS, record);

        int id = registry().version(Contracts.subject(DELTAS, RunEnded.getClassSchema()), "latest").id();
        assertThat(bytes[0]).isEqualTo((byte) 0);
        assertThat(Arrays.copyOfRange(bytes, 1, 5))
                .containsExactly((byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id);
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);

        ByteArrayOutputStream body = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(body, null);
        new SpecificDatumWriter<RunEnded>(RunEnded.class).write(record, encoder);
        encoder.flush();
        assertThat(Arrays.copyOfRange(bytes, 5, bytes.length)).containsExactly(body.toByteArray());
        assertThat(WireFormat.frame(id, body.toByteArray())).containsExactly(bytes);
        assertThat(WireFormat.unframe(bytes)).isEqualTo(new WireFormat.Framed(id, 5, body.size()));
    }

    @Test
    void idsAboveOneByteAreWrittenBigEndian() {
        byte[] framed = WireFormat.frame(0x01020304, new byte[] {9});
        assertThat(framed).containsExactly(0, 1, 2, 3, 4, 9);
        assertThat(WireFormat.unframe(framed).schemaId()).isEqualTo(0x01020304);
    }

    @Test
    void registeredSchemaIsTheContractWithoutJavaStringProperties() {
        serde.serializer().serialize(DELTAS, Fixtures.runEnded());
        Schema registered = registry().version(Contracts.subject(DELTAS, RunEnded.getClassSchema()), "latest").schema();
        assertThat(registered.toString()).doesNotContain("avro.java.string");
        assertThat(registered.getFullName()).isEqualTo(RunEnded.getClassSchema().getFullName());
    }

    @Test
    void olderWriterSchemaResolvesIntoTheCurrentClass() {
        // v0 of RunStarted: no started_at_ms, no forked_from, no config.
        Schema older = withoutFields(RunStarted.getClassSchema(), "started_at_ms", "forked_from", "config");
        GenericRecord old = new GenericData.Record(older);
        old.put("run_id", "run-old");
        old.put("kind", "persona-evolution");
        old.put("expected_workers", List.of("w1"));
        old.put("random_seed", 7L);

        AvroSerde<GenericRecord> generic = AvroSerdes.generic(config, false);
        byte[] bytes = generic.serializer().serialize(DELTAS, old);

        RunStarted current = (RunStarted) serde.deserializer().deserialize(DELTAS, bytes);
        assertThat(current.getRunId()).isEqualTo("run-old");
        assertThat(current.getKind()).isEqualTo("persona-evolution");
        assertThat(current.getExpectedWorkers()).containsExactly("w1");
        assertThat(current.getRandomSeed()).isEqualTo(7L);
        assertThat(current.getStartedAtMs()).isZero();
        assertThat(current.getForkedFrom()).isNull();
        assertThat(current.getConfig()).isEmpty();

        // The same bytes in generic mode: the writer's own schema, strings as Avro Utf8.
        GenericRecord asWritten = generic.deserializer().deserialize(DELTAS, bytes);
        assertThat(asWritten.getSchema().getField("started_at_ms")).isNull();
        assertThat(asWritten.get("run_id").toString()).isEqualTo("run-old");
    }

    @Test
    void newerWriterSchemaWithAnExtraFieldResolvesIntoTheCurrentClass() {
        Schema newer = withExtraField(RunEnded.getClassSchema(), "{\"name\":\"reason\",\"type\":\"string\",\"default\":\"\"}");
        GenericRecord rec = new GenericData.Record(newer);
        rec.put("run_id", "run-9");
        rec.put("worker_id", "w2");
        rec.put("final_iteration", 12L);
        rec.put("status", new GenericData.EnumSymbol(newer.getField("status").schema(), "FAILED"));
        rec.put("ended_at_ms", 5L);
        rec.put("reason", "out of money");

        byte[] bytes = AvroSerdes.generic(config, false).serializer().serialize(DELTAS, rec);
        RunEnded current = (RunEnded) serde.deserializer().deserialize(DELTAS, bytes);
        assertThat(current).isEqualTo(RunEnded.newBuilder().setRunId("run-9").setWorkerId("w2").setFinalIteration(12L)
                .setStatus(RunStatus.FAILED).setEndedAtMs(5L).build());
    }

    @Test
    void nullIsATombstoneBothWays() {
        assertThat(serde.serializer().serialize(DELTAS, null)).isNull();
        assertThat(serde.deserializer().deserialize(DELTAS, null)).isNull();
    }

    @Test
    void malformedFramingGivesClearErrors() {
        assertError(new byte[0], "Empty payload");
        assertError(new byte[] {0, 0, 1}, "too short");
        assertError(new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                "GUID-framed (magic 1) records are not supported");
        assertError("{\"run_id\":\"x\"}".getBytes(StandardCharsets.UTF_8), "Unknown magic byte 0x7B");
        assertError(new byte[] {(byte) 0xAB, 0, 0, 0, 1}, "Unknown magic byte 0xAB");
    }

    @Test
    void confluentHeaderFramingIsRejected() {
        byte[] bytes = serde.serializer().serialize(DELTAS, Fixtures.runEnded());
        RecordHeaders headers = new RecordHeaders();
        headers.add("__value_schema_id", new byte[16]);
        assertThatThrownBy(() -> serde.deserializer().deserialize(DELTAS, headers, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("__value_schema_id")
                .hasMessageContaining("header framing")
                .hasMessageContaining("not supported");
        // Without the header the headers-aware overload reads normally.
        assertThat(serde.deserializer().deserialize(DELTAS, new RecordHeaders(), bytes)).isEqualTo(Fixtures.runEnded());
    }

    @Test
    void unknownSchemaIdIsReportedWithTheId() {
        assertError(WireFormat.frame(987_654, new byte[] {2, 'x'}), "Unknown schema id 987654");
    }

    @Test
    void truncatedCorruptAndTrailingBodiesAreRejected() {
        byte[] good = serde.serializer().serialize(DELTAS, Fixtures.runStarted());
        assertError(Arrays.copyOf(good, good.length - 3), "Corrupt or truncated Avro body");
        byte[] corrupt = good.clone();
        corrupt[5] = (byte) 0x7F; // run_id length: -64, a negative string length
        assertError(corrupt, "Corrupt or truncated Avro body");
        byte[] trailing = Arrays.copyOf(good, good.length + 2);
        assertError(trailing, "trailing byte(s) after the Avro record");
    }

    @Test
    void aLengthPrefixOfGigabytesIsACorruptRecordNotAnOutOfMemoryError() {
        // What a body decoded with the wrong schema looks like: run_id announces 1.5 GB (zig-zag varint).
        byte[] good = serde.serializer().serialize(DELTAS, Fixtures.runStarted());
        int id = java.nio.ByteBuffer.wrap(good, 1, 4).getInt();
        long zigzag = 2L * 1_500_000_000L;
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        while ((zigzag & ~0x7FL) != 0) {
            body.write((int) ((zigzag & 0x7F) | 0x80));
            zigzag >>>= 7;
        }
        body.write((int) zigzag);
        body.writeBytes(new byte[] {'a', 'b', 'c'});
        assertError(WireFormat.frame(id, body.toByteArray()), "Corrupt or truncated Avro body");
    }

    @Test
    void autoRegisterFalseLooksUpAndFailsClearlyWhenMissing() {
        config.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false");
        AvroSerde<SpecificRecord> lookupOnly = AvroSerdes.specific(config, false);
        assertThatThrownBy(() -> lookupOnly.serializer().serialize(DELTAS, Fixtures.runEnded()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("not registered under subject " + DELTAS + "-dev.simsnap.schema.run.RunEnded")
                .hasMessageContaining("auto.register.schemas=false");
        // Once registered (by another producer), lookup finds the same id.
        byte[] registered = serde.serializer().serialize(DELTAS, Fixtures.runEnded());
        assertThat(lookupOnly.serializer().serialize(DELTAS, Fixtures.runEnded())).containsExactly(registered);
    }

    @Test
    void useLatestVersionFramesWithTheLatestIdAndConvertsTheRecord() {
        String subject = Contracts.subject(DELTAS, RunEnded.getClassSchema());
        Schema newer = withExtraField(RunEnded.getClassSchema(), "{\"name\":\"reason\",\"type\":\"string\",\"default\":\"n/a\"}");
        int newerId = registry().register(subject, newer);
        config.put(AvroSerdeConfig.USE_LATEST_VERSION, true);
        config.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false);
        byte[] bytes = AvroSerdes.specific(config, false).serializer().serialize(DELTAS, Fixtures.runEnded());
        assertThat(WireFormat.unframe(bytes).schemaId()).isEqualTo(newerId);
        GenericRecord asWritten = AvroSerdes.generic(config, false).deserializer().deserialize(DELTAS, bytes);
        assertThat(asWritten.get("reason").toString()).isEqualTo("n/a");
        assertThat(serde.deserializer().deserialize(DELTAS, bytes)).isEqualTo(Fixtures.runEnded());
    }

    @Test
    void typedSerdeRejectsOtherRecordTypes() {
        AvroSerde<RunEnded> typed = AvroSerdes.specific(RunEnded.class, config, false);
        byte[] started = serde.serializer().serialize(DELTAS, Fixtures.runStarted());
        assertThatThrownBy(() -> typed.deserializer().deserialize(DELTAS, started))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("dev.simsnap.schema.run.RunStarted")
                .hasMessageContaining("reads dev.simsnap.schema.run.RunEnded");
        assertThat(typed.deserializer().deserialize(DELTAS, typed.serializer().serialize(DELTAS, Fixtures.runEnded())))
                .isEqualTo(Fixtures.runEnded());
    }

    @Test
    void specificModeWithoutAGeneratedClassPointsAtGenericMode() {
        Schema unknown = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Nope\",\"namespace\":\"no.such\","
                + "\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
        GenericRecord rec = new GenericData.Record(unknown);
        rec.put("a", 1);
        byte[] bytes = AvroSerdes.generic(config, false).serializer().serialize(DELTAS, rec);
        assertError(bytes, "No generated class no.such.Nope");
    }

    @Test
    void subjectNameStrategiesAndConfluentAliases() {
        Schema s = RunEnded.getClassSchema();
        assertThat(SubjectNameStrategy.parse("k", null).subject("t", false, s)).isEqualTo("t-dev.simsnap.schema.run.RunEnded");
        assertThat(SubjectNameStrategy.parse("k", "topic").subject("t", false, s)).isEqualTo("t-value");
        assertThat(SubjectNameStrategy.parse("k", "io.confluent.kafka.serializers.subject.TopicNameStrategy")
                .subject("t", true, s)).isEqualTo("t-key");
        assertThat(SubjectNameStrategy.parse("k", "io.confluent.kafka.serializers.subject.RecordNameStrategy")
                .subject("t", false, s)).isEqualTo("dev.simsnap.schema.run.RunEnded");
        assertThat(SubjectNameStrategy.parse("k", "TopicRecordNameStrategy")).isEqualTo(SubjectNameStrategy.TOPIC_RECORD);
        assertThatThrownBy(() -> SubjectNameStrategy.parse("value.subject.name.strategy", "bogus"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("value.subject.name.strategy");

        config.put(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, "topic");
        AvroSerdes.specific(config, false).serializer().serialize("plain", Fixtures.runEnded());
        assertThat(registry().subjects()).contains("plain-value");
    }

    @Test
    void classConfiguredSerdeWorksWithOnlyTheRegistryUrl() {
        AvroSerde<SpecificRecord> byClass = new AvroSerde<>();
        byClass.configure(Map.of("schema.registry.url", "mock://" + scope), false);
        AvroSerializer<SpecificRecord> ser = new AvroSerializer<>();
        ser.configure(Map.of("schema.registry.url", "mock://" + scope), false);
        byte[] bytes = ser.serialize(DELTAS, Fixtures.iterationCommitted());
        assertThat(byClass.deserializer().deserialize(DELTAS, bytes)).isEqualTo(Fixtures.iterationCommitted());
        byClass.close();
        ser.close();
    }

    private void assertError(byte[] payload, String message) {
        assertThatThrownBy(() -> serde.deserializer().deserialize(DELTAS, payload))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(message);
    }

    static Schema withoutFields(Schema schema, String... drop) {
        List<String> dropped = List.of(drop);
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            if (!dropped.contains(f.name())) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    static Schema withExtraField(Schema schema, String fieldJson) {
        String text = schema.toString();
        int end = text.lastIndexOf(']');
        return new Schema.Parser().parse(text.substring(0, end) + "," + fieldJson + text.substring(end));
    }
}
