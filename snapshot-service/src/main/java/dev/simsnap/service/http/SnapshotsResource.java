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
 * {@code ?iteration=N} is refused with 400 for now: the stores keep only the consistent state.
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
        refuseIteration(ctx);
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
        refuseIteration(ctx);
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

    private static void refuseIteration(Context ctx) {
        String iteration = ctx.queryParam("iteration");
        if (iteration != null) {
            if (!iteration.matches("[0-9]{1,18}")) {
                throw ApiErrors.badNumber("iteration", iteration);
            }
            throw ApiErrors.iterationNotSupported();
        }
    }
}
