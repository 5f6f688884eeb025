package dev.simsnap.service.http;

import com.fasterxml.jackson.core.JsonProcessingException;
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
 * Errors Jetty answers itself, before any handler runs (e.g. a path such as {@code /runs/../../etc} that climbs
 * above the root, or a malformed request line): the same {@code {"error": "...", "status": N}} body as every other
 * error instead of Jetty's HTML page.
 */
final class JettyErrors extends ErrorHandler {

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(reason != null && reason.startsWith(PathRefusals.REASON_PREFIX)
                ? new ApiException(status, reason.substring(PathRefusals.REASON_PREFIX.length()))
                : ApiErrors.badRequest(status, reason)));
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
        response.getOutputStream().write(body(path.map(p -> new ApiException(400, p))
                .orElseGet(() -> ApiErrors.badRequest(code, message))));
    }

    private static byte[] body(ApiException e) {
        try {
            return ApiJson.MAPPER.writeValueAsString(new ApiJson.ErrorBody(e.getMessage(), e.status()))
                    .getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }
}
