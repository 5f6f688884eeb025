package dev.simsnap.registry.server;

import io.javalin.Javalin;
import java.util.Map;

/** {@code GET /} answers {@code {}}, which clients use as a liveness probe. */
final class RootResource {

    private RootResource() {
    }

    static void register(Javalin app) {
        app.get("/", ctx -> Http.ok(ctx, Map.of()));
    }
}
