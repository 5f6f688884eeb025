package dev.simsnap.snapshot.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hand-written store JSON of {@link RunMeta} is the compact JSON Jackson writes for it, and round-trips. */
class RunMetaJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void storeTextIsCanonicalAndRoundTrips() throws Exception {
        RunMeta plain = RunMeta.started("r1", "trading-arena", List.of("w0", "w1"), Map.of(), 7, 1000, null, -1);
        RunMeta rich = RunMeta.started("r2", "kind \"quoted\"\n", List.of("a", "b", "c"),
                Map.of("model", "gpt-\u00e9", "escape", "tab\there \\ back", "ctl", "\u0001"), -5, 0, "parent", 41);
        rich.acceptSequence("a", 12);
        rich.commit("a", 3, 20240101);
        rich.commit("b", 5, 20240103);
        rich.commit("c", 2, 20240100);
        rich.beginApply();
        rich.endApply(2, 99);
        rich.commit("c", 4, 20240102);
        rich.end("FAILED", 4, 123456789L);
        for (RunMeta m : List.of(plain, rich)) {
            String text = m.toJson();
            assertThat(text).isEqualTo(JSON.writeValueAsString(JSON.readTree(text)));
            assertThat(RunMeta.fromJson(text).toJson()).isEqualTo(text);
            assertThat(RunMeta.fromJson(text).toInfo()).isEqualTo(m.toInfo());
        }
        assertThat(rich.toJson()).contains("\"pending_dates\":{\"3\":20240101,\"4\":20240102,\"5\":20240103}")
                .contains("\"config\":{\"ctl\":\"\\u0001\",\"escape\":\"tab\\there \\\\ back\",\"model\":\"gpt-\u00e9\"}");
    }

    @Test
    void theModelIsStoredUnderItsOwnKeyNotInTheMetaText() throws Exception {
        String model = "{\"kind\":\"k\",\"doc\":\"tab\\t \\\"q\\\" \u00e9 \u0001\"}";
        RunMeta m = RunMeta.started("r3", "k", List.of("w0"), Map.of(), 1, 2, null, -1).model(model);
        m.acceptSequence("w0", 1);
        String text = m.toJson();
        assertThat(text).isEqualTo(JSON.writeValueAsString(JSON.readTree(text)));
        assertThat(JSON.readTree(text).has("model")).isFalse();
        assertThat(RunMeta.fromJson(text).model()).isNull();

        Map<String, String> store = new java.util.HashMap<>(Map.of("r3", text));
        assertThat(RunMeta.read(store::get, "r3").model()).isNull();
        store.put(dev.simsnap.snapshot.store.StoreKeys.runModel("r3"), model);
        RunMeta back = RunMeta.read(store::get, "r3");
        assertThat(back.model()).isEqualTo(model);
        assertThat(back.toJson()).isEqualTo(text);
        assertThat(back.toInfo()).isEqualTo(m.toInfo());
        assertThat(RunMeta.read(store::get, "unknown")).isNull();
    }

    @Test
    void metaTextWrittenWithTheModelInlineStillReadsWithItsModel() throws Exception {
        // The store text before the model had its own key: the model as a JSON string between started_at_ms and
        // committed (as written then by toJson).
        String model = "{\"kind\":\"k\",\"doc\":\"tab\\t \u00e9\"}";
        RunMeta m = RunMeta.started("r4", "k", List.of("w0"), Map.of(), 1, 2, null, -1).model(model);
        String now = m.toJson();
        String literal = JSON.writeValueAsString(model);
        String old = now.replace(",\"committed\":", ",\"model\":" + literal + ",\"committed\":");
        assertThat(JSON.readTree(old).get("model").asText()).isEqualTo(model);

        RunMeta back = RunMeta.read(Map.of("r4", old)::get, "r4");
        assertThat(back.model()).isEqualTo(model);
        assertThat(back.toJson()).isEqualTo(now);
    }

    @Test
    void deltasRefusedOnArrivalAreStoredAndAcceptedOnesAreNot() throws Exception {
        RunMeta m = RunMeta.started("r5", "k", List.of("a", "b"), Map.of(), 1, 2, null, -1);
        String none = m.toJson();
        assertThat(JSON.readTree(none).has("refused_deltas")).isFalse();
        m.countDelta("a", 3, false);
        m.countDelta("a", 3, false);
        assertThat(m.toJson()).as("accepted deltas are counted again from the buffer, never stored").isEqualTo(none);
        m.countDelta("a", 3, true);
        m.countDelta("a", 5, true);
        m.countDelta("b", 4, true);
        String text = m.toJson();
        assertThat(text).isEqualTo(JSON.writeValueAsString(JSON.readTree(text)))
                .contains("\"refused_deltas\":{\"a\":{\"3\":1,\"5\":1},\"b\":{\"4\":1}}");
        RunMeta back = RunMeta.fromJson(text);
        assertThat(back.toJson()).isEqualTo(text);

        // A commit of a's step 4 accounts for its steps up to 4 only; the stored count of step 5 stays.
        assertThat(m.takeDeltaCount("a", 4)).isEqualTo(3);
        assertThat(back.takeDeltaCount("a", 4)).as("read back: the refused one only").isEqualTo(1);
        assertThat(m.takeDeltaCount("a", 4)).isZero();
        assertThat(m.takeDeltaCount("a", 5)).isEqualTo(1);
        assertThat(m.takeDeltaCount("b", 9)).isEqualTo(1);
        assertThat(m.toJson()).isEqualTo(none);
    }

    @Test
    void refusedStepsAreStoredPerWorkerOnlyOnceThereAreSome() throws Exception {
        RunMeta m = RunMeta.started("r6", "k", List.of("a", "b"), Map.of(), 1, 2, null, -1);
        m.commit("a", 0, 1);
        m.commit("b", 0, 1);
        String none = m.toJson();
        assertThat(JSON.readTree(none).has("refused_steps")).isFalse();
        assertThat(m.toInfo().workers()).allSatisfy(w -> assertThat(w.refusals()).isNull());
        m.stepRefused("b", 3, "delta-count-mismatch");
        m.stepRefused("b", 4, "too-far-ahead \"q\"");
        String text = m.toJson();
        assertThat(text).isEqualTo(JSON.writeValueAsString(JSON.readTree(text))).contains(
                "\"refused_steps\":{\"b\":{\"count\":2,\"step\":4,\"reason\":\"too-far-ahead \\\"q\\\"\"}}");
        RunMeta back = RunMeta.fromJson(text);
        assertThat(back.toJson()).isEqualTo(text);
        assertThat(back.toInfo().workers()).extracting(w -> w.refusals()).containsExactly(null,
                new RunInfo.StepRefusals(2, 4, "too-far-ahead \"q\""));
    }
}
