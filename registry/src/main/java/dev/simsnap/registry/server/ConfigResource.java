package dev.simsnap.registry.server;

import dev.simsnap.schema.compat.CompatibilityLevel;
import io.javalin.Javalin;
import io.javalin.http.Context;

/**
 * Compatibility levels.
 *
 * <ul>
 * <li>{@code GET /config} → {@code {"compatibilityLevel":"BACKWARD"}}</li>
 * <li>{@code PUT /config} {@code {"compatibility":"FULL"}} → {@code {"compatibility":"FULL"}}; 42203</li>
 * <li>{@code DELETE /config} → the previous {@code {"compatibilityLevel"}}; the global level returns to BACKWARD</li>
 * <li>{@code GET /config/{s}[?defaultToGlobal=true]} → {@code {"compatibilityLevel"}}; 40408 when the subject has none</li>
 * <li>{@code PUT /config/{s}} as the global one (the subject need not exist)</li>
 * <li>{@code DELETE /config/{s}} → the previous {@code {"compatibilityLevel"}}; 40401 when the subject had none</li>
 * </ul>
 */
final class ConfigResource {

    private ConfigResource() {
    }

    static void register(Javalin app, SchemaRegistry registry) {
        app.get("/config", ctx -> level(ctx, registry.globalLevel()));
        app.put("/config", ctx -> set(ctx, registry, null));
        app.delete("/config", ctx -> level(ctx, registry.deleteLevel(null)));
        app.get("/config/{subject}", ctx -> level(ctx,
                registry.subjectLevel(SubjectsResource.subject(ctx), Http.flag(ctx, "defaultToGlobal"))));
        app.put("/config/{subject}", ctx -> set(ctx, registry, SubjectsResource.subject(ctx)));
        app.delete("/config/{subject}", ctx -> level(ctx, registry.deleteLevel(SubjectsResource.subject(ctx))));
    }

    private static void set(Context ctx, SchemaRegistry registry, String subject) {
        CompatibilityLevel level = registry.setLevel(subject, Http.text(Http.body(ctx), "compatibility"));
        Http.ok(ctx, Http.fields("compatibility", level.name()));
    }

    private static void level(Context ctx, CompatibilityLevel level) {
        Http.ok(ctx, Http.fields("compatibilityLevel", level.name()));
    }
}
