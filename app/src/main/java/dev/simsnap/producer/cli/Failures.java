package dev.simsnap.producer.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;

/** Turns an expected failure into one line on stderr and exit code 1. */
final class Failures {

    private Failures() {
    }

    static int run(String command, PrintWriter err, Callable<Integer> body) {
        try {
            return body.call();
        } catch (IllegalArgumentException | IllegalStateException | KafkaException | java.io.UncheckedIOException e) {
            err.println("simsnap " + command + ": error: " + oneLine(e));
            err.flush();
            return 1;
        } catch (Exception e) {
            err.println("simsnap " + command + ": error: " + oneLine(e));
            err.flush();
            return 1;
        }
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replaceAll("\\s*\\R\\s*", " ");
    }
}
