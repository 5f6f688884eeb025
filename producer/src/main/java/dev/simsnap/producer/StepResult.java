package dev.simsnap.producer;

/**
 * What {@link Step#commit()} did.
 *
 * @param status COMMITTED (sent in one transaction) or ALREADY_COMMITTED (same content as the committed step of that
 *               number: nothing sent)
 * @param step   the step number
 * @param digest the step's content digest ({@link dev.simsnap.model.step.StepDigest}) in lower-case hex
 */
public record StepResult(Status status, long step, String digest) {

    /** Whether the step was sent now or had been committed before. */
    public enum Status {
        COMMITTED, ALREADY_COMMITTED
    }
}
