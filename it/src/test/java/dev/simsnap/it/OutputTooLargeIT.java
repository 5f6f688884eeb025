package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.service.http.SnapshotServer;
import dev.simsnap.snapshot.deadletter.DeadLetterHeaders;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import dev.simsnap.snapshot.topology.CurrentState;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A step whose result cannot be written: the current-state topic is set to take records of at most 50,000 bytes
 * ({@code max.message.bytes}, a topic config the broker enforces), and a step stores a 100,000-character text. The
 * step is applied, the one current-state record the broker would refuse is dead-lettered with the reason
 * {@code output-too-large} naming its key and size instead of being sent (a batch the broker refuses leaves the
 * service's exactly-once transaction abortable), the iteration marker is still written, and the next step is applied
 * and written as usual: the stream goes on.
 */
// Its own broker: the dead-letter counts it asserts must not include other classes' records.
@RealKafka(restartable = true)
class OutputTooLargeIT {

    private static final String MODEL = """
            {"kind": "big-notes", "clock": ["day"],
             "collections": [
               {"name": "notes", "shape": "singleton", "schemas": [{"type": "record", "name": "Notes",
                 "fields": [{"name": "text", "type": "string"}]}]}],
             "layout": [{"path": "notes.json", "render": "json", "from": "notes"}]}""";

    private static final int TEXT_CHARS = 100_000;

    private static final int TOPIC_LIMIT = 50_000;

    @TempDir
    Path tmp;

    @Test
    void aCurrentStateRecordTooLargeToWriteIsDeadLetteredAndTheStreamGoesOn(KafkaBroker broker) throws Exception {
        String run = "big-notes";
        String bootstrap = broker.bootstrapServers();
        KafkaIo.createSimsnapTopics(broker);
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, CurrentState.TOPIC);
            admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(new ConfigEntry(
                    "max.message.bytes", Integer.toString(TOPIC_LIMIT)), AlterConfigOp.OpType.SET)))).all().get();
        }
        try (Stack stack = Stack.start(broker, tmp, "output")) {
            String gw = stack.gateway().url();
            HttpResponse<String> started = Http.post(gw + "/runs/" + run + "/start", "{\"model\": " + MODEL
                    + ", \"expected_workers\": [\"w0\"]}");
            assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
            String text = "y".repeat(TEXT_CHARS);
            step(gw, run, 0, text);
            step(gw, run, 1, "small");

            SnapshotServer service = stack.service();
            Http.awaitConsistent(service.url(), run, 1, Duration.ofSeconds(60));
            assertThat(service.service().streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
            assertThat(Http.get(service.url() + "/health").statusCode()).isEqualTo(200);

            ConsumerRecord<String, byte[]> letter = KafkaIo.readByKey(bootstrap, Contracts.DEAD_LETTER_TOPIC, run, 1,
                    Duration.ofSeconds(30)).get(0);
            assertThat(header(letter, DeadLetterHeaders.REASON)).isEqualTo(DeadLetterReasons.OUTPUT_TOO_LARGE);
            assertThat(header(letter, DeadLetterHeaders.VALUE_FORMAT)).isEqualTo(CurrentState.TOPIC);
            assertThat(header(letter, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(Contracts.DELTAS_TOPIC);
            assertThat(header(letter, DeadLetterHeaders.DETAIL))
                    .startsWith("the current-state record " + run + "|ITEM|notes|")
                    .contains(" of iteration 0 is ").contains("more than the current-state topic takes ("
                            + (TOPIC_LIMIT - 1024) + ")").contains("not written");
            assertThat(letter.value()).isNull();
            assertThat(service.service().deadLetterStats().snapshot())
                    .isEqualTo(Map.of(DeadLetterReasons.OUTPUT_TOO_LARGE, 1L));

            // Both iteration markers are written, and step 1's notes record, in order after them.
            List<ConsumerRecord<String, byte[]>> markers = KafkaIo.readByKey(bootstrap, CurrentState.TOPIC,
                    CurrentState.iterationKey(run), 2, Duration.ofSeconds(30));
            assertThat(markers).extracting(r -> header(r, CurrentState.ITERATION_HEADER)).containsExactly("0", "1");
            String notesKey = header(letter, DeadLetterHeaders.DETAIL).substring("the current-state record ".length())
                    .split(" ")[0];
            List<ConsumerRecord<String, byte[]>> notes = KafkaIo.readByKey(bootstrap, CurrentState.TOPIC, notesKey, 1,
                    Duration.ofSeconds(30));
            assertThat(header(notes.get(0), CurrentState.ITERATION_HEADER)).isEqualTo("1");
            assertThat(new String(notes.get(0).value(), StandardCharsets.UTF_8)).contains("\"small\"");
            System.out.printf("[OutputTooLargeIT] dead letters %s, stream %s%n",
                    service.service().deadLetterStats().snapshot(), service.service().streams().state());
        }
    }

    private static void step(String gateway, String run, int day, String text) {
        HttpResponse<String> r = Http.post(gateway + "/runs/" + run + "/workers/w0/steps", "{\"clock\": {\"day\": "
                + day + "}, \"changes\": [{\"collection\": \"notes\", \"op\": \"upsert\", \"item\": {\"text\": \""
                + text + "\"}}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
