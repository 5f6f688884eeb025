package dev.simsnap.simulate;

import java.util.SplittableRandom;

/**
 * The one source of randomness of the sample models: every draw comes from a {@link SplittableRandom} seeded by a
 * hash of (run seed, iteration or generation, domain, entity id). A draw therefore depends only on what it is for,
 * never on which worker or thread computes it or in what order.
 */
final class Draws {

    /** Domains keep e.g. person 3 and stock 3 of the same iteration apart. */
    static final int PERSON = 1;
    static final int STOCK = 2;
    static final int INDEX = 3;
    static final int PERSONA = 4;
    static final int SCORE = 5;
    static final int CHILD = 6;

    private Draws() {
    }

    /** The generator for (seed, step, domain, id). */
    static SplittableRandom of(long seed, long step, int domain, long id) {
        long h = mix(seed ^ 0x5DEECE66DL);
        h = mix(h + step * 0x9E3779B97F4A7C15L);
        h = mix(h + domain * 0xC2B2AE3D27D4EB4FL);
        h = mix(h + id * 0x165667B19E3779F9L);
        return new SplittableRandom(h);
    }

    /** A standard normal draw (Box-Muller with StrictMath, so it is bit-identical on every JVM). */
    static double gaussian(SplittableRandom random) {
        double u1 = 1.0 - random.nextDouble(); // (0, 1]: log stays finite
        double u2 = random.nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
    }

    // The SplitMix64 finalizer: a bijective, well-mixing 64-bit hash.
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
