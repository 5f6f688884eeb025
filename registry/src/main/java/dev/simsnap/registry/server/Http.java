package dev.simsnap.registry.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON in and out for the resources: answers always carry the Confluent v1 content type. */
final class Http {

    /** The content type of every answer. */
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Http() {
    }

    /** Answers 200 with {@code body} as JSON. */
    static void ok(Context ctx, Object body) {
        ctx.status(200).contentType(CONTENT_TYPE).result(write(body));
    }

    /** Answers {@code {"error_code": N, "message": "..."}} with the code's HTTP status. */
    static void error(Context ctx, ErrorCode code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error_code", code.code());
        body.put("message", message);
        ctx.status(code.httpStatus()).contentType(CONTENT_TYPE).result(write(body));
    }

    /**
     * The request body as a JSON object, whatever the request's content type (Confluent clients send several,
     * some send none); an empty body is an empty object, malformed JSON is 400.
     */
    static JsonNode body(Context ctx) {
        String text = ctx.body();
        if (text.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(text);
            if (!node.isObject()) {
                throw ErrorCode.BAD_REQUEST.exception("Request body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw ErrorCode.BAD_REQUEST.exception("Malformed JSON: " + e.getOriginalMessage());
        }
    }

    /** A text field of the body, null when absent or JSON null. */
    static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }

    /** True when the query parameter is {@code true} (case-insensitive). */
    static boolean flag(Context ctx, String name) {
        return Boolean.parseBoolean(ctx.queryParam(name));
    }

    /** A map with keys in the given order, for answers whose field order should match Confluent's. */
    static Map<String, Object> fields(Object... keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    private static String write(Object body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
