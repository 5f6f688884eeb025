package dev.simsnap.importer;

/**
 * A save folder, or a file in it, that cannot be imported; the message is one line naming the file:
 * {@code <file>[:<line>:<column>]: <problem>}. Thrown before anything is published.
 */
public final class SeedFormatException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    SeedFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    SeedFormatException(String message) {
        super(message);
    }
}
