package dev.simsnap.it;

import dev.simsnap.schema.contract.Contracts;
import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.Market;
import dev.simsnap.schema.delta.MarketIndex;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.RunInformation;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.delta.Stock;
import dev.simsnap.schema.generation.GenerationChunk;
import dev.simsnap.schema.generation.GenerationSealed;
import dev.simsnap.schema.generation.PersonaGenotype;
import dev.simsnap.schema.run.ForkOrigin;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunEnded;
import dev.simsnap.schema.run.RunStatus;
import dev.simsnap.schema.run.RunStarted;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * One record of every top-level contract type, and a StateDelta for every payload branch (and null for DELETE),
 * with values that exercise the encodings: non-ASCII text, negative and large (but JavaScript-safe) longs,
 * fractional doubles, empty and non-empty arrays and maps, null and non-null optionals.
 */
final class Fixtures {

    /** A record, the topic it travels on and a short name for messages. */
    record Case(String name, String topic, SpecificRecord record) {
        String runId() {
            return (String) record.get(record.getSchema().getField("run_id").pos());
        }
    }

    private Fixtures() {
    }

    /** Every case, deltas-topic records first, in the order a run would publish them. */
    static List<Case> all(String runId) {
        List<Case> cases = new ArrayList<>();
        String deltas = Contracts.DELTAS_TOPIC;
        String generations = Contracts.GENERATIONS_TOPIC;
        cases.add(new Case("RunStarted", deltas, runStarted(runId)));
        long sequence = 0;
        cases.add(new Case("StateDelta/Person", deltas, delta(runId, sequence++, EntityType.PERSON, "7", null,
                Operation.UPSERT, List.of(), person())));
        cases.add(new Case("StateDelta/Stock", deltas, delta(runId, sequence++, EntityType.STOCK, "2", null,
                Operation.PATCH, List.of("current_price", "intraday_price_list"), stock())));
        cases.add(new Case("StateDelta/Market", deltas, delta(runId, sequence++, EntityType.MARKET, "market", null,
                Operation.UPSERT, List.of(), Market.newBuilder().setBidStep(0.01).setTodayIndex(3021.75).build())));
        cases.add(new Case("StateDelta/MarketIndex", deltas, delta(runId, sequence++, EntityType.MARKET_INDEX, "idx-1",
                null, Operation.UPSERT, List.of(), marketIndex())));
        cases.add(new Case("StateDelta/RunInformation", deltas, delta(runId, sequence++, EntityType.INFORMATION,
                "information", null, Operation.UPSERT, List.of(),
                RunInformation.newBuilder().setVirtualDate(12).setIteration(null).build())));
        cases.add(new Case("StateDelta/Document", deltas, delta(runId, sequence++, EntityType.DOCUMENT, "doc-1",
                "forum_posts", Operation.UPSERT, List.of(),
                Document.newBuilder().setJson("{\"title\":\"Grüße 🚀\",\"votes\":[1,2,3],\"nested\":{\"ok\":true}}")
                        .build())));
        cases.add(new Case("StateDelta/ListAppend", deltas, delta(runId, sequence++, EntityType.STOCK, "2", null,
                Operation.APPEND, List.of(), ListAppend.newBuilder().setField("past_stock_last_prices")
                        .setNumbers(List.of(10.5, 10.25, -0.125)).setJsonItems(List.of()).build())));
        cases.add(new Case("StateDelta/DELETE", deltas, delta(runId, sequence++, EntityType.DOCUMENT, "doc-1",
                "forum_posts", Operation.DELETE, List.of(), null)));
        cases.add(new Case("IterationCommitted", deltas, IterationCommitted.newBuilder().setRunId(runId)
                .setWorkerId("worker-a").setIteration(3).setVirtualDate(12).setDeltaCount((int) sequence)
                .setLastSequence(sequence - 1).build()));
        cases.add(new Case("RunEnded", deltas, RunEnded.newBuilder().setRunId(runId).setWorkerId("worker-a")
                .setFinalIteration(3).setStatus(RunStatus.FAILED).setEndedAtMs(1_767_225_600_123L).build()));
        cases.add(new Case("GenerationChunk", generations, generationChunk(runId)));
        cases.add(new Case("GenerationSealed", generations, GenerationSealed.newBuilder().setRunId(runId)
                .setWorkerId("worker-a").setGeneration(4).setMemberCount(2).setChunkCount(1)
                .setScores(List.of(0.875, -1.0E-3)).build()));
        return cases;
    }

