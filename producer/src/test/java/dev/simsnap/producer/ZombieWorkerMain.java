package dev.simsnap.producer;

import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Person;

/**
 * Child-JVM worker for the kill test: opens worker {@code args[3]} of run {@code args[2]}, sends 50 deltas of
 * iteration {@code args[4]} in its transaction, flushes them to the broker, prints FLUSHED and waits to be killed.
 */
public final class ZombieWorkerMain {

    private ZombieWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        SimsnapWorker worker = SimsnapWorker.builder().environment(java.util.Map.of())
                .property(SimsnapConfig.BOOTSTRAP_SERVERS, args[0]).property(SimsnapConfig.SCHEMA_REGISTRY_URL, args[1])
                .run(args[2]).worker(args[3]).build();
        Iteration it = worker.beginIteration(Long.parseLong(args[4]), 7);
        for (int i = 0; i < 50; i++) {
            it.patch(EntityType.PERSON, "1", Person.newBuilder().setPersonId(1).setCash(1000.0 + i).build(), "cash");
        }
        it.flush();
        System.out.println("FLUSHED " + worker.nextSequence());
        System.out.flush();
        Thread.sleep(120_000);
    }
}
