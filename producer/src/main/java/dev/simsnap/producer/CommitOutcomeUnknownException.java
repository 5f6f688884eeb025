package dev.simsnap.producer;

import org.apache.kafka.common.KafkaException;

/**
 * A transaction's commit did not complete in time (Kafka unreachable or slow): it may have been committed or not.
 * The worker stays usable — its next call replaces the producer, which settles the transaction, and reads the run
 * back — so re-sending the same step is safe: it is answered {@code already_committed} when the first attempt
 * was committed, and committed now otherwise. The gateway answers 503 (retry) for it, never 409.
 */
public final class CommitOutcomeUnknownException extends KafkaException {

    private static final long serialVersionUID = 1L;

    /** @param cause what the producer reported */
    public CommitOutcomeUnknownException(String runId, String workerId, Throwable cause) {
        super("the commit of worker " + workerId + " of run " + runId + " did not complete in time (" + cause
                + "); whether it was committed is settled by the next call, so re-send the same request", cause);
    }
}
