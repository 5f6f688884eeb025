package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every 4xx/5xx answer of the REST API and the gateway is JSON with a message that says what was wrong — also for
 * requests the HTTP layer refuses before any handler runs: a path segment with an encoded NUL or separator is named
 * with its problem, before any body is read. Requests are written byte for byte on a socket, so the client library
 * normalizes nothing.
 */
@RealKafka
class ErrorBodiesIT {

    @TempDir
    Path tmp;

    @Test
    void badRequestsGetAccurateJsonErrors(KafkaBroker broker) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        try (Stack stack = Stack.start(broker, tmp, "errors-" + id)) {
            String service = stack.service().url();
            String gateway = stack.gateway().url();
            List<String> seen = new ArrayList<>();
            // REST API
            expect(seen, service, "GET /runs/a%00b HTTP/1.1", null, 400,
                    "invalid run id 'a%00b': it contains an encoded NUL byte (%00)");
            expect(seen, service, "GET /runs/..%2F..%2Fetc/snapshot HTTP/1.1", null, 400,
                    "invalid run id '..%2F..%2Fetc': it contains an encoded '/' (%2F)");
            expect(seen, service, "POST /runs/a%2fb/snapshots HTTP/1.1", "", 400,
                    "invalid run id 'a%2fb': it contains an encoded '/' (%2F)");
            expect(seen, service, "GET /runs/a%5Cb HTTP/1.1", null, 400,
                    "invalid run id 'a%5Cb': it contains an encoded '\\' (%5C)");
            expect(seen, service, "GET /runs/r/items/a%00 HTTP/1.1", null, 400,
                    "invalid collection 'a%00': it contains an encoded NUL byte (%00)");
            expect(seen, service, "POST /runs/r/snapshots?generation=2147483648 HTTP/1.1", "", 400,
                    "generation 2147483648 is out of range");
            expect(seen, service, "GET /runs/r/snapshot?iteration=99999999999999999999 HTTP/1.1", null, 400,
                    "iteration must be a non-negative whole number");
            expect(seen, service, "GET /nowhere HTTP/1.1", null, 404, "no endpoint GET /nowhere");
            expect(seen, service, "GET /runs/a\u0000b HTTP/1.1", null, 400, "invalid request path, refused by the HTTP layer");
            // Gateway
            expect(seen, gateway, "POST /runs/a%00b/start HTTP/1.1", "{}", 400,
                    "invalid run id 'a%00b': it contains an encoded NUL byte (%00)");
            expect(seen, gateway, "POST /runs/a%5Cb/start HTTP/1.1", "{}", 400,
                    "invalid run id 'a%5Cb': it contains an encoded '\\' (%5C)");
            expect(seen, gateway, "POST /runs/r/workers/w%2Fx/steps/1 HTTP/1.1", "{}", 400,
                    "invalid worker id 'w%2Fx': it contains an encoded '/' (%2F)");
            expect(seen, gateway, "POST /runs/r/workers/w%00/steps/1 HTTP/1.1", "{}", 400,
                    "invalid worker id 'w%00': it contains an encoded NUL byte (%00)");
            expect(seen, gateway, "POST /runs/r/start HTTP/1.1", "[", 400, "malformed JSON");
            expect(seen, gateway, "POST /runs/r/workers/w/steps/abc HTTP/1.1", "{}", 400, "not an integer");
            expect(seen, gateway, "GET /nowhere HTTP/1.1", null, 404, "no endpoint GET /nowhere");
            expect(seen, gateway, "GET /runs/r/start HTTP/1.1", null, 404, "no endpoint GET /runs/r/start");
            expect(seen, gateway, "POST /runs/..%2F..%2Fetc/start HTTP/1.1", "{}", 400,
                    "invalid run id '..%2F..%2Fetc': it contains an encoded '/' (%2F)");
            expect(seen, gateway, "POST /runs/a\u0000b/start HTTP/1.1", "{}", 400, "request refused by the HTTP layer");
            seen.forEach(s -> System.out.println("[ErrorBodiesIT] " + s));
        }
    }

    /** Sends one raw request and checks the status, that the body is JSON, and its error text. */
    private static void expect(List<String> seen, String base, String requestLine, String body, int status,
                               String message) throws Exception {
        URI uri = URI.create(base);
        String answer;
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            out.write((requestLine + "\r\nHost: " + uri.getHost() + "\r\nConnection: close\r\n"
                    + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + bytes.length
                    + "\r\n") + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(bytes);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            answer = all.toString(StandardCharsets.UTF_8);
        }
        String statusLine = answer.substring(0, answer.indexOf("\r\n"));
        String content = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        if (answer.toLowerCase().contains("transfer-encoding: chunked")) {
            content = content.substring(content.indexOf("\r\n") + 2, content.lastIndexOf("}") + 1);
        }
        seen.add(requestLine + " -> " + statusLine + " " + content.trim());
        assertThat(statusLine).as(requestLine + ": " + content).contains(" " + status + " ");
        JsonNode json = Http.JSON.readTree(content);
        assertThat(json.get("error").asText()).as(requestLine).contains(message);
    }
}
