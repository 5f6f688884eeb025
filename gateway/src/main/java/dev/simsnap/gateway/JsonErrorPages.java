package dev.simsnap.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.access.PathRefusals;
import dev.simsnap.schema.contract.RequestPaths;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Errors Jetty answers itself, before any route runs (a malformed request line, a path the URI rules refuse): the
 * gateway's {@code {"error": "..."}} body instead of Jetty's HTML page.
 */
final class JsonErrorPages extends ErrorHandler {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(reason != null && reason.startsWith(PathRefusals.REASON_PREFIX)
                ? MAPPER.createObjectNode().put("error", reason.substring(PathRefusals.REASON_PREFIX.length()))
                        .toString().getBytes(StandardCharsets.UTF_8)
                : body(status, reason));
    }

    @Override
    protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request,
                                              HttpServletResponse response, int code, String message)
            throws IOException {
        baseRequest.setHandled(true);
        response.setContentType("application/json");
        // A path Jetty refused (an encoded NUL, separator or a '..' climbing above the root): name what is wrong.
        java.util.Optional<String> path = code == 400
                ? RequestPaths.problem(baseRequest.getHttpURI().getPath()) : java.util.Optional.empty();
        response.getOutputStream().write(path.isPresent()
                ? MAPPER.createObjectNode().put("error", path.get()).toString().getBytes(StandardCharsets.UTF_8)
                : body(code, message));
    }

    static byte[] body(int status, String reason) {
        String why = reason == null || reason.isBlank() ? "HTTP " + status : reason.replaceAll("\\p{Cntrl}", "?");
        return MAPPER.createObjectNode().put("error", "request refused by the HTTP layer: " + why
                + (status == 400 ? " (paths take run and worker ids of A-Z a-z 0-9 . _ -)" : "")).toString()
                .getBytes(StandardCharsets.UTF_8);
    }
}
