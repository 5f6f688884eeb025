package dev.simsnap.render.layout;

import dev.simsnap.engine.entity.StoredEntity;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/** What a layout is rendered from: one run's collections at one consistent step, read-only. */
public interface RunView {

    /** One item of a keyed, singleton or rows collection. */
    record Item(String id, StoredEntity value) {
    }

    /**
     * The items of a keyed, singleton or rows collection in the collection's order (key order, insertion order, or
     * row id order), empty when it has none.
     */
    List<Item> items(String collection);

    /** The visible generations of a generations collection: generation id to its members, in population order. */
    SortedMap<Long, List<StoredEntity>> generations(String collection);

    /** The consistent step the view shows (what a layout's {@code "fill": "step"} writes); -1 before the first. */
    default long step() {
        return -1;
    }

    /** The simulation's clock at that step (what {@code "clock.<field>"} fills write); empty when unknown. */
    default Map<String, Long> clock() {
        return Map.of();
    }
}
