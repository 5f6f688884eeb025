package dev.simsnap.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One try of the consistency checker as jqwik generates it: N workers x M steps of op intents on a small shared
 * pool of entities, a fault before and a retry after each step, and the schedule (which worker goes when, whether
 * the driver waits for it before starting the next, pauses).
 *
 * <p>{@link #changes()} turns the intents into concrete, valid changes by walking the steps in the order the
 * service applies them ({@code (step, worker id, sequence)}): an intent to patch, append to or delete an entity
 * that does not exist then is retargeted to an existing one, or becomes an UPSERT. Every value written is unique
 * to its (worker, step, op), so losing any op that is not overwritten in the same step changes what is visible.
 * Around the ops, each step keeps its worker's ledger book: created at step 0, one APPENDed entry per op
 * ({@code "<step>.<op> <OP> <entity>"}), and {@code steps} PATCHed to the number of steps done.
 *
 * @param viaGateway per worker: publishes through the HTTP gateway (else the Java worker library)
 * @param plans      per worker, per step: intents, fault and retry
 * @param order      the schedule: each worker index M times; the i-th entry starts that worker's next step
 * @param overlap    per schedule slot: true = do not wait for the step before starting the next slot
 * @param pausesMs   per schedule slot: pause after starting it
 * @param sseJoin    the schedule slot at which a second SSE observer joins (with {@code from=0})
 */
record CheckerScript(List<Boolean> viaGateway, List<List<StepPlan>> plans, List<Integer> order,
                     List<Boolean> overlap, List<Integer> pausesMs, int sseJoin) {

    /** Entities e0..e{POOL-1}, shared by all workers. */
    static final int POOL = 4;
    /** Paths a PATCH may set, chosen by the intent's mask. */
    static final List<String> PATCH_PATHS = List.of("value", "note", "meta.rev", "meta.owner");

    /** Injected before a step's real commit: a transaction of the same transactional.id with poison in it. */
    enum Fault { NONE, ZOMBIE_ABORTED, ZOMBIE_KILLED }

    /** Done after a step's real commit. */
    enum Retry { NONE, RESEND_SAME, RESEND_AFTER_LOST_ACK, RESEND_CONFLICTING }

    /** An op on entity {@code entity} of the pool; {@code patchMask} (1..15) picks the PATCH paths. */
    record Intent(CheckerChange.Op op, int entity, int patchMask) {
    }

    /** One step of one worker before it is made concrete. */
    record StepPlan(List<Intent> intents, Fault fault, Retry retry) {
    }

    int workers() {
        return plans.size();
    }

    int steps() {
        return plans.get(0).size();
    }

    static String worker(int w) {
        return "w" + w;
    }

    static String entity(int e) {
        return "e" + e;
    }

    List<String> workerIds() {
        List<String> ids = new ArrayList<>();
        for (int w = 0; w < workers(); w++) {
            ids.add(worker(w));
        }
        return ids;
    }

    /** The schedule as one line, e.g. {@code 0 1 1| 0 ...} ({@code |} = started without waiting for it). */
    String interleaving() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < order.size(); i++) {
            sb.append(order.get(i)).append(overlap.get(i) ? "|" : "").append(' ');
        }
        return sb.toString().trim();
    }

    /** Concrete changes: {@code [worker][step] -> changes in sending order}. */
    List<List<List<CheckerChange>>> changes() {
        List<List<List<CheckerChange>>> out = new ArrayList<>();
        for (int w = 0; w < workers(); w++) {
            out.add(new ArrayList<>());
        }
        TreeSet<Integer> existing = new TreeSet<>();
        // Worker ids w0..w9 sort as their indexes: the service's apply order within a step.
        for (int k = 0; k < steps(); k++) {
            for (int w = 0; w < workers(); w++) {
                String me = worker(w);
                List<CheckerChange> step = new ArrayList<>();
                if (k == 0) {
                    step.add(CheckerChange.upsert("ledger", me, book(me)));
                }
                List<Intent> intents = plans.get(w).get(k).intents();
                for (int j = 0; j < intents.size(); j++) {
                    Intent in = intents.get(j);
                    CheckerChange.Op op = in.op();
                    int e = in.entity() % POOL;
                    if (op != CheckerChange.Op.UPSERT && !existing.contains(e)) {
                        Integer other = existing.ceiling(e) != null ? existing.ceiling(e)
                                : existing.isEmpty() ? null : existing.first();
                        if (other == null) {
                            op = CheckerChange.Op.UPSERT;
                        } else {
                            e = other;
                        }
                    }
                    String id = entity(e);
                    String tag = me + "." + k + "." + j;
                    long unique = ((long) k * 10 + w) * 10 + j + 1;
                    switch (op) {
                        case UPSERT -> {
                            Map<String, Object> item = new LinkedHashMap<>();
                            item.put("id", id);
                            item.put("value", unique);
                            item.put("note", "upsert " + tag);
                            Map<String, Object> meta = new LinkedHashMap<>();
                            meta.put("owner", me);
                            meta.put("rev", (long) k);
                            item.put("meta", meta);
                            item.put("log", j % 2 == 0 ? List.of() : List.of("born " + tag));
                            step.add(CheckerChange.upsert("entities", id, item));
                            existing.add(e);
                        }
                        case PATCH -> {
                            Map<String, Object> set = new LinkedHashMap<>();
                            int mask = in.patchMask() & 15;
                            for (int p = 0; p < PATCH_PATHS.size(); p++) {
                                if ((mask & (1 << p)) != 0 || (mask == 0 && p == 0)) {
                                    String path = PATCH_PATHS.get(p);
                                    set.put(path, switch (path) {
                                        case "value", "meta.rev" -> (Object) (unique * 1000 + p);
                                        case "note" -> "patch " + tag;
                                        default -> me + "@" + k;
                                    });
                                }
                            }
                            step.add(CheckerChange.patch("entities", id, set));
                        }
                        case APPEND -> step.add(CheckerChange.append("entities", id, "log",
                                j % 2 == 0 ? List.of("append " + tag) : List.of("append " + tag, "again " + tag)));
                        case DELETE -> {
                            step.add(CheckerChange.delete("entities", id));
                            existing.remove(e);
                        }
                    }
                    step.add(CheckerChange.append("ledger", me, "entries", List.of(entry(k, j, op, id))));
                }
                Map<String, Object> steps = new LinkedHashMap<>();
                steps.put("steps", (long) k + 1);
                step.add(CheckerChange.patch("ledger", me, steps));
                out.get(w).add(step);
            }
        }
        return out;
    }

    /** The ledger entry of op {@code j} of step {@code k}. */
    static String entry(int k, int j, CheckerChange.Op op, String id) {
        return k + "." + j + " " + op + " " + id;
    }

    /** Step {@code k} of worker {@code w} with different content (a ledger entry more): must be refused. */
    static List<CheckerChange> conflicting(List<CheckerChange> step, int w, int k) {
        List<CheckerChange> out = new ArrayList<>(step);
        out.add(out.size() - 1, CheckerChange.append("ledger", worker(w), "entries", List.of("CONFLICT " + k)));
        return out;
    }

    private static Map<String, Object> book(String worker) {
        Map<String, Object> book = new LinkedHashMap<>();
        book.put("worker", worker);
        book.put("entries", List.of());
        book.put("steps", 0L);
        return book;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CheckerScript{workers=" + workers() + ", steps=" + steps()
                + ", gateway=" + viaGateway + ", schedule=[" + interleaving() + "], pauses=" + pausesMs
                + ", sseJoin=" + sseJoin);
        for (int w = 0; w < workers(); w++) {
            sb.append("\n  ").append(worker(w)).append(": ").append(plans.get(w));
        }
        return sb.append('}').toString();
    }
}
