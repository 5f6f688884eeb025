package dev.simsnap.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simsnap.registry.client.InMemorySchemaRegistry;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.MarketIndex;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.delta.Stock;
import dev.simsnap.schema.run.RunStarted;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * The serializer's body is byte for byte what plain Avro writes ({@code SpecificDatumWriter} on the record's own
 * {@code SpecificData}, {@code GenericDatumWriter} for generic records), after the 5-byte header; whatever the
 * collection classes, for data only Avro's writer accepts, after failures, and from several threads at once.
 */
class SerializerBytesTest {

    private static final String DELTAS = Contracts.DELTAS_TOPIC;

    private final AvroSerializer<IndexedRecord> serializer =
            new AvroSerializer<>(new InMemorySchemaRegistry(), Map.of(), false);

    /** Header of the id the serializer used, then plain Avro's encoding of {@code record} with its own schema. */
    private static byte[] plainAvro(byte[] serialized, IndexedRecord record) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(body, null);
        DatumWriter<Object> writer = record instanceof SpecificRecord
                ? new SpecificDatumWriter<>(record.getSchema(), SpecificData.getForClass(record.getClass()))
                : new GenericDatumWriter<>(record.getSchema(), GenericData.get());
        writer.write(record, encoder);
        encoder.flush();
        return WireFormat.frame(WireFormat.unframe(serialized).schemaId(), body.toByteArray());
    }

    private void assertSameBytesAsAvro(IndexedRecord record) throws IOException {
        byte[] first = serializer.serialize(DELTAS, record);
        assertThat(first).as("%s", record).containsExactly(plainAvro(first, record));
        // Again: the reused buffer must not leak anything of the previous record.
        assertThat(serializer.serialize(DELTAS, record)).containsExactly(first);
    }

    private static Person person(Random r, Map<String, Long> inventories, Map<String, Double> dividends) {
        return Person.newBuilder().setPersonId(r.nextInt()).setName("Zoë " + r.nextInt(1000))
                .setOccupation(r.nextBoolean() ? "trader" : null).setPrinciple("").setInvestmentDuration("long ✓")
                .setDailyIncomeFromJob(null).setCash(r.nextDouble() * 1e6).setMinimumLivingExpense(-0.0)
                .setReflectFrequency(r.nextBoolean() ? Integer.MIN_VALUE : null).setIncome(Double.MAX_VALUE)
                .setAsset(null).setWealth(Double.MIN_VALUE).setIdentity("\u0000\uD83D\uDE00")
                .setInventories(inventories).setDividends(dividends).build();
    }

    private static Stock stock(Random r, List<Double> past, List<Double> intraday) {
        return Stock.newBuilder().setStockId(r.nextInt(100)).setStockName(r.nextBoolean() ? "ACME" : null)
                .setDPS(r.nextBoolean() ? r.nextGaussian() : null).setPastStockLastPrices(past)
                .setQuantity(r.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE).setCurrentPrice(r.nextDouble())
                .setBookValue(null).setIntradayPriceList(intraday).build();
    }

    private static StateDelta delta(Object payload, Operation op, List<String> patchFields) {
        return new StateDelta("run-é", "w0", 1L << 40, -3L, Integer.MAX_VALUE, EntityType.PERSON, "17", null, op,
                patchFields, payload, null, null);
    }

    @Test
    void personStockAndStateDeltaMatchSpecificDatumWriter() throws IOException {
        Random r = new Random(7);
        for (int n = 0; n < 200; n++) {
            int holdings = n % 5 == 0 ? 0 : r.nextInt(120);
            TreeMap<String, Long> inventories = new TreeMap<>();
            TreeMap<String, Double> dividends = new TreeMap<>();
            for (int i = 0; i < holdings; i++) {
                inventories.put(String.valueOf(r.nextInt(1000)), r.nextLong());
                dividends.put("s" + r.nextInt(1000), r.nextDouble() * 100);
            }
            List<Map<String, Long>> inventoryMaps = List.of(inventories, new HashMap<>(inventories),
                    new LinkedHashMap<>(inventories.descendingMap()), Collections.unmodifiableMap(inventories));
            Map<String, Long> inv = inventoryMaps.get(n % inventoryMaps.size());
            Map<String, Double> div = n % 7 == 0 ? null : n % 3 == 0 ? new HashMap<>(dividends) : dividends;
            Person person = person(r, n % 11 == 0 ? null : inv, div);

            List<Double> past = new ArrayList<>();
            for (int i = 0, k = r.nextInt(300); i < k; i++) {
                past.add(r.nextDouble() * 1000);
            }
            List<Double> intraday = n % 4 == 0 ? new LinkedList<>(past) : n % 4 == 1 ? List.copyOf(past) : null;
            Stock stock = stock(r, past, intraday);

            assertSameBytesAsAvro(person);
            assertSameBytesAsAvro(stock);
            assertSameBytesAsAvro(delta(person, Operation.PATCH, List.of("cash", "inventories")));
            assertSameBytesAsAvro(delta(stock, Operation.UPSERT, List.of()));
        }
        for (StateDelta delta : Fixtures.deltasForEveryPayloadBranch()) {
            assertSameBytesAsAvro(delta);
        }
        assertSameBytesAsAvro(Fixtures.runStarted());
        assertSameBytesAsAvro(RunStarted.newBuilder(Fixtures.runStarted()).setForkedFrom(null).build());
        assertSameBytesAsAvro(Fixtures.iterationCommitted());
        assertSameBytesAsAvro(Fixtures.runEnded());
        assertSameBytesAsAvro(Fixtures.generationChunk());
        assertSameBytesAsAvro(Fixtures.generationSealed(true));
        assertSameBytesAsAvro(Fixtures.generationSealed(false));
    }

    @Test
    void nonFiniteNumbersAreEncodedAsAvroDoes() throws IOException {
        // The serializer does not validate; NaN and infinities are plain IEEE doubles on the wire.
        Random r = new Random(1);
        TreeMap<String, Double> dividends = new TreeMap<>(Map.of("1", Double.NaN, "2", Double.NEGATIVE_INFINITY));
        assertSameBytesAsAvro(person(r, Map.of(), dividends));
        assertSameBytesAsAvro(stock(r, List.of(Double.POSITIVE_INFINITY, Double.NaN), List.of()));
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void valuesOnlyAvroAcceptsAreEncodedByAvro() throws IOException {
        // An Integer in a map<long> (possible through raw types): Avro writes any Number there as a long.
        Map inventories = new TreeMap<>(Map.of("1", 5L, "2", 6L));
        inventories.put("3", 7);
        Person polluted = person(new Random(2), inventories, null);
        assertSameBytesAsAvro(polluted);
        assertSameBytesAsAvro(delta(polluted, Operation.UPSERT, List.of()));
    }

    @Test
    void genericRecordsMatchGenericDatumWriter() throws IOException {
        GenericRecord stock = new GenericData.Record(Stock.getClassSchema());
        stock.put("stock_id", 3);
        stock.put("past_stock_last_prices", List.of(1.5, 2.5));
        stock.put("stock_name", "generic ✓");
        assertSameBytesAsAvro(stock);
        GenericRecord index = new GenericData.Record(MarketIndex.getClassSchema());
        index.put("stock_proportion", new TreeMap<>(Map.of("1", 0.25, "2", 0.75)));
        index.put("past_values", new java.util.TreeSet<>(List.of(3.0, 1.0))); // any Collection is an Avro array
        assertSameBytesAsAvro(index);
    }

    @Test
    void invalidRecordsFailAsWithAvroAndLeaveTheSerializerUsable() throws IOException {
        StateDelta good = delta(person(new Random(4), Map.of("1", 1L), Map.of()), Operation.UPSERT, List.of());
        byte[] before = serializer.serialize(DELTAS, good);

        StateDelta noRunId = delta(null, Operation.DELETE, List.of());
        noRunId.setRunId(null);
        StateDelta wrongBranch = delta(Fixtures.runEnded(), Operation.UPSERT, List.of());
        Map<String, Long> nullValue = new HashMap<>();
        nullValue.put("1", null);
        StateDelta nullInMap = delta(person(new Random(5), nullValue, null), Operation.UPSERT, List.of());
        for (StateDelta bad : List.of(noRunId, wrongBranch, nullInMap)) {
            Throwable avro = null;
            try {
                plainAvro(before, bad);
            } catch (RuntimeException e) {
                avro = e;
            }
            assertThat(avro).as("plain Avro rejects %s", bad).isNotNull();
            assertThatThrownBy(() -> serializer.serialize(DELTAS, bad)).isInstanceOf(SerializationException.class)
                    .hasCauseInstanceOf(avro.getClass()).hasMessageContaining(avro.getMessage());
            assertThat(serializer.serialize(DELTAS, good)).containsExactly(before);
        }
    }

    @Test
    void aRecordLargerThanTheKeptBufferIsWrittenWhole() throws IOException {
        List<Double> prices = new ArrayList<>();
        for (int i = 0; i < 300_000; i++) {
            prices.add(i / 7.0);
        }
        assertSameBytesAsAvro(stock(new Random(6), prices, prices));
        assertSameBytesAsAvro(stock(new Random(6), List.of(1.0), null));
    }

    @Test
    void concurrentCallersGetTheirOwnBytes() throws Exception {
        List<IndexedRecord> records = new ArrayList<>();
        Random r = new Random(8);
        for (int i = 0; i < 64; i++) {
            TreeMap<String, Long> inventories = new TreeMap<>();
            for (int k = 0; k < i; k++) {
                inventories.put(String.valueOf(k), (long) k * i);
            }
            records.add(delta(person(r, inventories, null), Operation.UPSERT, List.of()));
        }
        List<byte[]> expected = new ArrayList<>();
        for (IndexedRecord record : records) {
            expected.add(serializer.serialize(DELTAS, record));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                results.add(pool.submit(() -> {
                    for (int round = 0; round < 200; round++) {
                        int i = (round * 7 + offset) % records.size();
                        if (!java.util.Arrays.equals(serializer.serialize(DELTAS, records.get(i)), expected.get(i))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
