package dev.simsnap.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Readers that hammer a run's REST reads while it is written: one thread for snapshots (the live zip
 * {@code GET /runs/{run}/snapshot}, the live folder {@code POST /runs/{run}/snapshots}, and now and then an as-of
 * zip {@code ?iteration=K} of a step already consistent), one for items ({@code GET /runs/{run}/items/{c}?id=},
 * entities and ledger books, some never written).
 *
 * <p>Each read is bracketed by two reads of the run's consistent step ({@code GET /runs/{run}}), c0 before and c1
 * after. What it returns must equal the reference state (or item) after some step k with c0 <= k <= c1: a mix of
 * steps matches no step, a half-applied step matches none either (every step changes its worker's ledger book).
 * A live folder says its step: it must be that k. An as-of read must equal the reference at the step it names.
 *
 * <p>Overlap is counted, not assumed: {@code read.during-commit} counts reads while a worker commit was in flight,
 * {@code read.across-apply} reads during which the consistent step advanced (the service applied a step while
 * the read was being answered).
 */
final class CheckerReaders implements AutoCloseable {

    static final long UNKNOWN = -2;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String service;
    private final String run;
    private final CheckerReference reference;
    private final CheckerCommits commits;
    private final Consumer<String> violations;
    private final List<String> workers;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;

    private CheckerReaders(String service, String run, CheckerReference reference, CheckerCommits commits,
                           List<String> workers, Consumer<String> violations) {
        this.service = service;
        this.run = run;
        this.reference = reference;
        this.commits = commits;
        this.workers = workers;
        this.violations = violations;
    }

    static CheckerReaders start(String service, String run, CheckerReference reference, CheckerCommits commits,
                                List<String> workers, Consumer<String> violations) {
        CheckerReaders r = new CheckerReaders(service, run, reference, commits, workers, violations);
        r.spawn("checker-snapshots", r::snapshots);
        r.spawn("checker-items", r::items);
        return r;
    }

    private void spawn(String name, Runnable loop) {
        Thread t = new Thread(() -> {
            try {
                while (!stop) {
                    loop.run();
                }
            } catch (RuntimeException | AssertionError e) {
                violations.accept(name + " failed: " + e);
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    // ---- snapshots ----------------------------------------------------------------------------------------------

    private void snapshots() {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        CheckerCommits.Mark mark = commits.mark();
        long c0 = consistent(service, run);
        if (c0 == UNKNOWN) {
            pause();
            return;
        }
        int pick = rnd.nextInt(10);
        if (pick == 0 && c0 >= 0) {
            long k = rnd.nextLong(c0 + 1);
            HttpResponse<byte[]> r = send(get("/runs/" + run + "/snapshot?iteration=" + k));
            if (answered(r, "as-of zip " + k)) {
                Map<String, Map<String, Object>> state = CheckerFiles.state(CheckerFiles.unzip(run, r.body()));
                if (!state.equals(reference.at(k))) {
                    violations.accept("as-of zip of step " + k + " differs from the reference at " + k
                            + CheckerFiles.diff(reference.at(k), state));
                }
                counted("as-of", mark, c0, c0);
            }
        } else if (pick < 4) {
            HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create(service + "/runs/" + run + "/snapshots"))
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build());
            long c1 = consistent(service, run);
            if (r.statusCode() == 201) {
                JsonNode body = CheckerJson.tree(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
                long k = body.get("iteration").asLong();
                Map<String, Map<String, Object>> state = CheckerFiles.state(
                        CheckerFiles.read(Path.of(body.get("path").asText())));
                if (k < c0 || k > c1) {
                    violations.accept("live folder says step " + k + " but was taken while the consistent step went"
                            + " from " + c0 + " to " + c1);
                } else if (!state.equals(reference.at(k))) {
                    violations.accept("live folder of step " + k + " (consistent " + c0 + ".." + c1 + ") differs from"
                            + " the reference at " + k + " (it equals the reference at steps "
                            + reference.stepsWith(state) + ")" + CheckerFiles.diff(reference.at(k), state));
                }
                counted("snapshot-folder", mark, c0, c1);
            } else {
                answered(r, "live folder");
            }
        } else {
            HttpResponse<byte[]> r = send(get("/runs/" + run + "/snapshot"));
            long c1 = consistent(service, run);
            if (answered(r, "live zip")) {
                checkWindow("live zip", CheckerFiles.state(CheckerFiles.unzip(run, r.body())), c0, c1);
                counted("snapshot-zip", mark, c0, c1);
            }
        }
    }

    private void checkWindow(String what, Map<String, Map<String, Object>> state, long c0, long c1) {
        for (long k = Math.max(c0, -1); k <= c1; k++) {
            if (state.equals(reference.at(k))) {
                return;
            }
        }
        StringBuilder against = new StringBuilder();
        for (long k = Math.max(c0, -1); k <= c1; k++) {
            against.append("\n  against step ").append(k).append(':').append(CheckerFiles.diff(reference.at(k), state));
        }
        violations.accept(what + " taken while the consistent step went from " + c0 + " to " + c1
                + " equals no reference state of those steps (it equals the reference at steps "
                + reference.stepsWith(state) + ")" + against);
    }

    // ---- items --------------------------------------------------------------------------------------------------

    private void items() {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        boolean ledger = rnd.nextInt(4) == 0;
        String collection = ledger ? "ledger" : "entities";
        // One id past the written ones: always absent, so a 404 is checked too.
        String id = ledger ? "w" + rnd.nextInt(workers.size() + 1) : CheckerScript.entity(rnd.nextInt(CheckerScript.POOL + 1));
        CheckerCommits.Mark mark = commits.mark();
        long c0 = consistent(service, run);
        if (c0 == UNKNOWN) {
            pause();
            return;
        }
        HttpResponse<byte[]> r = send(get("/runs/" + run + "/items/" + collection + "?id=" + id));
        long c1 = consistent(service, run);
        Object seen;
        if (r.statusCode() == 200) {
            seen = CheckerJson.parse(r.body());
        } else if (r.statusCode() == 404) {
            seen = null;
        } else {
            answered(r, "item " + collection + "/" + id);
            return;
        }
        boolean matched = false;
        for (long k = Math.max(c0, -1); k <= c1 && !matched; k++) {
            matched = Objects.equals(reference.item(k, collection, id), seen);
        }
        if (!matched) {
            violations.accept("item " + collection + "/" + id + " read while the consistent step went from " + c0
                    + " to " + c1 + " was " + seen + "; the reference has " + reference.item(Math.max(c1, -1),
                    collection, id) + " at step " + c1);
        }
        counted("item", mark, c0, c1);
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private void counted(String kind, CheckerCommits.Mark mark, long c0, long c1) {
        CheckerCounts.inc("read." + kind);
        if (commits.overlapped(mark)) {
            CheckerCounts.inc("overlap.during-commit");
        }
        if (c1 > c0) {
            CheckerCounts.inc("overlap.across-apply");
        }
    }

    /** True for 200; a 503 (busy: a read kept overlapping applies) is counted; anything else is a violation. */
    private boolean answered(HttpResponse<byte[]> r, String what) {
        if (r.statusCode() == 200) {
            return true;
        }
        String body = new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
        if (r.statusCode() == 503) {
            CheckerCounts.inc("busy-503");
        } else {
            violations.accept(what + " of run " + run + " answered " + r.statusCode() + ": " + body);
        }
        return false;
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create(service + path)).timeout(Duration.ofSeconds(30)).GET().build();
    }

    private static HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new AssertionError(request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The run's consistent step ({@code GET /runs/{run}}); {@link #UNKNOWN} while the service does not know it. */
    static long consistent(String service, String run) {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create(service + "/runs/" + run))
                .timeout(Duration.ofSeconds(30)).GET().build());
        if (r.statusCode() == 404) {
            return UNKNOWN;
        }
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /runs/" + run + " answered " + r.statusCode());
        }
        return CheckerJson.tree(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8))
                .get("consistent_iteration").asLong();
    }

    private void pause() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.join(60_000);
        }
    }
}
