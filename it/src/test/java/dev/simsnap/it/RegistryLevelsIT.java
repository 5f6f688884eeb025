package dev.simsnap.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simsnap.devstack.KafkaBroker;
import dev.simsnap.devstack.junit.RealKafka;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.RunDefinition;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.registry.client.RegistryException;
import dev.simsnap.registry.client.RestSchemaRegistryClient;
import dev.simsnap.registry.server.SchemaRegistryServer;
import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.run.RunStarted;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * A registry whose global compatibility is NONE (a common default elsewhere): simsnap sets the levels it relies on
 * for every subject it uses before it registers anything there, so a BACKWARD-incompatible version is refused.
 */
@RealKafka
class RegistryLevelsIT {

    @Test
    void onARegistryDefaultingToNoneSimsnapsSubjectsAreStillGuarded(KafkaBroker broker) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        StateModel model = StateModel.load(Path.of("../examples/kinds/epidemic-grid"));
        try (SchemaRegistryServer registry = SchemaRegistryServer.builder(broker.bootstrapServers()).port(0)
                .topic("_simsnap_schemas_levels_" + id).build().start();
             RestSchemaRegistryClient client = RestSchemaRegistryClient.builder().urls(registry.url()).build()) {
            KafkaIo.createSimsnapTopics(broker);
            client.setCompatibility(null, "NONE");
            Properties config = new Properties();
            config.setProperty("bootstrap.servers", broker.bootstrapServers());
            config.setProperty("schema.registry.url", registry.url());
            try (SimsnapWorker w = SimsnapWorker.builder().environment(Map.of()).config(config)
                    .run("levels-" + id).worker("w0").build()) {
                assertThat(w.start(new RunDefinition(model, List.of("w0"), Map.of(), 0))).isTrue();
            }
            // The start registered RunStarted under its subject; StateDelta's subject is levelled before any use.
            String envelope = Contracts.subject(Contracts.DELTAS_TOPIC, RunStarted.getClassSchema());
            assertThat(client.versions(envelope)).hasSize(1);
            assertThat(client.getCompatibility(Contracts.subject(Contracts.DELTAS_TOPIC, StateDelta.getClassSchema())))
                    .isEqualTo("BACKWARD_TRANSITIVE");
            assertThat(client.getCompatibility(envelope)).isEqualTo("BACKWARD_TRANSITIVE");
            String cells = model.collection("cells").orElseThrow().subject();
            assertThat(client.getCompatibility(cells)).isEqualTo(model.compatibility(
                    model.collection("cells").orElseThrow()));
            // A required field without a default: new readers cannot read old records.
            Schema breaking = new Schema.Parser().parse(RunStarted.getClassSchema().toString()
                    .replaceFirst("\"fields\":\\[", "\"fields\":[{\"name\":\"checksum\",\"type\":\"string\"},"));
            assertThatThrownBy(() -> client.register(envelope, breaking))
                    .isInstanceOf(RegistryException.IncompatibleSchema.class);
        }
    }
}
