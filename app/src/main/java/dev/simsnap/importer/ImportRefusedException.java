package dev.simsnap.importer;

/** An import the run's state does not allow (the run exists, has ended, is not a trading-arena run, ...). */
public final class ImportRefusedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    ImportRefusedException(String message) {
        super(message);
    }
}
