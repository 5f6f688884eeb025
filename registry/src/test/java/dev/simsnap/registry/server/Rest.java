package dev.simsnap.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A tiny JSON-over-HTTP client for the tests (java.net.http only, like a third-party client would be). */
final class Rest {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** An answer: status, content type and body parsed as JSON (null when not JSON). */
    record Answer(int status, String contentType, String text) {
        JsonNode json() {
            try {
                return JSON.readTree(text);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + text, e);
            }
        }

        int errorCode() {
            return json().path("error_code").asInt();
        }
    }

    private final String base;

    Rest(String base) {
        this.base = base;
    }

    Answer get(String path) {
        return send("GET", path, null, "application/vnd.schemaregistry.v1+json");
    }

    Answer delete(String path) {
        return send("DELETE", path, null, "application/vnd.schemaregistry.v1+json");
    }

    Answer post(String path, Object body) {
        return send("POST", path, body, "application/vnd.schemaregistry.v1+json");
    }

    Answer put(String path, Object body) {
        return send("PUT", path, body, "application/vnd.schemaregistry.v1+json");
    }

    /** Registers {@code schema} under {@code subject} and returns the whole answer. */
    Answer register(String subject, String schema) {
        return post("/subjects/" + subject + "/versions", Map.of("schema", schema));
    }

    /** Registers and returns the id, failing the test on anything but 200. */
    int registerOk(String subject, String schema) {
        Answer answer = register(subject, schema);
        if (answer.status() != 200) {
            throw new AssertionError("register failed: " + answer);
        }
        return answer.json().get("id").asInt();
    }

    /** Sends a request; {@code contentType} null sends none. {@code body} is a JSON string or an object to serialise. */
    Answer send(String method, String path, Object body, String contentType) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
            if (contentType != null) {
                request.header("Content-Type", contentType);
            }
            String text = body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
            request.method(method, text == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(text));
            HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                    response.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
