package dev.simsnap.registry.server;

import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/**
 * Compatibility checks at the subject's effective level (subject config, else global, else BACKWARD).
 *
 * <ul>
 * <li>{@code POST /compatibility/subjects/{s}/versions/{v|latest}[?verbose=true]} → against that version only;
 *     {@code latest} of an empty subject is compatible; 40401, 40402, 42201, 42202</li>
 * <li>{@code POST /compatibility/subjects/{s}/versions[?verbose=true]} → against all live versions (the latest
 *     only for non-transitive levels)</li>
 * </ul>
 * Answer {@code {"is_compatible": bool}}, plus {@code "messages": [...]} with {@code verbose=true}.
 */
final class CompatibilityResource {

    private CompatibilityResource() {
    }

    static void register(Javalin app, SchemaRegistry registry) {
        app.post("/compatibility/subjects/{subject}/versions/{version}",
                ctx -> answer(ctx, registry, ctx.pathParam("version")));
        app.post("/compatibility/subjects/{subject}/versions", ctx -> answer(ctx, registry, null));
    }

    private static void answer(Context ctx, SchemaRegistry registry, String version) {
        String schema = Http.text(Http.body(ctx), "schema");
        List<String> problems = registry.checkCompatibility(SubjectsResource.subject(ctx), version, schema);
        Map<String, Object> body = Http.fields("is_compatible", problems.isEmpty());
        if (Http.flag(ctx, "verbose")) {
            body.put("messages", problems);
        }
        Http.ok(ctx, body);
    }
}
