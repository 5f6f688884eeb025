package dev.simsnap.service.http;

import dev.simsnap.render.json.JsonFormat;
import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.schema.delta.EntityType;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One entity at the run's consistent iteration: {@code GET /runs/{run}/entities/{type}/{id}} with type
 * {@code information}, {@code person}, {@code stock}, {@code market}, {@code market_index} or {@code document}
 * (then {@code ?collection=} is required) of a run started without a state model. Person and stock ids are whole
 * numbers. The body is the entity's canonical JSON (as in the snapshot's {@code classes/} files).
 */
final class EntitiesResource {

    private final Routing routing;

    EntitiesResource(Routing routing) {
        this.routing = routing;
    }

    void register(Javalin app) {
        app.get("/runs/{run}/entities/{type}/{id}", this::entity);
        app.get("/runs/{run}/items/{collection}", this::item);
    }

    /**
     * {@code GET /runs/{run}/items/{collection}?id=<entity id>} (a state-model run): the item at the consistent step
     * as JSON, rendered with its own writer schema. Keyed ids join their key values with {@code /}, a singleton's id
     * is empty, a row's is its row id.
     */
    private void item(Context ctx) throws Exception {
        String runId = Routing.runId(ctx);
        String collection = ctx.pathParam("collection");
        String id = ctx.queryParam("id");
        if (id == null) {
            throw new ApiException(400, "give the item's entity id as ?id= (empty for a singleton)");
        }
        routing.onOwner(ctx, runId, c -> {
            ServiceContext s = routing.service();
            s.runInfo(runId);
            String json = s.reader().item(runId, collection, id)
                    .orElseThrow(() -> ApiErrors.unknownEntity(runId, collection, id));
            c.contentType("application/json").result(json.getBytes(StandardCharsets.UTF_8));
        });
    }

    private void entity(Context ctx) throws Exception {
        String runId = Routing.runId(ctx);
        String typeText = ctx.pathParam("type");
        EntityType type = type(typeText);
        String id = ctx.pathParam("id");
        if (type == EntityType.PERSON || type == EntityType.STOCK) {
            if (!id.matches("-?[0-9]{1,9}")) {
                throw ApiErrors.badNumber(typeText + " id", id);
            }
            id = Integer.toString(Integer.parseInt(id));
        }
        String collection = ctx.queryParam("collection");
        if (type == EntityType.DOCUMENT && !RunIds.isValid(collection)) {
            throw ApiErrors.badCollection(collection);
        }
        String entityId = id;
        routing.onOwner(ctx, runId, c -> {
            ServiceContext s = routing.service();
            s.runInfo(runId);
            String entity = s.reader().entity(runId, type, collection, entityId, JsonFormat.canonical())
                    .orElseThrow(() -> ApiErrors.unknownEntity(runId, typeText, entityId));
            c.contentType("application/json").result(entity.getBytes(StandardCharsets.UTF_8));
        });
    }

    private static EntityType type(String text) {
        if (text.equals(text.toLowerCase(Locale.ROOT))) {
            for (EntityType t : EntityType.values()) {
                if (t.name().toLowerCase(Locale.ROOT).equals(text)) {
                    return t;
                }
            }
        }
        throw ApiErrors.unknownEntityType(text);
    }
}
