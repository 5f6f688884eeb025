package dev.simsnap.model.item;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.model.BuiltInKinds;
import dev.simsnap.model.StateModel;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class JsonToItemTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Schema SCHEMA = new Schema.Parser().parse("""
            {"type": "record", "name": "R", "namespace": "t", "fields": [
              {"name": "n", "type": ["long", "double"]},
              {"name": "s", "type": ["null", "string"], "default": null},
              {"name": "d", "type": "double"},
              {"name": "nested", "type": ["null", {"type": "record", "name": "N", "fields": [
                 {"name": "a", "type": "int"}]}, {"type": "map", "values": "long"}], "default": null},
              {"name": "any", "type": {"type": "record", "name": "Value", "namespace": "simsnap.json", "fields": [
                 {"name": "v", "type": ["null", "boolean", "long", "double", "string",
                                        {"type": "array", "items": "Value"}, {"type": "map", "values": "Value"}]}]}}
            ]}""");

    private static GenericRecord convert(String json) throws Exception {
        return JsonToItem.record(MAPPER.readTree(json), SCHEMA, "item");
    }

    @Test
    void integralNumbersStayLongsAndFractionalOnesDoubles() throws Exception {
        GenericRecord r = convert("{\"n\": 3, \"d\": 2, \"any\": [1, 1.0, \"x\", {\"k\": false}]}");
        assertThat(r.get("n")).isEqualTo(3L);
        assertThat(r.get("d")).isEqualTo(2.0);
        assertThat(r.get("s")).isNull();
        assertThat(r.toString()).contains("\"any\": {\"v\": [{\"v\": 1}, {\"v\": 1.0}, {\"v\": \"x\"},"
                + " {\"v\": {\"k\": {\"v\": false}}}]}");
        assertThat(convert("{\"n\": 3.5, \"d\": 1, \"any\": null}").get("n")).isEqualTo(3.5);
    }

    @Test
    void objectsPickTheRecordBranchThatTakesThemElseTheMap() throws Exception {
        assertThat(((GenericRecord) convert("{\"n\": 1, \"d\": 1, \"nested\": {\"a\": 1}, \"any\": 0}")
                .get("nested")).get("a")).isEqualTo(1);
        assertThat(convert("{\"n\": 1, \"d\": 1, \"nested\": {\"b\": 2}, \"any\": 0}").get("nested"))
                .isEqualTo(Map.of("b", 2L));
    }

    @Test
    void errorsNameThePath() {
        assertThatThrownBy(() -> convert("{\"n\": 1, \"d\": 1, \"any\": 0, \"extra\": 1}"))
                .isInstanceOf(JsonToItem.Invalid.class).hasMessageStartingWith("field 'item.extra': unknown field");
        assertThatThrownBy(() -> convert("{\"n\": 1, \"any\": 0}"))
                .isInstanceOf(JsonToItem.Invalid.class).hasMessageStartingWith("field 'item.d': is missing");
        assertThatThrownBy(() -> convert("{\"n\": \"1\", \"d\": 1, \"any\": 0}"))
                .isInstanceOf(JsonToItem.Invalid.class).hasMessageStartingWith("field 'item.n'");
    }

    @Test
    void theArenasPersonsUnionTakesAPersonAndTheBroker() throws Exception {
        StateModel arena = BuiltInKinds.get("trading-arena");
        Schema persons = arena.collection("persons").orElseThrow().latestSchema().orElseThrow();
        GenericRecord broker = JsonToItem.record(MAPPER.readTree("{\"person_id\": -1, \"cash\": 1e6, \"asset\": 0,"
                + " \"wealth\": 1000000, \"total_expense\": 0, \"inventories\": [1, 2], \"dividends\": [0.5, 0]}"),
                persons, "item");
        assertThat(broker.getSchema().getName()).isEqualTo("Broker");
        assertThat(broker.get("dividends")).isEqualTo(List.of(0.5, 0.0));
        assertThat(broker.get("cash")).isEqualTo(1e6);
        assertThat(broker.get("wealth")).isEqualTo(1000000L);
    }
}
