package dev.simsnap.snapshot.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simsnap.model.StateModel;
import dev.simsnap.model.item.ItemCodec;
import dev.simsnap.registry.client.RegistryException;
import dev.simsnap.registry.client.SchemaRegistry;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.serde.WireFormat;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A schema registry the topology cannot reach says nothing about the record being decoded: the record is not
 * dead-lettered, its processing fails with the registry's exception (the service replaces the stream thread, which
 * decodes it again from the last commit), and once the registry answers the same record is applied as usual. Both
 * places the topology asks the registry are covered: decoding a record's envelope, and resolving an item's schema id.
 */
class RegistryOutageTest {

    private final boolean[] down = {true};
    private TopologyHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void anUnreachableRegistryNeverDeadLettersAndTheRecordIsAppliedWhenItAnswers() throws Exception {
        h = new TopologyHarness(this::flaky);
        StateModel model = StateModel.parse(ItemTopologyTest.MODEL, f -> null);
        model.collections().forEach(c -> h.registry().register(c.subject(), c.latestSchema().get()));
        RunStarted started = RunStarted.newBuilder().setRunId("grid").setKind("epidemic-grid")
                .setExpectedWorkers(List.of("w")).setModel(model.toJson()).setForkedFrom(null).build();

        // The envelope's schema cannot be resolved: the record fails, nothing is dead-lettered or stored.
        assertThatThrownBy(() -> h.send("grid", started)).hasRootCauseInstanceOf(java.net.ConnectException.class)
                .satisfies(e -> assertThat(RegistryException.in(e)).isInstanceOf(RegistryException.Unavailable.class));
        assertThat(h.deadLetters()).isEmpty();
        assertThat(h.reader.runInfo("grid")).isEmpty();

        // The registry answers again; the thread decodes the same record again.
        down[0] = false;
        h.send("grid", started);
        Schema params = model.collection("params").orElseThrow().latestSchema().orElseThrow();
        String subject = model.collection("params").orElseThrow().subject();
        h.send("grid", beta(params, h.registry().register(subject, params), 0, 0, 0.1), commit(0, 0));
        assertThat(h.deadLetters()).isEmpty();
        assertThat(params()).isEqualTo("{\n  \"beta\": 0.1\n}");

        // A new version of the item's schema (a field added with a default) while the registry is unreachable: the
        // envelopes decode (their schemas are known by now); the delta is buffered, and the commit that applies it
        // cannot resolve the item's schema id.
        Schema v2 = new Schema.Parser().parse(params.toString().replace("\"fields\":[",
                "\"fields\":[{\"name\":\"note\",\"type\":\"string\",\"default\":\"\"},"));
        int v2Id = h.registry().register(subject, v2);
        down[0] = true;
        h.send("grid", beta(v2, v2Id, 1, 1, 0.2));
        IterationCommitted commit = commit(1, 1);
        assertThatThrownBy(() -> h.send("grid", commit))
                .satisfies(e -> assertThat(RegistryException.in(e)).isNotNull()
                        .satisfies(r -> assertThat(r.isTransient()).isTrue()));
        assertThat(h.deadLetters()).isEmpty();
        assertThat(h.reader.runInfo("grid").orElseThrow().consistentIteration()).isZero();

        // The registry answers again: the commit, processed again, applies the step.
        down[0] = false;
        assertThat(params()).isEqualTo("{\n  \"beta\": 0.1\n}");
        h.send("grid", commit);
        assertThat(h.deadLetters()).isEmpty();
        assertThat(h.reader.runInfo("grid").orElseThrow().consistentIteration()).isEqualTo(1);
        assertThat(params()).isEqualTo("{\n  \"note\": \"\",\n  \"beta\": 0.2\n}");
    }

    /** {@code registry} as the topology sees it: every call fails as an unreachable registry does while down. */
    private SchemaRegistry flaky(SchemaRegistry registry) {
        return (SchemaRegistry) Proxy.newProxyInstance(SchemaRegistry.class.getClassLoader(),
                new Class<?>[] {SchemaRegistry.class}, (proxy, method, args) -> {
                    if (down[0] && !method.getName().equals("close")) {
                        throw new RegistryException.Unavailable("GET http://registry.invalid failed: "
                                + "java.net.ConnectException", new java.net.ConnectException("Connection refused"));
                    }
                    try {
                        return method.invoke(registry, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private StateDelta beta(Schema schema, int id, long sequence, long step, double beta) {
        GenericRecord params = new GenericData.Record(schema);
        params.put("beta", beta);
        if (schema.getField("note") != null) {
            params.put("note", "");
        }
        return StateDelta.newBuilder().setRunId("grid").setWorkerId("w").setSequence(sequence).setIteration(step)
                .setEntityType(null).setEntityId("").setCollection("params").setOp(Operation.UPSERT)
                .setPatchFields(List.of()).setPayload(null)
                .setItem(ByteBuffer.wrap(WireFormat.frame(id, ItemCodec.encodeUpsert(schema, params))))
                .build();
    }

    private static IterationCommitted commit(long step, long lastSequence) {
        return IterationCommitted.newBuilder().setRunId("grid").setWorkerId("w").setIteration(step)
                .setDeltaCount(1).setLastSequence(lastSequence).setClock(Map.of("day", step)).build();
    }

    private String params() {
        return new String(h.reader.runState("grid").orElseThrow().layoutFiles().get("params.json"),
                StandardCharsets.UTF_8);
    }
}
