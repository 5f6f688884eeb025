package dev.simsnap.devstack;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.utils.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a fatal broker error from terminating the JVM that hosts an {@link EmbeddedKafkaBroker}.
 *
 * <p>Kafka's server code never calls {@code System.exit}/{@code Runtime.halt} directly: fatal faults
 * ({@code ProcessTerminatingFaultHandler}, e.g. a metadata publishing or controller error), the last log
 * directory going offline ({@code LogManager}, {@code ReplicaManager}) and {@code FatalExitError} in request
 * handler or shutdownable threads all go through {@code org.apache.kafka.common.utils.Exit.halt/exit}, whose
 * procedures are JVM-global and replaceable. The first guarded broker installs procedures that, while at least one
 * guarded broker is running, log the request at ERROR, record it on every guarded broker
 * ({@link EmbeddedKafkaBroker#fatalError()}) and throw instead of terminating; the failing Kafka thread then ends
 * with that exception. With no guarded broker running they halt or exit the JVM exactly like Kafka's defaults.
 *
 * <p>Not covered: a JVM crash, or {@code OutOfMemoryError} in a broker thread (nothing calls {@code Exit} then).
 */
final class FatalFaultGuard {

    private static final Logger LOG = LoggerFactory.getLogger(FatalFaultGuard.class);
    private static final Set<EmbeddedKafkaBroker> GUARDED = ConcurrentHashMap.newKeySet();
    private static boolean installed;

    private FatalFaultGuard() {
    }

    static synchronized void register(EmbeddedKafkaBroker broker) {
        if (!installed) {
            Exit.setHaltProcedure((status, message) -> intercept("halt", status, message));
            Exit.setExitProcedure((status, message) -> intercept("exit", status, message));
            installed = true;
        }
        GUARDED.add(broker);
    }

    static void unregister(EmbeddedKafkaBroker broker) {
        GUARDED.remove(broker);
    }

    private static void intercept(String kind, int status, String message) {
        if (GUARDED.isEmpty()) {
            if (kind.equals("halt")) {
                Runtime.getRuntime().halt(status);
            } else {
                System.exit(status);
            }
            return;
        }
        IllegalStateException error = new IllegalStateException("Kafka requested JVM " + kind + "(" + status + ")"
                + (message == null ? "" : ": " + message)
                + "; refused because an embedded broker runs in this JVM. The broker is probably unusable now:"
                + " stop() or restart() it.");
        LOG.error("Fatal Kafka broker error in thread {}", Thread.currentThread().getName(), error);
        GUARDED.forEach(broker -> broker.recordFatalError(error));
        throw error;
    }
}
