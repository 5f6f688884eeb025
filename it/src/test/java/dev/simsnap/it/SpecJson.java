package dev.simsnap.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro's JSON encoding (the spec's, unions as {@code {"<branch>": value}}), the neutral form in which records cross
 * between Java and Node: Java writes it with Avro's JsonEncoder, avsc reads it with {@code Type.fromString}, and back.
 */
final class SpecJson {

    private SpecJson() {
    }

    static String encode(SpecificRecord record) {
        Schema schema = record.getSchema();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            JsonEncoder encoder = EncoderFactory.get().jsonEncoder(schema, out);
            new SpecificDatumWriter<SpecificRecord>(schema).write(record, encoder);
            encoder.flush();
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads {@code json} into the generated class of {@code schema}. */
    static SpecificRecord decode(String json, Schema schema) {
        try {
            return new SpecificDatumReader<SpecificRecord>(schema).read(null,
                    DecoderFactory.get().jsonDecoder(schema, json));
        } catch (IOException e) {
            throw new UncheckedIOException("Not the Avro JSON encoding of " + schema.getFullName() + ": " + json, e);
        }
    }
}
