package dev.simsnap.snapshot.read;

import dev.simsnap.engine.entity.StoredEntity;
import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.EntityIds;
import dev.simsnap.model.Order;
import dev.simsnap.model.Shape;
import dev.simsnap.model.StateModel;
import dev.simsnap.render.layout.RunView;
import dev.simsnap.snapshot.delta.ItemStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** A state-model run's items as read from the item stores, each collection in its declared order. */
final class ItemsView implements RunView {

    private final Map<String, List<Item>> items;
    private final Map<String, SortedMap<Long, List<StoredEntity>>> generations;

    private ItemsView(Map<String, List<Item>> items, Map<String, SortedMap<Long, List<StoredEntity>>> generations) {
        this.items = items;
        this.generations = generations;
    }

    static ItemsView read(StateModel model, String runId, ItemStore store) {
        Map<String, List<Item>> items = new HashMap<>();
        Map<String, SortedMap<Long, List<StoredEntity>>> generations = new HashMap<>();
        for (CollectionSpec c : model.collections()) {
            if (c.shape() == Shape.GENERATIONS) {
                generations.put(c.name(), store.generations(runId, c.name(), null));
                continue;
            }
            List<Map.Entry<String, ItemStore.Stored>> rows = new ArrayList<>(store.scan(runId, c.name()));
            Comparator<Map.Entry<String, ItemStore.Stored>> order = c.order() == Order.INSERTION
                    ? Comparator.comparingLong(e -> e.getValue().position())
                    : Map.Entry.comparingByKey(EntityIds.KEY_ORDER);
            rows.sort(order);
            List<Item> list = new ArrayList<>(rows.size());
            rows.forEach(e -> list.add(new Item(e.getKey(), e.getValue().entity())));
            items.put(c.name(), list);
        }
        return new ItemsView(items, generations);
    }

    @Override
    public List<Item> items(String collection) {
        return items.getOrDefault(collection, List.of());
    }

    @Override
    public SortedMap<Long, List<StoredEntity>> generations(String collection) {
        return generations.getOrDefault(collection, new TreeMap<>());
    }
}
