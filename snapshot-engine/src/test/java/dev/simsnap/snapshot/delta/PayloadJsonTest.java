package dev.simsnap.snapshot.delta;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.Stock;
import dev.simsnap.simulate.TradingArenaModel;
import dev.simsnap.snapshot.json.CanonicalJson;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** {@link PayloadJson}: key order of maps, and the direct compact writer against the tree path. */
class PayloadJsonTest {

    @Test
    void stockIdMapsAndMixedMapsFollowKeyOrder() {
        SplittableRandom random = new SplittableRandom(5);
        List<String> pool = List.of("0", "7", "10", "99", "100", "1099511627775", "1099511627776", "-3", "-12",
                "007", "+1", "-0", "a", "B", "", "12x", "99999999999999999999");
        for (int round = 0; round < 500; round++) {
            Map<String, Double> map = new HashMap<>();
            boolean numericOnly = round % 2 == 0;
            int n = random.nextInt(30);
            for (int i = 0; i < n; i++) {
                String key = numericOnly ? Integer.toString(random.nextInt(1000))
                        : pool.get(random.nextInt(pool.size()));
                map.put(key, random.nextDouble());
            }
            JsonNode json = PayloadJson.value(map);
            List<String> actual = new ArrayList<>();
            json.fieldNames().forEachRemaining(actual::add);
            List<String> expected = new ArrayList<>(map.keySet());
            expected.sort(PayloadJson.KEY_ORDER);
            assertThat(actual).isEqualTo(expected);
            map.forEach((k, v) -> assertThat(json.get(k).doubleValue()).isEqualTo(v));
        }
    }

    @Test
    void directCompactTextEqualsTheTreeRendering() {
        TradingArenaModel model = new TradingArenaModel(30, 10, 3);
        List<SpecificRecord> records = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            model.advance();
        }
        records.addAll(model.persons().values());
        records.addAll(model.stocks().values());
        records.add(model.market());
        records.add(model.marketIndex());
        records.add(model.information());
        double[] awkward = {0.0, -0.0, 1e16, 9007199254740993.0, 1e-7, 0.1 + 0.2, -123.456, 1e300, Double.MIN_VALUE,
            4.35, 100.0, -1.0};
        Map<String, Double> dividends = new HashMap<>();
        Map<String, Long> inventories = new HashMap<>();
        for (int i = 0; i < awkward.length; i++) {
            dividends.put(Integer.toString(i * 37), awkward[i]);
            inventories.put(i % 3 == 0 ? "k" + i : Integer.toString(i), (long) i - 5);
        }
        records.add(Person.newBuilder().setPersonId(-4).setName("tab\t \"q\" \u00e9 \u0002").setCash(awkward[3])
                .setDividends(dividends).setInventories(inventories).build());
        records.add(Stock.newBuilder().setStockId(1).setStockName("").setPastStockLastPrices(List.of()).build());
        for (SpecificRecord r : records) {
            assertThat(PayloadJson.compact(r)).isEqualTo(CanonicalJson.compact(PayloadJson.toJson(r)));
            for (int f = 0; f < r.getSchema().getFields().size(); f++) {
                Object v = r.get(f);
                if (v != null) {
                    assertThat(PayloadJson.compact(v)).isEqualTo(CanonicalJson.compact(PayloadJson.value(v)));
                }
            }
        }
    }
}
