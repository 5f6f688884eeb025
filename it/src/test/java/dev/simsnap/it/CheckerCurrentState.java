package dev.simsnap.it;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * An observer of {@code simsnap.current-state} (read_committed, PROTOCOL.md section 7): a run's item records then
 * its iteration marker, per applied iteration; checked by a {@link CheckerFeed}. It takes its position at the
 * end of the topic when created, so create it before the run starts.
 */
final class CheckerCurrentState implements AutoCloseable {

    static final String TOPIC = "simsnap.current-state";

    private final String run;
    private final CheckerFeed feed;
    private final long lastStep;
    private final Consumer<String> violations;
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private volatile boolean stop;

    CheckerCurrentState(String bootstrap, String run, CheckerReference reference, Consumer<String> violations) {
        this.run = run;
        this.feed = new CheckerFeed("current-state", reference, violations);
        this.lastStep = reference.last();
        this.violations = violations;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumer = new KafkaConsumer<>(p);
        List<TopicPartition> partitions = consumer.partitionsFor(TOPIC, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(TOPIC, i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // fixes the positions now, before the run writes anything
        thread = new Thread(this::poll, "checker-current-state");
        thread.setDaemon(true);
        thread.start();
    }

    private void poll() {
        try {
            while (!stop && feed.last() < lastStep) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    if (!run.equals(header(r, "simsnap.run"))) {
                        continue;
                    }
                    String kind = header(r, "simsnap.kind");
                    if ("entity".equals(kind)) {
                        feed.change(header(r, "simsnap.entity.collection"), header(r, "simsnap.entity.id"),
                                r.value() == null ? null : CheckerJson.parse(r.value().getBytes(StandardCharsets.UTF_8)));
                    } else if ("iteration".equals(kind)) {
                        feed.iteration(Long.parseLong(header(r, "simsnap.iteration")));
                    } else {
                        violations.accept("current-state: unexpected record " + r.key() + " of kind " + kind);
                    }
                }
            }
        } catch (RuntimeException e) {
            if (!stop) {
                violations.accept("current-state: " + e);
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    boolean awaitLast(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        return feed.last() >= lastStep;
    }

    long last() {
        return feed.last();
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(10_000);
    }
}
