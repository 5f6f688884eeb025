package dev.simsnap.service.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.render.json.JsonFormat;
import dev.simsnap.render.json.JsonWriter;
import dev.simsnap.snapshot.read.GenerationView;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.List;

/**
 * Generations of a run: {@code GET /runs/{run}/generations} (visible ids, ascending) and
 * {@code GET /runs/{run}/generations/{g}} (exactly the bytes of the snapshot's {@code persona_data/gen_<g>.json}).
 * Answered by the run's owner, which takes the generation data from the generation stores' owner when that is
 * another instance ({@code GET /internal/generations/...}, local reads only).
 */
final class GenerationsResource {

    /** The bytes of the snapshot's generation files. */
    private static final JsonWriter CANONICAL = JsonWriter.of(JsonFormat.canonical());

    private final Routing routing;

    GenerationsResource(Routing routing) {
        this.routing = routing;
    }

    void register(Javalin app) {
        app.get("/runs/{run}/generations", this::list);
        app.get("/runs/{run}/generations/{generation}", this::one);
        app.get("/internal/generations/{run}", this::localList);
        app.get("/internal/generations/{run}/{generation}", this::localOne);
    }

    private void list(Context ctx) throws Exception {
        String runId = Routing.runId(ctx);
        routing.onOwner(ctx, runId, c -> {
            ServiceContext s = routing.service();
            s.runInfo(runId);
            c.json(new ApiJson.GenerationList(runId, s.generationIds(runId)));
        });
    }

    private void one(Context ctx) throws Exception {
        String runId = Routing.runId(ctx);
        int generation = generation(ctx);
        routing.onOwner(ctx, runId, c -> {
            ServiceContext s = routing.service();
            s.runInfo(runId);
            List<JsonNode> members = s.generation(runId, generation)
                    .orElseThrow(() -> ApiErrors.unknownGeneration(runId, generation));
            writeMembers(c, members);
        });
    }

    private void localList(Context ctx) {
        String runId = Routing.runId(ctx);
        ctx.json(new ApiJson.GenerationList(runId, routing.service().reader().generationIds(runId)));
    }

    private void localOne(Context ctx) {
        String runId = Routing.runId(ctx);
        int generation = generation(ctx);
        List<JsonNode> members = routing.service().reader().generation(runId, generation)
                .map(GenerationView::members)
                .orElseThrow(() -> ApiErrors.unknownGeneration(runId, generation));
        writeMembers(ctx, members);
    }

    private static void writeMembers(Context ctx, List<JsonNode> members) {
        ctx.contentType("application/json").result(CANONICAL.toBytes(members));
    }

    private static int generation(Context ctx) {
        String text = ctx.pathParam("generation");
        if (!text.matches("[0-9]{1,9}")) {
            throw ApiErrors.badNumber("generation", text);
        }
        return Integer.parseInt(text);
    }
}
