package dev.simsnap.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The state models that ship with simsnap, as descriptors on the class path ({@code kinds/<kind>/kind.json} and
 * the {@code .avsc} files beside it). They are data, read like any user's descriptor.
 */
public final class BuiltInKinds {

    /** The kinds that ship with simsnap. */
    public static final List<String> NAMES = List.of("trading-arena", "persona-evolution");

    /**
     * The kind of runs written with the StateDelta v1 contract ({@code RunStarted.model} null): not offered to new
     * runs (it is not in {@link #NAMES}); the engine applies and renders v1 history with it.
     */
    public static final String LEGACY = "legacy";

    private BuiltInKinds() {
    }

    /** The built-in model of {@code kind}, if there is one. */
    public static Optional<StateModel> find(String kind) {
        if (!NAMES.contains(kind)) {
            return Optional.empty();
        }
        return Optional.of(load(kind));
    }

    /** The legacy model (see {@link #LEGACY}). */
    public static StateModel legacy() {
        return load(LEGACY);
    }

    private static StateModel load(String kind) {
        String base = "kinds/" + kind + "/";
        return StateModel.parse(resource(base + "kind.json"), file -> resource(base + file));
    }

    /** The built-in model of {@code kind}; throws naming the built-in kinds when there is none. */
    public static StateModel get(String kind) {
        return find(kind).orElseThrow(() -> new IllegalArgumentException("no built-in kind '" + kind
                + "': built-in kinds are " + NAMES + "; declare others with a descriptor"));
    }

    private static String resource(String name) {
        try (InputStream in = BuiltInKinds.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                return null;
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
