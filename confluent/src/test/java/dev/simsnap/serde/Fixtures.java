package dev.simsnap.serde;

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
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.schema.run.RunStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One fully populated instance of every contract record (and every StateDelta payload branch). */
final class Fixtures {

    private Fixtures() {
    }

    static RunStarted runStarted() {
        return RunStarted.newBuilder().setRunId("run-1").setKind("trading-arena")
                .setExpectedWorkers(List.of("w1", "w2")).setConfig(Map.of("days", "30", "agents", "4"))
                .setRandomSeed(42L).setStartedAtMs(1_700_000_000_000L)
                .setForkedFrom(ForkOrigin.newBuilder().setRunId("run-0").setIteration(7L).build())
                .build();
    }

    static StateDelta delta(EntityType type, Operation op, Object payload) {
        return StateDelta.newBuilder().setRunId("run-1").setWorkerId("w1").setSequence(3L).setIteration(2L)
                .setVirtualDate(5).setEntityType(type).setEntityId(type == EntityType.DOCUMENT ? "doc-9" : "1")
                .setCollection(type == EntityType.DOCUMENT ? "posts" : null).setOp(op)
                .setPatchFields(op == Operation.PATCH ? List.of("cash") : List.of())
                .setPayload(payload).build();
    }

    /** A StateDelta per payload branch, plus the null payload of a DELETE. */
    static List<StateDelta> deltasForEveryPayloadBranch() {
        List<StateDelta> out = new ArrayList<>();
        out.add(delta(EntityType.PERSON, Operation.UPSERT, Person.newBuilder().setPersonId(1).setName("Ann")
                .setOccupation("trader").setPrinciple("value").setInvestmentDuration("long")
                .setDailyIncomeFromJob("100").setCash(1000.5).setMinimumLivingExpense(10.0).setReflectFrequency(3)
                .setIncome(5.0).setAsset(2000.0).setWealth(3000.25).setIdentity("id")
                .setInventories(Map.of("1", 10L, "2", 0L)).setDividends(Map.of("1", 0.5)).build()));
        out.add(delta(EntityType.PERSON, Operation.PATCH, Person.newBuilder().setPersonId(2).setCash(12.0).build()));
        out.add(delta(EntityType.STOCK, Operation.UPSERT, Stock.newBuilder().setStockId(1).setStockName("ACME")
                .setDPS(0.1).setPastStockLastPrices(List.of(1.0, 1.5)).setQuantity(1_000_000L).setCurrentPrice(1.6)
                .setBookValue(0.9).setIntradayPriceList(List.of(1.55, 1.6)).build()));
        out.add(delta(EntityType.MARKET, Operation.UPSERT, Market.newBuilder().setBidStep(0.01).setTodayIndex(1000.0)
                .build()));
        out.add(delta(EntityType.MARKET_INDEX, Operation.UPSERT, MarketIndex.newBuilder().setName("IDX")
                .setStockId(0).setStockProportion(Map.of("1", 0.6, "2", 0.4)).setCurrentValue(101.0)
                .setPastValues(List.of(100.0)).build()));
        out.add(delta(EntityType.INFORMATION, Operation.UPSERT, RunInformation.newBuilder().setVirtualDate(5)
                .setIteration(2L).build()));
        out.add(delta(EntityType.DOCUMENT, Operation.UPSERT, Document.newBuilder()
                .setJson("{\"title\":\"héllo ✓\"}").build()));
        out.add(delta(EntityType.STOCK, Operation.APPEND, ListAppend.newBuilder().setField("past_stock_last_prices")
                .setNumbers(List.of(1.7, 1.8)).setJsonItems(List.of()).build()));
        out.add(delta(EntityType.PERSON, Operation.DELETE, null));
        return out;
    }

    static IterationCommitted iterationCommitted() {
        return IterationCommitted.newBuilder().setRunId("run-1").setWorkerId("w1").setIteration(2L).setVirtualDate(5)
                .setDeltaCount(9).setLastSequence(8L).build();
    }

    static RunEnded runEnded() {
        return RunEnded.newBuilder().setRunId("run-1").setWorkerId("w1").setFinalIteration(2L)
                .setStatus(RunStatus.CANCELLED).setEndedAtMs(1_700_000_100_000L).build();
    }

    static GenerationChunk generationChunk() {
        PersonaGenotype p = PersonaGenotype.newBuilder().setName("Bo").setAge(33).setOccupation("chef")
                .setBackstory("grew up by the sea").setCoreValues(List.of("honesty")).setHobbies(List.of("sailing", "chess"))
                .setPersonalityTraits(Map.of("openness", 0.8, "neuroticism", 0.2)).setCommunicationStyle("direct")
                .setTopicalFocus("food").setInteractionPolicy("friendly").setGoals(List.of("open a restaurant"))
                .build();
        return GenerationChunk.newBuilder().setRunId("run-2").setWorkerId("w1").setGeneration(4).setChunkIndex(0)
                .setFirstMemberIndex(0).setMembers(List.of(p, PersonaGenotype.newBuilder(p).setName("Cy").build()))
                .build();
    }

    static GenerationSealed generationSealed(boolean withScores) {
        return GenerationSealed.newBuilder().setRunId("run-2").setWorkerId("w1").setGeneration(4).setMemberCount(2)
                .setChunkCount(1).setScores(withScores ? List.of(0.5, 0.75) : null).build();
    }
}
