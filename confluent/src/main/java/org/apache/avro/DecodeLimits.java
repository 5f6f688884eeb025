package org.apache.avro;

/**
 * Makes Avro re-read its decode limits from the system properties. Avro reads them once, when
 * {@link SystemLimitException} is first loaded; anything that decoded earlier in the JVM would otherwise fix them at
 * Avro's defaults (about 2 GiB), and a corrupt length prefix could exhaust the heap. Its reset method is
 * package-private, hence this class in Avro's package.
 */
public final class DecodeLimits {

    private DecodeLimits() {
    }

    /** Applies the current {@code org.apache.avro.limits.*} system properties. */
    public static void reload() {
        SystemLimitException.resetLimits();
    }
}
