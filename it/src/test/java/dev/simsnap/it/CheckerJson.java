package dev.simsnap.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the service answers, as the reference's plain values: objects as maps, arrays as lists, integral numbers as
 * longs, text as strings, null as null. Any other JSON value (fractions, booleans) is kept as Jackson gives it, so
 * it can never equal a reference value by accident.
 */
final class CheckerJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private CheckerJson() {
    }

    static Object parse(byte[] json) {
        try {
            return value(MAPPER.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + new String(json, java.nio.charset.StandardCharsets.UTF_8), e);
        }
    }

    static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + json, e);
        }
    }

    static Object value(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isObject()) {
            Map<String, Object> out = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> out.put(e.getKey(), value(e.getValue())));
            return out;
        }
        if (node.isArray()) {
            List<Object> out = new ArrayList<>();
            node.forEach(v -> out.add(value(v)));
            return out;
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        return node;
    }
}
