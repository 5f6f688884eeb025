package dev.simsnap.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.registry.server.SchemaRegistry.SchemaVersion;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.List;

/**
 * Subjects and their versions.
 *
 * <ul>
 * <li>{@code GET /subjects[?deleted=true]} → {@code ["s", ...]}</li>
 * <li>{@code POST /subjects/{s}[?deleted=true]} lookup → {@code {"subject","id","version","schema"}}; 40401, 40403, 42201</li>
 * <li>{@code DELETE /subjects/{s}[?permanent=true]} → {@code [1,2]}; 40401, 40404, 40405, 42205</li>
 * <li>{@code GET /subjects/{s}/versions[?deleted=true]} → {@code [1,2]}; 40401</li>
 * <li>{@code POST /subjects/{s}/versions[?normalize=]} → {@code {"id":N}}; 409, 42201, 42205, 42207</li>
 * <li>{@code GET /subjects/{s}/versions/{v|latest|-1}[?deleted=true]} → {@code {"subject","id","version","schema"}};
 *     40401, 40402, 42202</li>
 * <li>{@code GET .../versions/{v}/schema} → the schema itself</li>
 * <li>{@code GET .../versions/{v}/referencedby} → {@code []} (references are not supported, so nothing refers)</li>
 * <li>{@code DELETE .../versions/{v}[?permanent=true]} → {@code 1}; 40401, 40402, 40406, 40407, 42202, 42205</li>
 * </ul>
 * {@code normalize} is accepted; the canonical form used for identity already normalises Avro text.
 */
final class SubjectsResource {

    private final SchemaRegistry registry;

    private SubjectsResource(SchemaRegistry registry) {
        this.registry = registry;
    }

    static void register(Javalin app, SchemaRegistry registry) {
        SubjectsResource r = new SubjectsResource(registry);
        app.get("/subjects", ctx -> Http.ok(ctx, registry.subjects(Http.flag(ctx, "deleted"))));
        app.post("/subjects/{subject}", r::lookup);
        app.delete("/subjects/{subject}", ctx -> Http.ok(ctx,
                registry.deleteSubject(subject(ctx), Http.flag(ctx, "permanent"))));
        app.get("/subjects/{subject}/versions", ctx -> Http.ok(ctx,
                registry.versions(subject(ctx), Http.flag(ctx, "deleted"))));
        app.post("/subjects/{subject}/versions", r::registerSchema);
        app.get("/subjects/{subject}/versions/{version}", ctx -> Http.ok(ctx, answer(version(registry, ctx))));
        app.get("/subjects/{subject}/versions/{version}/schema", ctx -> ctx.status(200)
                .contentType(Http.CONTENT_TYPE).result(version(registry, ctx).schema()));
        app.get("/subjects/{subject}/versions/{version}/referencedby", ctx -> {
            version(registry, ctx); // 40401/40402/42202 like Confluent, then nothing refers to it
            Http.ok(ctx, List.of());
        });
        app.delete("/subjects/{subject}/versions/{version}", ctx -> Http.ok(ctx,
                registry.deleteVersion(subject(ctx), ctx.pathParam("version"), Http.flag(ctx, "permanent"))));
    }

    private void lookup(Context ctx) {
        JsonNode body = Http.body(ctx);
        Http.ok(ctx, answer(registry.lookup(subject(ctx), Http.text(body, "schema"), Http.flag(ctx, "deleted"))));
    }

    private void registerSchema(Context ctx) {
        JsonNode body = Http.body(ctx);
        JsonNode references = body.get("references");
        boolean hasReferences = references != null && references.isArray() && !references.isEmpty();
        int id = registry.register(subject(ctx), new SchemaRegistry.Registration(
                Http.text(body, "schema"), Http.text(body, "schemaType"), hasReferences,
                body.path("id").asInt(0), body.path("version").asInt(0)));
        Http.ok(ctx, Http.fields("id", id));
    }

    private static SchemaVersion version(SchemaRegistry registry, Context ctx) {
        return registry.version(subject(ctx), ctx.pathParam("version"), Http.flag(ctx, "deleted"));
    }

    /** A version as Confluent shows it; schemaType is omitted for AVRO. */
    static Object answer(SchemaVersion v) {
        return Http.fields("subject", v.subject(), "version", v.version(), "id", v.id(), "schema", v.schema());
    }

    static String subject(Context ctx) {
        return ctx.pathParam("subject");
    }
}
