package dev.simsnap.importer;

/** A seed file that cannot be imported; the message is one line: {@code <file>[:<line>:<column>]: <problem>}. */
public final class SeedFormatException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    SeedFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