    static RunStarted runStarted(String runId) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("iterations", "250");
        config.put("market.open", "09:30");
        config.put("note", "ünïcode ✓");
        return RunStarted.newBuilder()
                .setRunId(runId)
                .setKind("trading-arena")
                .setExpectedWorkers(List.of("worker-a", "worker-b"))
                .setConfig(config)
                .setRandomSeed(-4_611_686_018_427L)
                .setStartedAtMs(1_767_225_600_000L)
                .setForkedFrom(ForkOrigin.newBuilder().setRunId("parent-run.01").setIteration(41).build())
                .build();
    }

    static StateDelta delta(String runId, long sequence, EntityType type, String entityId, String collection,
                            Operation op, List<String> patchFields, Object payload) {
        return StateDelta.newBuilder()
                .setRunId(runId)
                .setWorkerId("worker-a")
                .setSequence(sequence)
                .setIteration(3)
                .setVirtualDate(12)
                .setEntityType(type)
                .setEntityId(entityId)
                .setCollection(collection)
                .setOp(op)
                .setPatchFields(patchFields)
                .setPayload(payload)
                .build();
    }

    static Person person() {
        Map<String, Long> inventories = new LinkedHashMap<>();
        inventories.put("1", 1500L);
        // 2^52: beyond int range but inside what avsc's default (JavaScript number) long type accepts (2^53 - 2).
        inventories.put("2", 4_503_599_627_370_496L);
        Map<String, Double> dividends = new LinkedHashMap<>();
        dividends.put("1", 12.5);
        return Person.newBuilder()
                .setPersonId(7)
                .setName("Zoë Ångström")
                .setOccupation("trader")
                .setPrinciple("value investing")
                .setInvestmentDuration("long")
                .setDailyIncomeFromJob("120")
                .setCash(100_000.25)
                .setMinimumLivingExpense(35.5)
                .setReflectFrequency(5)
                .setIncome(null)
                .setAsset(2_500.0)
                .setWealth(102_500.25)
                .setIdentity(null)
                .setInventories(inventories)
                .setDividends(dividends)
                .build();
    }

    static Stock stock() {
        return Stock.newBuilder()
                .setStockId(2)
                .setStockName("ACME")
                .setDPS(0.3)
                .setPastStockLastPrices(List.of(9.75, 10.0, 10.5))
                .setQuantity(1_000_000L)
                .setCurrentPrice(10.5)
                .setBookValue(null)
                .setIntradayPriceList(List.of())
                .build();
    }

    static MarketIndex marketIndex() {
        Map<String, Double> proportion = new LinkedHashMap<>();
        proportion.put("1", 0.6);
        proportion.put("2", 0.4);
        return MarketIndex.newBuilder()
                .setName("SIM-50")
                .setStockId(null)
                .setStockProportion(proportion)
                .setCurrentValue(1234.5)
                .setPastValues(List.of(1200.0, 1210.25))
                .build();
    }

    static GenerationChunk generationChunk(String runId) {
        return GenerationChunk.newBuilder()
                .setRunId(runId)
                .setWorkerId("worker-a")
                .setGeneration(4)
                .setChunkIndex(0)
                .setFirstMemberIndex(0)
                .setMembers(List.of(genotype("Ada", 36, Map.of("openness", 0.9, "neuroticism", 0.15)),
                        genotype("Bo Ørsted", 51, Map.of())))
                .build();
    }

    static PersonaGenotype genotype(String name, int age, Map<String, Double> traits) {
        return PersonaGenotype.newBuilder()
                .setName(name)
                .setAge(age)
                .setOccupation("engineer")
                .setBackstory("Grew up by the sea; \"quotes\" and \\ backslashes\nand newlines.")
                .setCoreValues(List.of("honesty", "curiosity"))
                .setHobbies(List.of())
                .setPersonalityTraits(new LinkedHashMap<>(traits))
                .setCommunicationStyle("direct")
                .setTopicalFocus("energy markets")
                .setInteractionPolicy("reply-when-mentioned")
                .setGoals(List.of("learn", "teach"))
                .build();
    }
}
