package dev.simsnap.snapshot.run;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.simsnap.model.StateModel;

/**
 * Parsed state models, shared by every reader and writer of runs in this JVM. A run's model is stored as
 * self-contained descriptor JSON ({@code RunStarted.model}); parsing it (schemas included) costs far more than any
 * single store read, and many runs share one kind, so parsed models are kept by their exact text.
 *
 * <p>Bounded (at most {@value #MAX_MODELS} texts, least recently used go first); a model text is immutable and so is
 * its {@link StateModel}, so a cached one is always the right one.
 */
public final class ParsedModels {

    /** Most model texts kept parsed. */
    static final int MAX_MODELS = 256;

    private static final Cache<String, StateModel> PARSED = Caffeine.newBuilder().maximumSize(MAX_MODELS).build();

    private ParsedModels() {
    }

    /**
     * The model of {@code descriptor} (self-contained JSON: schemas inline, no files).
     *
     * @throws IllegalArgumentException when it is not a valid model (nothing is cached then)
     */
    public static StateModel of(String descriptor) {
        return PARSED.get(descriptor, d -> StateModel.parse(d, file -> null));
    }
}
