package dev.simsnap.service.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.render.json.JsonFormat;
import dev.simsnap.render.json.JsonWriter;
import dev.simsnap.snapshot.delta.GenerationItems;
import dev.simsnap.snapshot.read.GenerationView;
import dev.simsnap.snapshot.read.ModelGenerations;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Generations of a run, answered by the run's owner.
 *
 * <p>A v1 run (no state model): {@code GET /runs/{run}/generations} answers {@code {"run","generations":[ids]}}
 * (visible ids, ascending) and {@code GET /runs/{run}/generations/{g}} exactly the bytes of the snapshot's
 * {@code persona_data/gen_<g>.json}; the owner takes the generation data from the generation stores' owner when that
 * is another instance ({@code GET /internal/generations/...}, local reads only).
 *
 * <p>A run with a state model: every save of a generation is a new version (see
 * {@link dev.simsnap.snapshot.delta.GenerationItems}). The listing adds {@code consistent_step} and
 * {@code collections}: each generations collection with each generation's versions ({@code version}, {@code step},
 * {@code member_count}). {@code GET /runs/{run}/generations/{g}} answers one version,
 * {@code {"run","collection","generation","version","step","member_count","members":[...]}}, members as item reads
 * write items: the newest version, or with {@code ?step=N} (or {@code ?clock=field:value,...}, the last consistent
 * step at or before that clock) the newest one saved at or before that step. {@code ?collection=} names the
 * collection, needed only when the kind has several.
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
            Optional<ModelGenerations> model = s.reader().modelGenerations(runId, false);
            if (model.isPresent()) {
                c.json(listing(model.get()));
            } else {
                c.json(new ApiJson.GenerationList(runId, s.generationIds(runId)));
            }
        });
    }

    private void one(Context ctx) throws Exception {
        String runId = Routing.runId(ctx);
        long generation = generation(ctx);
        routing.onOwner(ctx, runId, c -> {
            ServiceContext s = routing.service();
            s.runInfo(runId);
            Optional<ModelGenerations> model = s.reader().modelGenerations(runId, false);
            if (model.isPresent()) {
                oneVersion(c, s, model.get(), generation);
                return;
            }
            if (c.queryParam("step") != null || c.queryParam("clock") != null || c.queryParam("collection") != null) {
                throw ApiErrors.v1GenerationQuery(runId);
            }
            int g = v1Generation(generation);
            List<JsonNode> members = s.generation(runId, g)
                    .orElseThrow(() -> ApiErrors.unknownGeneration(runId, g));
            writeMembers(c, members);
        });
    }

    /** One version of a state-model run's generation: the newest, or the newest saved at or before the as-of step. */
    private void oneVersion(Context c, ServiceContext s, ModelGenerations model, long generation) throws IOException {
        String runId = model.runId();
        Set<String> names = model.collections().keySet();
        String collection = c.queryParam("collection");
        if (collection == null && names.size() > 1) {
            throw ApiErrors.generationsCollectionNeeded(runId, names);
        }
        if (collection == null && names.isEmpty() || collection != null && !names.contains(collection)) {
            throw ApiErrors.unknownGenerationsCollection(runId, collection, names);
        }
        String name = collection != null ? collection : names.iterator().next();
        List<GenerationItems.Version> versions = model.collections().get(name).get(generation);
        if (versions == null) {
            throw ApiErrors.unknownGeneration(runId, name, generation);
        }
        Long step = AsOf.step(c, routing, "step");
        if (step != null && step > model.consistentStep()) {
            throw ApiErrors.stepNotReached(runId, model.consistentStep(), step);
        }
        GenerationItems.Version seen = GenerationItems.asOf(versions, step);
        if (seen == null) {
            throw ApiErrors.generationNotYetSaved(runId, name, generation, step, versions.get(0).step());
        }
        List<String> members = s.reader().generationMembers(runId, name, generation, seen.version())
                .orElseThrow(() -> ApiErrors.unknownGeneration(runId, name, generation));
        StringWriter out = new StringWriter();
        try (JsonGenerator g = ApiJson.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("run", runId);
            g.writeStringField("collection", name);
            g.writeNumberField("generation", generation);
            g.writeNumberField("version", seen.version());
            if (seen.step() >= 0) {
                g.writeNumberField("step", seen.step());
            }
            g.writeNumberField("member_count", seen.memberCount());
            g.writeArrayFieldStart("members");
            for (String member : members) {
                g.writeRawValue(member);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        c.contentType("application/json").result(out.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The listing of a state-model run's generations. */
    private static ApiJson.ModelGenerationList listing(ModelGenerations model) {
        SortedSet<Long> ids = new TreeSet<>();
        List<ApiJson.GenerationCollection> collections = new ArrayList<>();
        model.collections().forEach((name, generations) -> {
            List<ApiJson.GenerationVersions> gens = new ArrayList<>();
            generations.forEach((g, versions) -> {
                ids.add(g);
                gens.add(new ApiJson.GenerationVersions(g, versions.stream().map(v -> new ApiJson.GenerationVersion(
                        v.version(), v.step() < 0 ? null : v.step(), v.memberCount())).toList()));
            });
            collections.add(new ApiJson.GenerationCollection(name, gens));
        });
        return new ApiJson.ModelGenerationList(model.runId(), model.consistentStep(), List.copyOf(ids), collections);
    }

    private void localList(Context ctx) {
        String runId = Routing.runId(ctx);
        ctx.json(new ApiJson.GenerationList(runId, routing.service().reader().generationIds(runId)));
    }

    private void localOne(Context ctx) {
        String runId = Routing.runId(ctx);
        int generation = v1Generation(generation(ctx));
        List<JsonNode> members = routing.service().reader().generation(runId, generation)
                .map(GenerationView::members)
                .orElseThrow(() -> ApiErrors.unknownGeneration(runId, generation));
        writeMembers(ctx, members);
    }

    private static void writeMembers(Context ctx, List<JsonNode> members) {
        ctx.contentType("application/json").result(CANONICAL.toBytes(members));
    }

    /** The {@code {generation}} path parameter: a non-negative whole number (400 otherwise). */
    private static long generation(Context ctx) {
        String text = ctx.pathParam("generation");
        if (!text.matches("[0-9]{1,18}")) {
            throw ApiErrors.badNumber("generation", text);
        }
        return Long.parseLong(text);
    }

    /** A v1 generation number (v1 generations are ints): 400 beyond that range. */
    private static int v1Generation(long generation) {
        if (generation > Integer.MAX_VALUE) {
            throw new ApiException(400, "generation " + generation + " is out of range (at most "
                    + Integer.MAX_VALUE + ")");
        }
        return (int) generation;
    }
}
