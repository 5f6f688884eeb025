package dev.simsnap.bench;

import dev.simsnap.registry.client.InMemorySchemaRegistry;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.Stock;
import dev.simsnap.serde.AvroDeserializer;
import dev.simsnap.serde.AvroSerdeConfig;
import dev.simsnap.serde.AvroSerializer;
import dev.simsnap.simulate.TradingArenaModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Serde throughput (single thread = per core): simsnap's Confluent-wire-format AvroSerializer/AvroDeserializer
 * (in-memory registry, ids cached after the first call) vs plain Avro binary with a reused encoder/decoder.
 * Person and Stock payloads come from TradingArenaModel (seed 42; Stock carries its price history).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SerdeBench {

    static final String TOPIC = "simsnap.deltas";

    Person person;
    Stock stock;
    AvroSerializer<org.apache.avro.generic.IndexedRecord> wireSer;
    AvroDeserializer<org.apache.avro.generic.IndexedRecord> wireDe;
    byte[] personWire;
    byte[] stockWire;
    byte[] personRaw;
    byte[] stockRaw;
    SpecificDatumWriter<Person> personWriter = new SpecificDatumWriter<>(Person.class);
    SpecificDatumWriter<Stock> stockWriter = new SpecificDatumWriter<>(Stock.class);
    SpecificDatumReader<Person> personReader = new SpecificDatumReader<>(Person.class);
    SpecificDatumReader<Stock> stockReader = new SpecificDatumReader<>(Stock.class);
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    BinaryEncoder encoder;
    BinaryDecoder decoder;

    @Setup
    public void setup() throws IOException {
        TradingArenaModel model = new TradingArenaModel(100, 10, 42);
        for (int i = 0; i < 50; i++) {
            model.advance();
        }
        person = model.persons().values().iterator().next();
        stock = model.stocks().values().iterator().next();
        if (stock.getPastStockLastPrices() != null && stock.getPastStockLastPrices().size() < 100) {
            List<Double> prices = new ArrayList<>(stock.getPastStockLastPrices());
            while (prices.size() < 100) {
                prices.add(10.0 + prices.size() * 0.01);
            }
            stock.setPastStockLastPrices(prices);
        }
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("schema.registry.url", "mock://serde-bench");
        cfg.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        wireSer = new AvroSerializer<>(registry, cfg, false);
        wireDe = new AvroDeserializer<>(registry, cfg, false);
        personWire = wireSer.serialize(TOPIC, person);
        stockWire = wireSer.serialize(TOPIC, stock);
        personRaw = rawPerson();
        stockRaw = rawStock();
    }

    @Benchmark
    public byte[] encodePersonWire() {
        return wireSer.serialize(TOPIC, person);
    }

    @Benchmark
    public byte[] encodeStockWire() {
        return wireSer.serialize(TOPIC, stock);
    }

    @Benchmark
    public Object decodePersonWire() {
        return wireDe.deserialize(TOPIC, personWire);
    }

    @Benchmark
    public Object decodeStockWire() {
        return wireDe.deserialize(TOPIC, stockWire);
    }

    @Benchmark
    public byte[] rawPerson() throws IOException {
        out.reset();
        encoder = EncoderFactory.get().binaryEncoder(out, encoder);
        personWriter.write(person, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    @Benchmark
    public byte[] rawStock() throws IOException {
        out.reset();
        encoder = EncoderFactory.get().binaryEncoder(out, encoder);
        stockWriter.write(stock, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    @Benchmark
    public Person rawDecodePerson() throws IOException {
        decoder = DecoderFactory.get().binaryDecoder(personRaw, decoder);
        return personReader.read(null, decoder);
    }

    @Benchmark
    public Stock rawDecodeStock() throws IOException {
        decoder = DecoderFactory.get().binaryDecoder(stockRaw, decoder);
        return stockReader.read(null, decoder);
    }
}
