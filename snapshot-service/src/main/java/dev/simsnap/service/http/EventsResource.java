package dev.simsnap.service.http;

import dev.simsnap.schema.contract.RunIds;
import dev.simsnap.service.live.CatchUp;
import dev.simsnap.service.live.LiveEvent;
import dev.simsnap.service.live.LiveHub;
import dev.simsnap.service.live.Subscriber;
import io.javalin.Javalin;
import io.javalin.http.sse.SseClient;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /runs/{run}/events[?from=K]}: server-sent events of a run, served by any instance.
 *
 * <ul>
 *   <li>{@code from} omitted: {@code hello} {run, iteration, virtual_date} (the current consistent iteration, -1 if
 *       none yet), then every later iteration live;</li>
 *   <li>{@code from=K}: every iteration >= K rebuilt from {@code simsnap.deltas} ({@link CatchUp}), then live. The
 *       subscription to the live hub starts before the replay reads its end offset, and live iterations not above
 *       the last replayed one are skipped: each iteration exactly once, in order;</li>
 *   <li>{@code iteration} {run, iteration, virtual_date, changes:[{type, id, collection?, op, value}]}, one per
 *       consistent iteration, whole;</li>
 *   <li>{@code generation} {run, generation, member_count} when a generation is sealed (live only, not replayed);</li>
 *   <li>a subscriber whose bounded queue overflows gets its queued events, then {@code dropped} {run, reason}, and
 *       the stream closes.</li>
 * </ul>
 * The answer is {@code text/event-stream} whatever the request's {@code Accept} header says (none, a wildcard,
 * another type).
 */
final class EventsResource {

    private static final Logger LOG = LoggerFactory.getLogger(EventsResource.class);
    static final String EVENT_STREAM = "text/event-stream";

    /** What the resource needs once the service runs. */
    record Live(LiveHub hub, CatchUp catchUp, int queueCapacity) {
    }

    private final Supplier<Live> live;
    private final AtomicInteger threads = new AtomicInteger();
    private final ExecutorService senders = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "simsnap-sse-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    EventsResource(Supplier<Live> live) {
        this.live = live;
    }

    void register(Javalin app) {
        app.before("/runs/{run}/events", ctx -> {
            String run = ctx.pathParam("run");
            if (!RunIds.isValid(run)) {
                throw ApiErrors.invalidRunId(run);
            }
            String from = ctx.queryParam("from");
            if (from != null) {
                try {
                    if (Long.parseLong(from) < 0) {
                        throw ApiErrors.badNumber("from", from);
                    }
                } catch (NumberFormatException e) {
                    throw ApiErrors.badNumber("from", from);
                }
            }
            Live l = live.get();
            if (l == null || !l.hub().awaitCaughtUp(Duration.ofSeconds(10))) {
                throw ApiErrors.notReady("live hub not ready");
            }
        });
        // Not app.sse(): Javalin's SseHandler streams only when Accept is exactly text/event-stream and otherwise
        // answers 200 with an empty body (curl without -H, Accept: */*). The stream is the only representation of
        // this resource, so it is served whatever the Accept header says.
        app.get("/runs/{run}/events", ctx -> {
            HttpServletResponse res = ctx.res();
            res.setStatus(200);
            res.setCharacterEncoding("UTF-8");
            res.setContentType(EVENT_STREAM);
            res.addHeader("Connection", "close");
            res.addHeader("Cache-Control", "no-cache");
            res.addHeader("X-Accel-Buffering", "no");
            res.flushBuffer();
            ctx.async(cfg -> cfg.timeout = 0, () -> {
                SseClient client = new SseClient(ctx);
                client.keepAlive();
                String run = ctx.pathParam("run");
                String from = ctx.queryParam("from");
                Live l = live.get();
                senders.execute(() -> serve(l, client, run, from == null ? null : Long.parseLong(from)));
            });
        });
    }

    void close() {
        senders.shutdownNow();
    }

    private void serve(Live l, SseClient client, String run, Long from) {
        LiveHub.Subscription subscription = l.hub().subscribe(run, l.queueCapacity());
        Subscriber sub = subscription.subscriber();
        try {
            long last;
            long min;
            if (from == null) {
                LiveHub.Marker m = subscription.marker();
                last = m == null ? -1 : m.iteration();
                min = 0;
                send(client, LiveEvent.hello(run, last, m == null ? null : m.virtualDate()));
            } else {
                min = from;
                last = l.catchUp().replay(run, from, e -> send(client, e), client::terminated);
            }
            pump(sub, last, min, e -> send(client, e), client::terminated, () -> client.sendComment("keep-alive"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (dev.simsnap.registry.client.RegistryException e) {
            // The catch-up cannot decode the run's records: say so rather than send a stream with holes.
            LOG.warn("event stream of run {}: schema registry: {}", run, e.getMessage());
            send(client, LiveEvent.dropped(run, "catch-up-failed: the schema registry cannot be reached to decode"
                    + " the run's history; subscribe again later"));
        } catch (RuntimeException e) {
            LOG.warn("event stream of run {} failed: {}", run, e.toString());
        } finally {
            l.hub().unsubscribe(sub);
            client.close();
        }
    }

    /**
     * Sends the subscriber's live events above {@code last} (and >= {@code min}) until {@code terminated}, or until
     * it was dropped: then its queued events, the final {@code dropped} event, and returns.
     */
    static void pump(Subscriber sub, long last, long min, java.util.function.Consumer<LiveEvent> sink,
                     java.util.function.BooleanSupplier terminated, Runnable keepAlive) throws InterruptedException {
        long lastKeepAlive = System.nanoTime();
        while (!terminated.getAsBoolean()) {
            LiveEvent e = sub.poll(250);
            if (e != null) {
                if (e.iteration() == LiveEvent.UNORDERED) {
                    sink.accept(e);
                } else if (e.iteration() > last && e.iteration() >= min) {
                    sink.accept(e);
                    last = e.iteration();
                }
                continue;
            }
            if (sub.drained()) {
                sink.accept(LiveEvent.dropped(sub.run(), sub.dropReason()));
                return;
            }
            if (System.nanoTime() - lastKeepAlive > 15_000_000_000L) {
                keepAlive.run();
                lastKeepAlive = System.nanoTime();
            }
        }
    }

    private static void send(SseClient client, LiveEvent e) {
        client.sendEvent(e.name(), e.json(), e.iteration() >= 0 && e.name().equals("iteration") ? Long.toString(e.iteration()) : null);
    }
}
