package dev.simsnap.it.fault;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Readers hammering one service instance while faults happen: per run, a poller taking the snapshot zip
 * ({@code GET /runs/{run}/snapshot}) whose every answer must be exactly the state of steps {@code 0..k} of every
 * worker for one {@code k} ({@link ReferenceState#cut}: never a mix), and never a 404 once the run was served (an
 * answer at an earlier {@code k} than a previous one is counted, not refused: reads are consistent, not monotonic
 * across a failover), and an SSE
 * subscriber ({@code /events?from=0}) whose iteration events must come each exactly once, in order (a dropped
 * connection resumes from the next one, as a client would).
 */
final class Readers implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    private final Map<String, List<String>> workersByRun;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger readsAfterFault = new AtomicInteger();
    final AtomicInteger unanswered = new AtomicInteger();
    final AtomicInteger unansweredAfterFault = new AtomicInteger();
    /** Answers (whole, consistent) at an earlier step than an answer before them, e.g. from a lagging standby. */
    final AtomicInteger behind = new AtomicInteger();
    /** Of {@link #behind}, the ones marked {@code X-Simsnap-Stale}. */
    final AtomicInteger behindStale = new AtomicInteger();
    final AtomicInteger events = new AtomicInteger();
    final AtomicInteger eventsAfterFault = new AtomicInteger();
    final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    /** The first few reads not answered after the fault (status and first line, or the I/O error). */
    final List<String> unansweredDetails = Collections.synchronizedList(new ArrayList<>());
    final Map<String, AtomicLong> lastCut = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> lastEvent = new ConcurrentHashMap<>();
    private volatile long faultAt = Long.MAX_VALUE;

    /** Readers of {@code url} for each run (run to its expected workers). */
    Readers(String url, Map<String, List<String>> workersByRun) {
        this.url = url;
        this.workersByRun = workersByRun;
    }

    Readers start() {
        for (Map.Entry<String, List<String>> run : workersByRun.entrySet()) {
            lastCut.put(run.getKey(), new AtomicLong(-1));
            lastEvent.put(run.getKey(), new AtomicLong(-1));
            threads.add(daemon("zip-" + run.getKey(), () -> pollSnapshots(run.getKey(), run.getValue())));
            threads.add(daemon("sse-" + run.getKey(), () -> followEvents(run.getKey())));
        }
        threads.forEach(Thread::start);
        return this;
    }

    /** Marks now as the moment of the fault, to count reads answered after it. */
    void faultInjected() {
        faultAt = System.nanoTime();
    }

    private void pollSnapshots(String run, List<String> workers) {
        while (!stop) {
            try {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url + "/runs/" + run
                        + "/snapshot")).timeout(Duration.ofSeconds(10)).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() == 200) {
                    ReferenceState.Cut cut = ReferenceState.cut(ReferenceState.unzip(r.body()), workers);
                    long previous = lastCut.get(run).getAndUpdate(v -> Math.max(v, cut.step()));
                    if (cut.problem() != null) {
                        violations.add(run + " snapshot: " + cut.problem());
                    } else if (cut.step() < previous) {
                        // Not a violation: an earlier step, whole. The service promises consistent cuts, not
                        // monotonic reads across a failover; counted and printed.
                        behind.incrementAndGet();
                        if (r.headers().firstValue("X-Simsnap-Stale").isPresent()) {
                            behindStale.incrementAndGet();
                        }
                    }
                    reads.incrementAndGet();
                    if (System.nanoTime() > faultAt) {
                        readsAfterFault.incrementAndGet();
                    }
                } else if (r.statusCode() == 404 && lastCut.get(run).get() >= 0) {
                    violations.add(run + " snapshot: 404 for a run already served: " + new String(r.body(),
                            java.nio.charset.StandardCharsets.UTF_8));
                } else if ((r.statusCode() != 404 && r.statusCode() != 409) || lastCut.get(run).get() >= 0) {
                    // 404/409 before the run's first consistent step is normal
                    unanswered(run + " snapshot: " + r.statusCode() + " " + new String(r.body(),
                            java.nio.charset.StandardCharsets.UTF_8).lines().findFirst().orElse(""));
                }
            } catch (IOException e) {
                unanswered(run + " snapshot: " + e);
            } catch (InterruptedException e) {
                return;
            }
            sleep(150);
        }
    }

    private void unanswered(String what) {
        unanswered.incrementAndGet();
        if (System.nanoTime() > faultAt) {
            unansweredAfterFault.incrementAndGet();
            if (unansweredDetails.size() < 10) {
                unansweredDetails.add(what);
            }
        }
    }

    private void followEvents(String run) {
        while (!stop) {
            long from = lastEvent.get(run).get() + 1;
            HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/runs/" + run + "/events?from=" + from))
                    .header("Accept", "text/event-stream").GET().build();
            try {
                HttpResponse<Stream<String>> r = http.send(request, HttpResponse.BodyHandlers.ofLines());
                if (r.statusCode() != 200) {
                    sleep(300);
                    continue;
                }
                try (Stream<String> lines = r.body()) {
                    String[] event = {null};
                    lines.takeWhile(l -> !stop).forEach(line -> {
                        if (line.startsWith("event:")) {
                            event[0] = line.substring(6).trim();
                        } else if (line.startsWith("data:") && "iteration".equals(event[0])) {
                            iteration(run, line.substring(5).trim());
                        }
                    });
                }
            } catch (IOException | RuntimeException e) {
                sleep(300); // the connection dropped: resume from the next iteration
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void iteration(String run, String data) {
        long it;
        try {
            it = JSON.readTree(data).path("iteration").asLong(-1);
        } catch (IOException e) {
            violations.add(run + " event not JSON: " + data);
            return;
        }
        long last = lastEvent.get(run).get();
        if (it != last + 1) {
            violations.add(run + " event for step " + it + " after step " + last
                    + (it <= last ? " (repeated)" : " (gap)"));
        }
        lastEvent.get(run).set(Math.max(last, it));
        events.incrementAndGet();
        if (System.nanoTime() > faultAt) {
            eventsAfterFault.incrementAndGet();
        }
    }

    /** Waits until the snapshots and events of every run reached {@code step}, or {@code timeout} passed. */
    boolean awaitStep(long step, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (lastCut.values().stream().allMatch(v -> v.get() >= step)
                    && lastEvent.values().stream().allMatch(v -> v.get() >= step)) {
                return true;
            }
            sleep(100);
        }
        return false;
    }

    @Override
    public void close() {
        stop = true;
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, "reader-" + name);
        t.setDaemon(true);
        return t;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
