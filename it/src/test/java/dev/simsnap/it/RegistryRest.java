package dev.simsnap.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The registry's REST API spoken directly with the JDK HTTP client (no simsnap client code in between), for
 * assertions on exactly what the server answers.
 */
final class RegistryRest {

    static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** An HTTP answer: status and parsed JSON body. */
    record Answer(int status, JsonNode body, String raw) {
        @Override
        public String toString() {
            return status + " " + raw;
        }
    }

    private RegistryRest() {
    }

    static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static Answer get(String baseUrl, String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET());
    }

    static Answer post(String baseUrl, String path, Object body) {
        try {
            return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Content-Type", MEDIA_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static Answer put(String baseUrl, String path, Object body) {
        try {
            return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Content-Type", MEDIA_TYPE)
                    .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code GET /subjects/{subject}/versions/latest} → its {@code id}. */
    static int latestId(String baseUrl, String subject) {
        Answer answer = get(baseUrl, "/subjects/" + segment(subject) + "/versions/latest");
        if (answer.status() != 200 || !answer.body().path("id").isInt()) {
            throw new AssertionError("GET latest of " + subject + " answered " + answer);
        }
        return answer.body().get("id").asInt();
    }

    private static Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = HTTP.send(request.header("Accept", MEDIA_TYPE)
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            String raw = response.body();
            JsonNode body = raw == null || raw.isBlank() ? JSON.nullNode() : JSON.readTree(raw);
            return new Answer(response.statusCode(), body, raw);
        } catch (IOException e) {
            throw new AssertionError("Registry request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
