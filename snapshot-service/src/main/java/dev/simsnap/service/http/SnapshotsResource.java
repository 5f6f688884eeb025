package dev.simsnap.service.http;

import dev.simsnap.snapshot.read.RunState;
import dev.simsnap.snapshot.write.SnapshotWriter;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SortedMap;

/**
 * Snapshots, taken at the run's consistent iteration on the instance owning the run:
 * {@code POST /runs/{run}/snapshots} writes {@code <output root>/<run>/} with {@link SnapshotWriter} and answers
 * 201 {@code {"run","iteration","path"}} (the path is on the owner's file system); {@code GET /runs/{run}/snapshot}
 * answers the same files as a zip ({@link SnapshotZip}) rendered in memory, nothing written to disk.
 * With {@code ?iteration=N} both rebuild the run as of the end of iteration N from the deltas history
 * ({@link dev.simsnap.snapshot.replay.RunReplayer}, any instance, nothing routed); the folder is
 * {@code <output root>/<run>@<N>/} (see {@link SnapshotWriter#writeAsOf}). An unknown run answers 404, an
 * iteration the run never consistently reached 409, nothing is written then. {@code POST ...?generation=G}
 * writes {@code <output root>/<run>@g<G>/persona_data/gen_0.json ... gen_<G>.json} only (409 unless generations
 * 0..G are all visible); visible generations never change, so it is the same bytes whenever taken.
 */
final class SnapshotsResource {

    private final Routing routing;
    private final ServiceMetrics metrics;

    SnapshotsResource(Routing routing, ServiceMetrics metrics) {
        this.routing = routing;
        this.metrics = metrics;
    }

    void register(Javalin app) {
        app.post("/runs/{run}/snapshots", this::write);
        app.get("/runs/{run}/snapshot", this::zip);
    }

    private void write(Context ctx) throws Exception {
        String runId = Routing.runId(ctx);
        Long asOf = iteration(ctx);
        Long generation = AsOf.number(ctx, "generation");
        if (generation != null) {
            if (asOf != null) {
                throw new ApiException(400, "use either ?iteration= (or ?clock=) or ?generation=");
            }
            if (generation > Integer.MAX_VALUE) {
                throw new ApiException(400, "generation " + generation + " is out of range (at most "
                        + Integer.MAX_VALUE + ")");
            }
            int g = generation.intValue();
            routing.onOwner(ctx, runId, c -> {
                ServiceContext s = routing.service();
                Path folder;
                try {
                    folder = s.writer().writeGenerations(runId, g, s.generationsUpTo(runId, g));
                } catch (IOException e) {
                    throw ApiErrors.writeFailed(runId, e.toString());
                }
                metrics.snapshotWritten();
                c.status(201).json(new ApiJson.GenerationSnapshotWritten(runId, g, folder.toString()));
            });
            return;
        }
        if (asOf != null) {
            ServiceContext s = routing.service();
            RunState state = s.runStateAt(runId, asOf);
            Path folder;
            try {
                folder = s.writer().writeAsOf(state);
            } catch (IOException e) {
                throw ApiErrors.writeFailed(runId, e.toString());
            }
            metrics.snapshotWritten();
            ctx.status(201).json(new ApiJson.SnapshotWritten(runId, state.iteration(), folder.toString()));
            return;
        }
        routing.onOwner(ctx, runId, c -> {
            ServiceContext s = routing.service();
            RunState state = s.runState(runId);
            Path folder;
            try {
                folder = s.writer().write(state);
            } catch (IOException e) {
                throw ApiErrors.writeFailed(runId, e.toString());
            }
            metrics.snapshotWritten();
            c.status(201).json(new ApiJson.SnapshotWritten(runId, state.iteration(), folder.toString()));
        });
    }

    private void zip(Context ctx) throws Exception {
        String runId = Routing.runId(ctx);
        Long asOf = iteration(ctx);
        if (asOf != null) {
            SortedMap<String, byte[]> files = SnapshotWriter.render(routing.service().runStateAt(runId, asOf));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            SnapshotZip.write(runId, files, bytes);
            ctx.contentType("application/zip")
                    .header("Content-Disposition", "attachment; filename=\"" + runId + "@" + asOf + ".zip\"")
                    .result(bytes.toByteArray());
            return;
        }
        routing.onOwner(ctx, runId, c -> {
            SortedMap<String, byte[]> files = SnapshotWriter.render(routing.service().runState(runId));
            // Rendered fully before the first byte is sent, so a failure still becomes a proper error answer.
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            SnapshotZip.write(runId, files, bytes);
            c.contentType("application/zip")
                    .header("Content-Disposition", "attachment; filename=\"" + runId + ".zip\"")
                    .result(bytes.toByteArray());
        });
    }

    /** The step asked for: {@code ?iteration=N} or {@code ?clock=...} ({@link AsOf}); null when neither is given. */
    private Long iteration(Context ctx) {
        return AsOf.step(ctx, routing, "iteration");
    }
}
