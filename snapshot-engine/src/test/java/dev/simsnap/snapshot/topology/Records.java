package dev.simsnap.snapshot.topology;

import dev.simsnap.schema.delta.Document;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.ListAppend;
import dev.simsnap.schema.delta.Operation;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.schema.delta.Stock;
import dev.simsnap.schema.generation.GenerationChunk;
import dev.simsnap.schema.generation.GenerationSealed;
import dev.simsnap.schema.generation.PersonaGenotype;
import dev.simsnap.schema.run.IterationCommitted;
import dev.simsnap.schema.run.RunEnded;
import dev.simsnap.schema.run.RunStarted;
import dev.simsnap.schema.run.RunStatus;
import java.util.List;
import java.util.Map;

/** Builders for contract records in tests. */
public final class Records {

    private Records() {
    }

    public static RunStarted started(String run, String... workers) {
        return RunStarted.newBuilder().setRunId(run).setKind("trading-arena").setExpectedWorkers(List.of(workers))
                .setConfig(Map.of()).build();
    }

    public static IterationCommitted commit(String run, String worker, long iteration) {
        return IterationCommitted.newBuilder().setRunId(run).setWorkerId(worker).setIteration(iteration)
                .setVirtualDate((int) iteration + 100).setDeltaCount(0).setLastSequence(-1).build();
    }

    public static RunEnded ended(String run) {
        return RunEnded.newBuilder().setRunId(run).setWorkerId("w1").setFinalIteration(0)
                .setStatus(RunStatus.COMPLETED).setEndedAtMs(0).build();
    }

    public static StateDelta.Builder delta(String run, String worker, long seq, long iteration, EntityType type,
                                           String id, Operation op, Object payload) {
        return StateDelta.newBuilder().setRunId(run).setWorkerId(worker).setSequence(seq).setIteration(iteration)
                .setVirtualDate(0).setEntityType(type).setEntityId(id).setCollection(null).setOp(op)
                .setPatchFields(List.of()).setPayload(payload);
    }

    public static Person person(int id, String name, Double cash) {
        return Person.newBuilder().setPersonId(id).setName(name).setCash(cash).build();
    }

    public static Stock stock(int id, String name, List<Double> prices) {
        return Stock.newBuilder().setStockId(id).setStockName(name).setPastStockLastPrices(prices).build();
    }

    public static Document doc(String json) {
        return Document.newBuilder().setJson(json).build();
    }

    public static ListAppend appendNumbers(String field, Double... numbers) {
        return ListAppend.newBuilder().setField(field).setNumbers(List.of(numbers)).setJsonItems(List.of()).build();
    }

    public static ListAppend appendJson(String field, String... items) {
        return ListAppend.newBuilder().setField(field).setNumbers(List.of()).setJsonItems(List.of(items)).build();
    }

    public static PersonaGenotype genotype(String name, int age) {
        return PersonaGenotype.newBuilder().setName(name).setAge(age).setOccupation("o").setBackstory("b")
                .setCoreValues(List.of("v")).setHobbies(List.of()).setPersonalityTraits(Map.of("openness", 0.9,
                        "neuroticism", 0.4)).setCommunicationStyle("c").setTopicalFocus("t")
                .setInteractionPolicy("p").setGoals(List.of("g")).build();
    }

    public static GenerationChunk chunk(String run, int gen, int index, int first, PersonaGenotype... members) {
        return GenerationChunk.newBuilder().setRunId(run).setWorkerId("w1").setGeneration(gen).setChunkIndex(index)
                .setFirstMemberIndex(first).setMembers(List.of(members)).build();
    }

    public static GenerationSealed seal(String run, int gen, int members, int chunks) {
        return GenerationSealed.newBuilder().setRunId(run).setWorkerId("w1").setGeneration(gen)
                .setMemberCount(members).setChunkCount(chunks).setScores(null).build();
    }
}
