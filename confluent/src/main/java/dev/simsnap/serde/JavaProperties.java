package dev.simsnap.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.apache.avro.Schema;

/** Strips the Java code generator's {@code avro.java.string} properties from a schema. */
final class JavaProperties {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STRING_PROP = "avro.java.string";

    private JavaProperties() {
    }

    /** The schema without any {@code avro.java.string}; the same instance when it has none. */
    static Schema remove(Schema schema) {
        String text = schema.toString();
        if (!text.contains(STRING_PROP)) {
            return schema;
        }
        try {
            JsonNode tree = JSON.readTree(text);
            strip(tree);
            return new Schema.Parser().parse(JSON.writeValueAsString(tree));
        } catch (IOException e) {
            throw new IllegalStateException("cannot rewrite schema " + schema.getFullName(), e);
        }
    }

    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.remove(STRING_PROP);
        }
        if (node.isContainerNode()) {
            node.forEach(JavaProperties::strip);
        }
    }
}
