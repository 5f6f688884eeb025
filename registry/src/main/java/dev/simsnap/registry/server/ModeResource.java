package dev.simsnap.registry.server;

import io.javalin.Javalin;
import io.javalin.http.Context;

/**
 * Modes (READWRITE, READONLY, READONLY_OVERRIDE, IMPORT); the subject's mode overrides the global one.
 *
 * <ul>
 * <li>{@code GET /mode} → {@code {"mode":"READWRITE"}}</li>
 * <li>{@code PUT /mode[?force=true]} {@code {"mode":"READONLY"}} → {@code {"mode":"READONLY"}}; 42204, 42205</li>
 * <li>{@code GET /mode/{s}[?defaultToGlobal=true]} → {@code {"mode"}}; 40409 when the subject has none</li>
 * <li>{@code PUT /mode/{s}[?force=true]} as the global one</li>
 * <li>{@code DELETE /mode/{s}} → the previous {@code {"mode"}}; 40401 when the subject had none</li>
 * </ul>
 */
final class ModeResource {

    private ModeResource() {
    }

    static void register(Javalin app, SchemaRegistry registry) {
        app.get("/mode", ctx -> mode(ctx, registry.globalMode()));
        app.put("/mode", ctx -> set(ctx, registry, null));
        app.get("/mode/{subject}", ctx -> mode(ctx,
                registry.subjectMode(SubjectsResource.subject(ctx), Http.flag(ctx, "defaultToGlobal"))));
        app.put("/mode/{subject}", ctx -> set(ctx, registry, SubjectsResource.subject(ctx)));
        app.delete("/mode/{subject}", ctx -> mode(ctx, registry.deleteMode(SubjectsResource.subject(ctx))));
    }

    private static void set(Context ctx, SchemaRegistry registry, String subject) {
        mode(ctx, registry.setMode(subject, Http.text(Http.body(ctx), "mode"), Http.flag(ctx, "force")));
    }

    private static void mode(Context ctx, Mode mode) {
        Http.ok(ctx, Http.fields("mode", mode.name()));
    }
}
