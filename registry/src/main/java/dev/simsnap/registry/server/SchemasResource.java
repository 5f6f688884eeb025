package dev.simsnap.registry.server;

import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.List;

/**
 * Schemas by global id.
 *
 * <ul>
 * <li>{@code GET /schemas/types} → {@code ["AVRO"]}</li>
 * <li>{@code GET /schemas/ids/{id}} → {@code {"schema": "..."}} (no schemaType: Confluent omits it for AVRO); 40403</li>
 * <li>{@code GET /schemas/ids/{id}/schema} → the schema itself</li>
 * <li>{@code GET /schemas/ids/{id}/versions[?deleted=true]} → {@code [{"subject","version"}]}; 40403</li>
 * <li>{@code GET /schemas/ids/{id}/subjects[?deleted=true]} → {@code ["subject"]}; 40403</li>
 * </ul>
 */
final class SchemasResource {

    private final SchemaRegistry registry;

    private SchemasResource(SchemaRegistry registry) {
        this.registry = registry;
    }

    static void register(Javalin app, SchemaRegistry registry) {
        SchemasResource r = new SchemasResource(registry);
        app.get("/schemas/types", ctx -> Http.ok(ctx, List.of("AVRO")));
        app.get("/schemas/ids/{id}", ctx -> Http.ok(ctx, Http.fields("schema", registry.schemaById(id(ctx)))));
        app.get("/schemas/ids/{id}/schema", r::rawSchema);
        app.get("/schemas/ids/{id}/versions", ctx -> Http.ok(ctx,
                registry.versionsOfId(id(ctx), Http.flag(ctx, "deleted")).stream()
                        .map(v -> Http.fields("subject", v.subject(), "version", v.version())).toList()));
        app.get("/schemas/ids/{id}/subjects", ctx -> Http.ok(ctx,
                registry.versionsOfId(id(ctx), Http.flag(ctx, "deleted")).stream()
                        .map(RegistryState.Version::subject).distinct().sorted().toList()));
    }

    private void rawSchema(Context ctx) {
        ctx.status(200).contentType(Http.CONTENT_TYPE).result(registry.schemaById(id(ctx)));
    }

    /** The id path segment; a non-number can name no schema, so it is 40403 like an unknown id. */
    private static int id(Context ctx) {
        String text = ctx.pathParam("id");
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw ErrorCode.SCHEMA_NOT_FOUND.exception("Schema " + text + " not found");
        }
    }
}
