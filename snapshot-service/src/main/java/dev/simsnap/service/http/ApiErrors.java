package dev.simsnap.service.http;

import dev.simsnap.schema.contract.RunIds;

/** Every error status and message of the REST API, in one place. Messages are one line, no stack traces. */
public final class ApiErrors {

    private ApiErrors() {
    }

    /** 400: the run id breaks {@link RunIds} (hostile ids such as {@code ../../etc} land here). */
    public static ApiException invalidRunId(String runId) {
        try {
            RunIds.require("run id", runId);
            return new ApiException(400, "invalid run id");
        } catch (IllegalArgumentException e) {
            return new ApiException(400, e.getMessage());
        }
    }

    /** 404: no instance holds the run. */
    public static ApiException unknownRun(String runId) {
        return new ApiException(404, "unknown run '" + runId + "'");
    }

    /** 400: the entity type path segment is not one of the known types. */
    public static ApiException unknownEntityType(String type) {
        return new ApiException(400, "unknown entity type '" + printable(type)
                + "': use information, person, stock, market, market_index or document");
    }

    /** 404: the run has no such entity at its consistent iteration. */
    public static ApiException unknownEntity(String runId, String type, String id) {
        return new ApiException(404, "run '" + runId + "' has no " + type + " '" + printable(id) + "'");
    }

    /** 400: a document read without (or with an invalid) {@code ?collection=}. */
    public static ApiException badCollection(String collection) {
        return collection == null || collection.isEmpty()
                ? new ApiException(400, "document reads need ?collection=<name>")
                : new ApiException(400, "invalid collection '" + printable(collection)
                        + "': use 1-128 characters of A-Z a-z 0-9 . _ - and do not start with '.'");
    }

    /** 400: a path or query value that must be a whole number is not. */
    public static ApiException badNumber(String what, String value) {
        return new ApiException(400, what + " must be a non-negative whole number, got '" + printable(value) + "'");
    }

    /** 404: the generation is not visible (not sealed or not complete). */
    public static ApiException unknownGeneration(String runId, int generation) {
        return new ApiException(404, "run '" + runId + "' has no visible generation " + generation);
    }

    /** 404: a state-model run's generations collection has no such generation. */
    public static ApiException unknownGeneration(String runId, String collection, long generation) {
        return new ApiException(404, "run '" + runId + "' has no generation " + generation + " in collection '"
                + collection + "'");
    }

    /** 404: every version of the generation was saved after the step an as-of read asks for. */
    public static ApiException generationNotYetSaved(String runId, String collection, long generation, long step,
                                                     long firstStep) {
        return new ApiException(404, "run '" + runId + "' has no version of generation " + generation
                + " in collection '" + collection + "' saved at or before step " + step + " (its first version was"
                + " saved at step " + firstStep + ")");
    }

    /** 404: the run's kind declares no generations collection (of that name). */
    public static ApiException unknownGenerationsCollection(String runId, String collection,
                                                            java.util.Collection<String> known) {
        String has = known.isEmpty() ? "its kind declares no generations collection"
                : "its generations collections: " + String.join(", ", known);
        return collection == null
                ? new ApiException(404, "run '" + runId + "' keeps no generations: " + has)
                : new ApiException(404, "run '" + runId + "' has no generations collection '" + printable(collection)
                        + "' (" + has + ")");
    }

    /** 400: the run keeps generations in several collections and the read names none. */
    public static ApiException generationsCollectionNeeded(String runId, java.util.Collection<String> known) {
        return new ApiException(400, "run '" + runId + "' keeps generations in several collections ("
                + String.join(", ", known) + "): name one with ?collection=");
    }

    /** 400: as-of or collection parameters on a generation of a v1 run, whose generations have one version each. */
    public static ApiException v1GenerationQuery(String runId) {
        return new ApiException(400, "run '" + runId + "' was started without a state model: each of its"
                + " generations has one version, so ?step=, ?clock= and ?collection= do not apply");
    }

    /** 409: an as-of read of a step the run has not (consistently) reached. */
    public static ApiException stepNotReached(String runId, long consistent, long step) {
        return new ApiException(409, "run '" + runId + "' is consistent only up to step " + consistent + "; step "
                + step + " is not available");
    }

    /** 409: an as-of snapshot of an iteration the run has not (consistently) reached. */
    public static ApiException iterationNotReached(String detail) {
        return new ApiException(409, detail);
    }

    /** 503: Streams is not running yet (or is shutting down), stores cannot be queried. */
    public static ApiException notReady(String why) {
        return new ApiException(503, "snapshot service not ready: " + why + "; retry shortly");
    }

    /** 503: the run is moving between instances (rebalance) and no copy is readable here. */
    public static ApiException rebalancing(String runId) {
        return new ApiException(503, "run '" + runId + "' is moving between instances (rebalance); retry shortly");
    }

    /** 503: a consistent read kept overlapping iteration applies. */
    public static ApiException busy(String runId) {
        return new ApiException(503, "run '" + runId + "' is changing too fast for a consistent read; retry");
    }

    /**
     * The schema registry could not give a schema the answer needs: 503 when it cannot be reached or answers 5xx
     * (retry later); otherwise 502 naming its answer: a refusal of the service's credentials (401/403) or a schema
     * it no longer has, neither of which the caller can retry away.
     */
    public static ApiException registryUnavailable(dev.simsnap.registry.client.RegistryException e) {
        if (e.isTransient()) {
            return new ApiException(503, "the schema registry cannot be reached to decode this run's records ("
                    + printable(e.registryMessage()) + "); retry shortly");
        }
        if (e.status() == 401 || e.status() == 403) {
            return new ApiException(502, "the schema registry refused the snapshot service (status " + e.status()
                    + "): check the service's registry credentials");
        }
        return new ApiException(502, "the schema registry answered " + e.status() + " for a schema this run's records"
                + " use: " + printable(e.registryMessage()));
    }

    /** 502: the owning instance could not be reached. */
    public static ApiException ownerUnreachable(String host, String detail) {
        return new ApiException(502, "instance " + host + " owning the run is unreachable: " + printable(detail));
    }

    /** 404: no such route. */
    public static ApiException noRoute(String method, String path) {
        return new ApiException(404, "no endpoint " + method + " " + printable(path));
    }

    /** 500: writing the snapshot failed. */
    public static ApiException writeFailed(String runId, String detail) {
        return new ApiException(500, "cannot write snapshot of run '" + runId + "': " + printable(detail));
    }

    /**
     * An error the HTTP layer raises before routing (status as given; 400 for paths it refuses, such as
     * {@code ..} segments climbing above the root).
     */
    public static ApiException badRequest(int status, String reason) {
        return status == 400
                ? new ApiException(400, "invalid request path, refused by the HTTP layer: " + printable(reason == null
                        ? "malformed request" : reason) + " ('..' segments climbing above the root, control"
                        + " characters and malformed request lines are refused; run ids use 1-128 characters of"
                        + " A-Z a-z 0-9 . _ -)")
                : new ApiException(status, "request refused: " + printable(reason == null ? "HTTP " + status : reason));
    }

    /** 500: anything unexpected (the details go to the log). */
    public static ApiException internal(String detail) {
        return new ApiException(500, "internal error: " + printable(detail));
    }

    static String printable(String s) {
        if (s == null) {
            return "null";
        }
        String shown = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
