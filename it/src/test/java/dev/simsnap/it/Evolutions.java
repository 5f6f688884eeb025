package dev.simsnap.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Evolved versions of a contract, made from its .avsc text. */
final class Evolutions {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Evolutions() {
    }

    /**
     * The record schema {@code avsc} with {@code fieldJson} appended to its fields: with a default it is a
     * BACKWARD-compatible change, without one (a new required field) it is not.
     */
    static String withField(String avsc, String fieldJson) {
        try {
            ObjectNode schema = (ObjectNode) JSON.readTree(avsc);
            ((ArrayNode) schema.get("fields")).add(JSON.readTree(fieldJson));
            return JSON.writeValueAsString(schema);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
