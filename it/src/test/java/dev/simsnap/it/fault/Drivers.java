package dev.simsnap.it.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.simsnap.model.StateModel;
import dev.simsnap.producer.SimsnapWorker;
import dev.simsnap.producer.Step;
import dev.simsnap.producer.StepResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Workers that drive steps {@code 0..steps-1} of a fault-ledger run through faults, Jepsen style: an operation
 * whose outcome is unknown (an exception, a 5xx, a timeout) is retried with the same step number and the same
 * content until it is acknowledged ({@code committed}, or {@code already_committed} when the first attempt had in
 * fact committed); only acknowledged steps go into the {@link Ledger}.
 */
final class Drivers {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration GIVE_UP = Duration.ofSeconds(150);

    private Drivers() {
    }

    /** A worker on the Java library (v2 Step API); returns the number of retried (indeterminate) attempts. */
    static Callable<Integer> library(Properties config, StateModel model, String run, String worker, long steps,
                                     long pacingMillis, Ledger ledger) {
        return () -> {
            AtomicInteger retries = new AtomicInteger();
            long deadline = System.nanoTime() + GIVE_UP.toNanos();
            SimsnapWorker w = open(config, run, worker, deadline, retries);
            try {
                long s = w.state().lastIteration() + 1;
                while (s < steps) {
                    try {
                        Step step = w.beginStep(s, LedgerSteps.clock(s));
                        LedgerSteps.fill(step, model, worker, s);
                        StepResult result = step.commit();
                        ledger.committed(run, worker, s, result.status().name().toLowerCase(Locale.ROOT));
                        s++;
                        pause(pacingMillis);
                    } catch (RuntimeException e) {
                        if (System.nanoTime() > deadline) {
                            throw new AssertionError("worker " + worker + " of " + run + " stuck at step " + s, e);
                        }
                        retries.incrementAndGet();
                        System.out.printf("[fault-suite] %s/%s step %d: %s; reopening the worker%n", run, worker, s,
                                e);
                        closeQuietly(w);
                        w = open(config, run, worker, deadline, retries);
                    }
                }
            } finally {
                closeQuietly(w);
            }
            return retries.get();
        };
    }

    /** Opens a worker (fencing any earlier one of the same id), retrying while the cluster recovers. */
    static SimsnapWorker open(Properties config, String run, String worker, long deadline, AtomicInteger retries) {
        while (true) {
            try {
                return SimsnapWorker.builder().environment(Map.of()).config(config).run(run).worker(worker).build();
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("worker " + worker + " of " + run + " cannot open", e);
                }
                if (retries.incrementAndGet() % 10 == 1) {
                    System.out.printf("[fault-suite] %s/%s cannot open yet: %s%n", run, worker, e);
                }
                pause(500);
            }
        }
    }

    /** A worker on the HTTP gateway ({@code POST .../steps/{s}}); returns the number of retried attempts. */
    static Callable<Integer> gateway(String gatewayUrl, String run, String worker, long steps, long pacingMillis,
                                     Ledger ledger) {
        return () -> {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
            int retries = 0;
            long deadline = System.nanoTime() + GIVE_UP.toNanos();
            long s = 0;
            while (s < steps) {
                String outcome;
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gatewayUrl + "/runs/" + run
                                    + "/workers/" + worker + "/steps/" + s)).timeout(Duration.ofSeconds(90))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(LedgerSteps.gatewayBody(worker, s))).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        JsonNode body = JSON.readTree(r.body());
                        ledger.committed(run, worker, s, body.get("status").asText());
                        s++;
                        pause(pacingMillis);
                        continue;
                    }
                    if (r.statusCode() < 500) {
                        throw new AssertionError("gateway refused step " + s + " of " + worker + ": "
                                + r.statusCode() + " " + r.body());
                    }
                    outcome = r.statusCode() + " " + r.body();
                } catch (IOException e) {
                    outcome = e.toString();
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("gateway worker " + worker + " of " + run + " stuck at step " + s
                            + ": " + outcome);
                }
                retries++;
                System.out.printf("[fault-suite] %s/%s (gateway) step %d: %s; re-sending%n", run, worker, s, outcome);
                pause(500);
            }
            return retries;
        };
    }

    private static void closeQuietly(SimsnapWorker w) {
        try {
            w.close();
        } catch (RuntimeException e) {
            // a broken worker: its successor fences it
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
