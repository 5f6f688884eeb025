package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.service.http.SnapshotServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Items far past Kafka's 1 MB record limit in a state-model run, sent through the gateway as a Python worker would:
 * a 10 MB text field in one change and a list grown to 2,000,000 numbers by appends. They are stored, rendered in
 * snapshots, rebuilt as of an earlier step from history, and checkpointed; a body over the gateway's limit is 413
 * and writes nothing.
 */
// Its own broker: other tests' services on the shared topics would all apply these runs.
@RealKafka(restartable = true)
class LargeItemsIT {

    private static final String MODEL = """
            {"kind": "large-items", "clock": ["day"],
             "collections": [
               {"name": "notes", "shape": "singleton", "schemas": [{"type": "record", "name": "Notes",
                 "fields": [{"name": "text", "type": "string"}]}]},
               {"name": "series", "shape": "keyed", "key": ["name"], "schemas": [{"type": "record", "name": "Series",
                 "fields": [{"name": "name", "type": "string"}, {"name": "values", "type": {"type": "array",
                 "items": "double"}}]}]}],
             "layout": [{"path": "notes.json", "render": "json", "from": "notes"},
                        {"path": "series/{name}.json", "render": "json-each", "from": "series", "indent": null}]}""";

    private static final int NUMBERS = 2_000_000;
    private static final int PER_STEP = 250_000;
    private static final int TEXT_CHARS = 10 * 1024 * 1024;

    @TempDir
    Path tmp;

    @Test
    void aTenMegabyteTextAndTwoMillionNumbersAreStoredSnapshottedReplayedAndCheckpointed(KafkaBroker broker)
            throws Exception {
        String run = "large";
        long t0 = System.nanoTime();
        try (Stack stack = Stack.start(broker, tmp, "large")) {
            String gw = stack.gateway().url();
            HttpResponse<String> started = Http.post(gw + "/runs/" + run + "/start", "{\"model\": " + MODEL
                    + ", \"expected_workers\": [\"w0\"]}");
            assertThat(started.statusCode()).as(started.body()).isEqualTo(200);

            // Step 0: a 10 MB text (one change, sent as parts) and the series, empty.
            StringBuilder text = new StringBuilder(TEXT_CHARS);
            Random random = new Random(7);
            while (text.length() < TEXT_CHARS) {
                text.append("word").append(random.nextInt(1000)).append(random.nextInt(10) == 0 ? "\n" : " ");
            }
            text.setLength(TEXT_CHARS);
            String body0 = "{\"clock\": {\"day\": 0}, \"changes\": [{\"collection\": \"notes\", \"op\": \"upsert\","
                    + " \"item\": {\"text\": " + Http.JSON.writeValueAsString(text.toString()) + "}},"
                    + " {\"collection\": \"series\", \"op\": \"upsert\", \"item\": {\"name\": \"s\", \"values\": []}}]}";
            HttpResponse<String> step0 = Http.post(gw + "/runs/" + run + "/workers/w0/steps", body0);
            assertThat(step0.statusCode()).as(step0.body()).isEqualTo(200);

            // Steps 1..8: 250,000 numbers appended each.
            double[] expected = new double[NUMBERS];
            int steps = NUMBERS / PER_STEP;
            for (int step = 1; step <= steps; step++) {
                StringBuilder items = new StringBuilder(PER_STEP * 12);
                for (int i = 0; i < PER_STEP; i++) {
                    int n = (step - 1) * PER_STEP + i;
                    expected[n] = n + 0.25;
                    items.append(i == 0 ? "" : ",").append(expected[n]);
                }
                HttpResponse<String> r = Http.post(gw + "/runs/" + run + "/workers/w0/steps", "{\"clock\": {\"day\": "
                        + step + "}, \"changes\": [{\"collection\": \"series\", \"op\": \"append\", \"id\": \"s\","
                        + " \"path\": \"values\", \"items\": [" + items + "]}]}");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
            // Over the body limit: 413, nothing written (the next step is still steps + 1).
            String tooLarge = "{\"clock\": {\"day\": 99}, \"changes\": [{\"collection\": \"notes\", \"op\": \"upsert\","
                    + " \"item\": {\"text\": \"" + "x".repeat(17 * 1024 * 1024) + "\"}}]}";
            HttpResponse<String> refused = Http.post(gw + "/runs/" + run + "/workers/w0/steps", tooLarge);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(413);
            assertThat(Http.json(refused).get("error").asText()).contains("over the gateway's limit");
            Chaos.log("LargeItemsIT", "sent 10 MB of text and 2,000,000 numbers in " + (steps + 1) + " steps", t0);

            SnapshotServer service = stack.service();
            Http.awaitConsistent(service.url(), run, steps, Duration.ofSeconds(180));
            assertThat(service.service().deadLetterStats().snapshot()).as("nothing refused").isEmpty();
            Chaos.log("LargeItemsIT", "consistent at step " + steps, t0);

            // The live snapshot holds both whole.
            Path live = snapshot(service, run, null);
            assertThat(Http.JSON.readTree(live.resolve("notes.json").toFile()).get("text").asText())
                    .isEqualTo(text.toString());
            assertSeries(live, expected, NUMBERS);
            Chaos.log("LargeItemsIT", "live snapshot checked", t0);

            // As of step 1 (rebuilt from history): the text and the first batch only.
            Path asOf = snapshot(service, run, 1L);
            assertThat(Http.JSON.readTree(asOf.resolve("notes.json").toFile()).get("text").asText())
                    .isEqualTo(text.toString());
            assertSeries(asOf, expected, PER_STEP);
            Chaos.log("LargeItemsIT", "as-of step 1 checked", t0);

            // A checkpoint at step 4 is written and used: the as-of snapshot at step 6 starts from it.
            var replayer = new dev.simsnap.snapshot.replay.RunReplayer(new dev.simsnap.snapshot.replay.RunReplayer
                    .Settings(dev.simsnap.connection.ClientConfig.of(broker.bootstrapServers(),
                    stack.registry().url()), "simsnap.deltas",
                    dev.simsnap.snapshot.replay.RunReplayer.CHECKPOINTS_TOPIC, 4));
            replayer.replay(run, 4, null);
            var fromCheckpoint = replayer.replay(run, 6, null);
            assertThat(fromCheckpoint.checkpointIteration()).isEqualTo(4L);
            Path six = snapshot(service, run, 6L);
            assertSeries(six, expected, 6 * PER_STEP);
            Chaos.log("LargeItemsIT", "checkpoint at 4 written and used for step 6", t0);
        }
    }

    private static Path snapshot(SnapshotServer service, String run, Long iteration) throws Exception {
        HttpResponse<String> r = Http.post(service.url() + "/runs/" + run + "/snapshots"
                + (iteration == null ? "" : "?iteration=" + iteration), "");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Path.of(Http.json(r).get("path").asText());
    }

    private static void assertSeries(Path folder, double[] expected, int count) throws Exception {
        JsonNode series = Http.JSON.readTree(Files.readAllBytes(folder.resolve("series/s.json")));
        JsonNode values = series.get("values");
        assertThat(values.size()).isEqualTo(count);
        for (int i = 0; i < count; i += 9973) {
            assertThat(values.get(i).asDouble()).isEqualTo(expected[i]);
        }
        assertThat(values.get(count - 1).asDouble()).isEqualTo(expected[count - 1]);
    }
}
