package dev.simsnap.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's memory bound for request bodies, for every transfer encoding: a body is read while it arrives and
 * refused (413) as soon as it passes {@link #maxBody()} bytes — a chunked or streamed body included, which has no
 * Content-Length to check first — and all requests being read or processed together hold at most
 * {@link #budget()} bytes of body (a request reserves its Content-Length, or the maximum when it has none, and
 * waits for room at most {@link #WAIT_MS} ms, else 503). Processing a body costs a bounded multiple of its size
 * (JSON tree, Avro records), so the gateway's heap use for requests is bounded by a multiple of the budget.
 */
final class BodyLimits {

    /** Config key: most bytes of one request body (default 16 MiB). */
    static final String MAX_BODY = "simsnap.gateway.max.body.bytes";
    /** Config key: most bytes of body held by all requests at once (default 4 × the body limit). */
    static final String BUDGET = "simsnap.gateway.body.budget.bytes";
    static final long DEFAULT_MAX_BODY = 16L * 1024 * 1024;
    /** How long a request waits for budget before it is answered 503. */
    static final long WAIT_MS = 30_000;

    private final long maxBody;
    private final long budget;
    /** Permits are KiB, so budgets up to 2 TiB fit in an int. */
    private final Semaphore permits;

    BodyLimits(long maxBody, long budget) {
        if (maxBody < 1 || budget < maxBody) {
            throw new IllegalArgumentException("config '" + MAX_BODY + "' must be >= 1 and '" + BUDGET
                    + "' at least as large, got " + maxBody + " and " + budget);
        }
        this.maxBody = maxBody;
        this.budget = budget;
        this.permits = new Semaphore(kib(budget), true);
    }

    /** From the gateway's properties (defaults when absent). */
    static BodyLimits of(java.util.Properties config) {
        long max = number(config, MAX_BODY, DEFAULT_MAX_BODY);
        return new BodyLimits(max, number(config, BUDGET, 4 * max));
    }

    long maxBody() {
        return maxBody;
    }

    long budget() {
        return budget;
    }

    /** Budget held while one request is read and processed; closing returns it. */
    final class Lease implements AutoCloseable {
        private final int kib;

        private Lease(int kib) {
            this.kib = kib;
        }

        @Override
        public void close() {
            permits.release(kib);
        }
    }

    /**
     * Reserves budget for a body of {@code contentLength} bytes (-1: unknown, so the maximum).
     *
     * @throws GatewayException 413 when the declared length is over the limit, 503 when no budget frees in time
     */
    Lease lease(long contentLength) {
        if (contentLength > maxBody) {
            throw tooLarge(contentLength + " bytes");
        }
        int kib = kib(contentLength < 0 ? maxBody : contentLength);
        try {
            if (!permits.tryAcquire(kib, WAIT_MS, TimeUnit.MILLISECONDS)) {
                throw new GatewayException(503, null, "the gateway is busy with other large requests (it holds at"
                        + " most " + budget + " bytes of request bodies at once): retry the same request");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException(503, null, "interrupted while waiting for the body budget");
        }
        return new Lease(kib);
    }

    /** The whole body, read as it arrives; 413 the moment it passes the limit (nothing after that is kept). */
    byte[] read(InputStream in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
                if (total > maxBody) {
                    throw tooLarge("more than " + maxBody + " bytes");
                }
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the request body failed", e);
        }
        return out.toByteArray();
    }

    private GatewayException tooLarge(String size) {
        return new GatewayException(413, null, "body: " + size + ", over the gateway's limit of " + maxBody
                + " bytes per request (" + MAX_BODY + "); send large state in several steps");
    }

    private static int kib(long bytes) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, (bytes + 1023) / 1024));
    }

    private static long number(java.util.Properties config, String key, long fallback) {
        String v = config.getProperty(key);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("config '" + key + "' must be an integer, got '" + v + "'");
        }
    }
}
