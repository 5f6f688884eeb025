package dev.simsnap.service.live;

import static dev.simsnap.snapshot.topology.CurrentState.header;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.connection.ClientConfig;
import dev.simsnap.snapshot.delta.DeltaLog;
import dev.simsnap.snapshot.topology.CurrentState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shared read_committed consumer per instance on {@code simsnap.current-state} (all partitions, no group),
 * fanning each run's iterations out to that run's subscribers through their bounded queues. Any instance serves any
 * run. On start it reads the compacted topic to its end (learning every run's last iteration marker) and only then
 * dispatches; an iteration's entity records are collected until its marker, which completes the event.
 */
public final class LiveHub implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveHub.class);

    /** A run's last marker: {run, iteration, virtual_date}. */
    public record Marker(String run, long iteration, Integer virtualDate) {
    }

    /** A new subscription: the subscriber and the run's marker at the moment it subscribed (null: none yet). */
    public record Subscription(Subscriber subscriber, Marker marker) {
    }

    private final ClientConfig client;
    private final String topic;
    private final Map<String, Set<Subscriber>> subscribers = new ConcurrentHashMap<>();
    private final Map<String, Marker> markers = new ConcurrentHashMap<>();
    private final Map<String, List<DeltaLog.Change>> pending = new HashMap<>();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Object lock = new Object();
    private volatile boolean closed;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;

    /** @param client the client configuration its consumer is built from */
    public LiveHub(ClientConfig client, String topic) {
        this.client = client;
        this.topic = topic;
    }

    public synchronized LiveHub start() {
        thread = new Thread(this::loop, "simsnap-live-hub");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Waits until the hub has read the topic to the end it had at start. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Subscribes to {@code run}; every iteration whose marker the hub reads after this call is offered. */
    public Subscription subscribe(String run, int capacity) {
        Subscriber s = new Subscriber(run, capacity);
        synchronized (lock) {
            subscribers.computeIfAbsent(run, r -> new CopyOnWriteArraySet<>()).add(s);
            return new Subscription(s, markers.get(run));
        }
    }

    public void unsubscribe(Subscriber s) {
        Set<Subscriber> set = subscribers.get(s.run());
        if (set != null) {
            set.remove(s);
        }
    }

    /** Every run's last marker seen, by run. */
    public Map<String, Marker> markers() {
        return new TreeMap<>(markers);
    }

    /** Number of current subscribers (all runs). */
    public int subscriberCount() {
        return subscribers.values().stream().mapToInt(Set::size).sum();
    }

    private void loop() {
        Map<String, Object> props = client.kafka(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50));
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer = c;
            List<TopicPartition> parts = List.of();
            while (!closed && parts.isEmpty()) {
                List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
                parts = infos == null ? List.of()
                        : infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
                if (parts.isEmpty()) {
                    Thread.sleep(200);
                }
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = new HashMap<>(c.endOffsets(parts));
            boolean live = false;
            while (!closed) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    // Records at or after the start-up end offset (a transaction boundary) are live.
                    onRecord(r, live || r.offset() >= end.getOrDefault(new TopicPartition(r.topic(), r.partition()), 0L));
                }
                if (!live) {
                    live = end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue());
                    if (live) {
                        caughtUp.countDown();
                        LOG.info("live hub caught up on {} ({} runs)", topic, markers.size());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("live hub failed", e);
        } finally {
            subscribers.values().forEach(set -> set.forEach(s -> s.drop("service closing")));
        }
    }

    private void onRecord(ConsumerRecord<byte[], byte[]> r, boolean live) {
        String run = header(r.headers(), CurrentState.RUN_HEADER);
        String kind = header(r.headers(), CurrentState.KIND_HEADER);
        String it = header(r.headers(), CurrentState.ITERATION_HEADER);
        if (run != null && CurrentState.KIND_GENERATION.equals(kind) && live && r.value() != null) {
            dispatch(run, new LiveEvent("generation", LiveEvent.UNORDERED,
                    new String(r.value(), StandardCharsets.UTF_8)));
            return;
        }
        if (run == null || kind == null || it == null) {
            return;
        }
        if (CurrentState.KIND_ENTITY.equals(kind)) {
            if (live) {
                pending.computeIfAbsent(run, k -> new ArrayList<>()).add(new DeltaLog.Change(
                        header(r.headers(), CurrentState.TYPE_HEADER), header(r.headers(), CurrentState.COLLECTION_HEADER),
                        header(r.headers(), CurrentState.ID_HEADER),
                        r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8)));
            }
            return;
        }
        if (!CurrentState.KIND_ITERATION.equals(kind)) {
            return;
        }
        long iteration = Long.parseLong(it);
        Integer date = null;
        try {
            JsonNode n = LiveEvent.MAPPER.readTree(r.value());
            date = n.path("virtual_date").isInt() ? n.get("virtual_date").asInt() : null;
        } catch (Exception e) {
            LOG.warn("bad iteration marker of run {}", run);
        }
        List<DeltaLog.Change> changes = pending.remove(run);
        LiveEvent event = live ? LiveEvent.iteration(run, iteration, date, changes == null ? List.of() : changes) : null;
        synchronized (lock) {
            markers.put(run, new Marker(run, iteration, date));
            if (event != null) {
                dispatch(run, event);
            }
        }
    }

    private void dispatch(String run, LiveEvent event) {
        synchronized (lock) {
            Set<Subscriber> set = subscribers.get(run);
            if (set != null) {
                for (Subscriber s : set) {
                    if (!s.offer(event)) {
                        set.remove(s);
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
