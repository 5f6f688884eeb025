package dev.simsnap.snapshot.read;

import dev.simsnap.engine.entity.StoredEntity;
import dev.simsnap.model.CollectionSpec;
import dev.simsnap.model.EntityIds;
import dev.simsnap.model.Shape;
import dev.simsnap.model.StateModel;
import dev.simsnap.render.layout.RunView;
import dev.simsnap.snapshot.delta.ItemStore;
import dev.simsnap.snapshot.run.RunMeta;
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
    private final long step;
    private final Map<String, Long> clock;

    private ItemsView(Map<String, List<Item>> items, Map<String, SortedMap<Long, List<StoredEntity>>> generations,
                      long step, Map<String, Long> clock) {
        this.items = items;
        this.generations = generations;
        this.step = step;
        this.clock = clock;
    }

    /**
     * Run {@code m}'s items at its consistent step. The clock is the run's (a v1 run's: its commits' virtual_date,
     * the legacy model's clock field).
     *
     * @param generationStore where the generations collections' versions are kept
     * @param maxStep         the step generations are seen as of (each one's newest version saved at or before it);
     *                        null: each one's newest version
     */
    static ItemsView read(StateModel model, RunMeta m, ItemStore store, ItemStore generationStore, Long maxStep) {
        String runId = m.runId();
        Map<String, Long> clock = m.consistentClock() != null ? m.consistentClock()
                : m.consistentVirtualDate() == null ? Map.of()
                : Map.of("virtual_date", (long) m.consistentVirtualDate());
        Map<String, List<Item>> items = new HashMap<>();
        Map<String, SortedMap<Long, List<StoredEntity>>> generations = new HashMap<>();
        for (CollectionSpec c : model.collections()) {
            if (c.shape() == Shape.GENERATIONS) {
                generations.put(c.name(), generationStore.generations(runId, c.name(), maxStep));
                continue;
            }
            List<Map.Entry<String, ItemStore.Stored>> rows = new ArrayList<>(store.scan(runId, c.name()));
            Comparator<Map.Entry<String, ItemStore.Stored>> order = switch (c.order()) {
                case INSERTION -> Comparator.comparingLong(e -> e.getValue().position());
                case TEXT -> Map.Entry.comparingByKey();
                case KEY -> Map.Entry.comparingByKey(EntityIds.KEY_ORDER);
            };
            rows.sort(order);
            List<Item> list = new ArrayList<>(rows.size());
            rows.forEach(e -> list.add(new Item(e.getKey(), e.getValue().entity())));
            items.put(c.name(), list);
        }
        return new ItemsView(items, generations, m.consistentIteration(), clock);
    }

    @Override
    public long step() {
        return step;
    }

    @Override
    public Map<String, Long> clock() {
        return clock;
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
