package dev.simsnap.simulate;

import dev.simsnap.schema.legacy.LegacyKind;
import dev.simsnap.schema.delta.EntityType;
import dev.simsnap.schema.delta.Market;
import dev.simsnap.schema.delta.MarketIndex;
import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.RunInformation;
import dev.simsnap.schema.delta.Stock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A deterministic sample of the Agent Trading Arena, pure and in memory: the state after each iteration and the
 * deltas that lead to it.
 *
 * <p>Iteration 0 upserts the initial state (persons with every persona.json field, stocks with every stocks.json
 * field, the market, the market index with entity id {@code <stocks>} and the information entity). Each later
 * iteration {@code i} (virtual date {@code i / 4}, so four iterations per virtual day):
 * <ol>
 *   <li>every stock's price takes a log-normal random-walk step (PATCH current_price, APPEND intraday_price_list);
 *       on the first iteration of a day the previous close is appended to past_stock_last_prices and the intraday
 *       list restarts;</li>
 *   <li>the index (equal weights) is recomputed (PATCH current_value; past_values gets the previous day's close)
 *       and copied into the market's today_index;</li>
 *   <li>on the first iteration of a day every person receives dividends (shares × DPS), its daily income and pays
 *       its minimum living expense;</li>
 *   <li>every person may trade one stock at the new price with the broker (buy if cash allows, sell if held);
 *       asset and wealth are revalued (PATCH cash, asset, wealth, inventories, dividends);</li>
 *   <li>the information entity is upserted with the virtual date and the iteration.</li>
 * </ol>
 * Every draw comes from {@link Draws} keyed by (seed, iteration, entity), and every worker computes the whole model,
 * so the records do not depend on how many workers share the run. Worker {@code k} of {@code W} publishes the
 * persons with {@code person_id % W == k}; worker 0 also publishes stocks, market, index and information.
 */
public final class TradingArenaModel {

    /** Iterations per virtual day. */
    public static final int ITERATIONS_PER_DAY = 4;
    /** The index's Name. */
    public static final String INDEX_NAME = "SIMSNAP-INDEX";

    private static final String[] FIRST = {"Alice", "Bob", "Chen", "Dana", "Emeka", "Farah", "Goro", "Hana", "Ivan",
        "Jia", "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya"};
    private static final String[] LAST = {"Smith", "Tanaka", "Okafor", "Garcia", "Novak", "Li", "Haddad", "Kim"};
    private static final String[] OCCUPATIONS = {"Teacher", "Engineer", "Nurse", "Farmer", "Retired", "Student",
        "Doctor", "Artist", "Trader", "Shop owner"};
    private static final String[] PRINCIPLES = {"Buy low, sell high.", "Follow the trend.", "Hold for dividends.",
        "Never risk more than a tenth of the cash.", "Diversify across every stock."};
    private static final String[] DURATIONS = {"short-term", "medium-term", "long-term"};
    private static final String[] STOCK_NAMES = {"ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT", "GOLF",
        "HOTEL", "INDIA", "JULIET"};

    private final int agents;
    private final int stockCount;
    private final long seed;
    private final TreeMap<Integer, Person> persons = new TreeMap<>();
    private final TreeMap<Integer, Stock> stocks = new TreeMap<>();
    private Market market;
    private MarketIndex index;
    private RunInformation information;
    private long iteration = -1;

    /**
     * A model before iteration 0.
     *
     * @throws IllegalArgumentException when agents or stocks is below 1
     */
    public TradingArenaModel(int agents, int stocks, long seed) {
        if (agents < 1) {
            throw new IllegalArgumentException("field 'agents': must be at least 1, got " + agents);
        }
        if (stocks < 1) {
            throw new IllegalArgumentException("field 'stocks': must be at least 1, got " + stocks);
        }
        this.agents = agents;
        this.stockCount = stocks;
        this.seed = seed;
    }

    /** The model after iteration {@code iteration} (the expected state of a run at that iteration). */
    public static TradingArenaModel at(int agents, int stocks, long seed, long iteration) {
        TradingArenaModel model = new TradingArenaModel(agents, stocks, seed);
        while (model.iteration() < iteration) {
            model.advance();
        }
        return model;
    }

    /** The virtual date of {@code iteration}. */
    public static int virtualDate(long iteration) {
        return (int) (iteration / ITERATIONS_PER_DAY);
    }

    /** Which of {@code workers} workers publishes {@code change}. */
    public static int ownerOf(EntityChange change, int workers) {
        return change.type() == EntityType.PERSON ? Integer.parseInt(change.entityId()) % workers : 0;
    }

    /** The last applied iteration (-1 before the first {@link #advance()}). */
    public long iteration() {
        return iteration;
    }

    /** The market index's entity id: its stock_id ({@code stocks}) as decimal text. */
    public String indexId() {
        return String.valueOf(stockCount);
    }

    /** Applies the next iteration and returns its deltas, in publishing order. */
    public List<EntityChange> advance() {
        iteration++;
        return iteration == 0 ? initial() : step(iteration);
    }

    /** Persons by person_id (copies). */
    public SortedMap<Integer, Person> persons() {
        TreeMap<Integer, Person> copy = new TreeMap<>();
        persons.forEach((id, p) -> copy.put(id, Person.newBuilder(p).build()));
        return copy;
    }

    /** Stocks by stock_id (copies). */
    public SortedMap<Integer, Stock> stocks() {
        TreeMap<Integer, Stock> copy = new TreeMap<>();
        stocks.forEach((id, s) -> copy.put(id, Stock.newBuilder(s).build()));
        return copy;
    }

    /** The market (copy). */
    public Market market() {
        return Market.newBuilder(market).build();
    }

    /** The market index (copy). */
    public MarketIndex marketIndex() {
        return MarketIndex.newBuilder(index).build();
    }

    /** The information entity (copy). */
    public RunInformation information() {
        return RunInformation.newBuilder(information).build();
    }

    private List<EntityChange> initial() {
        List<EntityChange> changes = new ArrayList<>();
        for (int s = 0; s < stockCount; s++) {
            SplittableRandom r = Draws.of(seed, 0, Draws.STOCK, s);
            List<Double> past = new ArrayList<>();
            double price = round2(10 + r.nextDouble() * 90);
            for (int d = 0; d < 5; d++) {
                past.add(price);
                price = step(price, r, 0.03);
            }
            String name = STOCK_NAMES[s % STOCK_NAMES.length]
                    + (s >= STOCK_NAMES.length ? "-" + (s / STOCK_NAMES.length) : "");
            List<Double> intraday = new ArrayList<>(List.of(price));
            stocks.put(s, new Stock(s, name, round2(0.1 + r.nextDouble() * 1.9), past,
                    10_000L + r.nextInt(990_001), price, round2(price * (0.5 + r.nextDouble() * 0.5)), intraday));
        }
        Map<String, Double> weights = new TreeMap<>();
        stocks.keySet().forEach(s -> weights.put(String.valueOf(s), 1.0 / stockCount));
        index = new MarketIndex(INDEX_NAME, stockCount, weights, indexValue(weights), new ArrayList<>());
        market = new Market(0.01, index.getCurrentValue());
        information = new RunInformation(0, 0L);
        for (int p = 0; p < agents; p++) {
            SplittableRandom r = Draws.of(seed, 0, Draws.PERSON, p);
            int income = 50 + r.nextInt(251);
            double cash = 5_000 + r.nextInt(95_001);
            persons.put(p, new Person(p, FIRST[r.nextInt(FIRST.length)] + " " + LAST[r.nextInt(LAST.length)],
                    OCCUPATIONS[r.nextInt(OCCUPATIONS.length)], PRINCIPLES[r.nextInt(PRINCIPLES.length)],
                    DURATIONS[r.nextInt(DURATIONS.length)], String.valueOf(income), cash,
                    (double) (20 + r.nextInt(81)), 1 + r.nextInt(5), (double) income, 0.0, cash, "investor",
                    new TreeMap<>(), new TreeMap<>()));
        }
        changes.add(EntityChange.upsert(EntityType.INFORMATION, LegacyKind.singletonId(EntityType.INFORMATION), information()));
        changes.add(EntityChange.upsert(EntityType.MARKET, LegacyKind.singletonId(EntityType.MARKET), market()));
        changes.add(EntityChange.upsert(EntityType.MARKET_INDEX, indexId(), marketIndex()));
        stocks().forEach((id, s) -> changes.add(EntityChange.upsert(EntityType.STOCK, String.valueOf(id), s)));
        persons().forEach((id, p) -> changes.add(EntityChange.upsert(EntityType.PERSON, String.valueOf(id), p)));
        return changes;
    }

    private List<EntityChange> step(long i) {
        List<EntityChange> changes = new ArrayList<>();
        boolean newDay = i % ITERATIONS_PER_DAY == 0;
        for (Stock stock : stocks.values()) {
            String id = String.valueOf(stock.getStockId());
            double close = stock.getCurrentPrice();
            double price = step(close, Draws.of(seed, i, Draws.STOCK, stock.getStockId()), 0.02);
            stock.setCurrentPrice(price);
            if (newDay) {
                stock.getPastStockLastPrices().add(close);
                stock.setIntradayPriceList(new ArrayList<>(List.of(price)));
                changes.add(EntityChange.append(EntityType.STOCK, id, "past_stock_last_prices", close));
                changes.add(EntityChange.patch(EntityType.STOCK, id,
                        Stock.newBuilder().setStockId(stock.getStockId()).setCurrentPrice(price)
                                .setIntradayPriceList(List.of(price)).build(),
                        "current_price", "intraday_price_list"));
            } else {
                stock.getIntradayPriceList().add(price);
                changes.add(EntityChange.patch(EntityType.STOCK, id,
                        Stock.newBuilder().setStockId(stock.getStockId()).setCurrentPrice(price).build(),
                        "current_price"));
                changes.add(EntityChange.append(EntityType.STOCK, id, "intraday_price_list", price));
            }
        }
        double previousIndex = index.getCurrentValue();
        index.setCurrentValue(indexValue(index.getStockProportion()));
        if (newDay) {
            index.getPastValues().add(previousIndex);
            changes.add(EntityChange.append(EntityType.MARKET_INDEX, indexId(), "past_values", previousIndex));
        }
        changes.add(EntityChange.patch(EntityType.MARKET_INDEX, indexId(),
                MarketIndex.newBuilder().setCurrentValue(index.getCurrentValue()).build(), "current_value"));
        market.setTodayIndex(index.getCurrentValue());
        changes.add(EntityChange.patch(EntityType.MARKET, LegacyKind.singletonId(EntityType.MARKET),
                Market.newBuilder().setTodayIndex(market.getTodayIndex()).build(), "today_index"));
        for (Person person : persons.values()) {
            changes.add(trade(person, i, newDay));
        }
        information = new RunInformation(virtualDate(i), i);
        changes.add(EntityChange.upsert(EntityType.INFORMATION, LegacyKind.singletonId(EntityType.INFORMATION), information()));
        return changes;
    }

    private EntityChange trade(Person person, long i, boolean newDay) {
        Map<String, Long> inventories = person.getInventories();
        Map<String, Double> dividends = person.getDividends();
        double cash = person.getCash();
        if (newDay) {
            for (Map.Entry<String, Long> holding : inventories.entrySet()) {
                double dividend = round2(holding.getValue() * stocks.get(Integer.parseInt(holding.getKey())).getDPS());
                cash = round2(cash + dividend);
                dividends.merge(holding.getKey(), dividend, (a, b) -> round2(a + b));
            }
            cash = round2(cash + person.getIncome() - person.getMinimumLivingExpense());
        }
        SplittableRandom r = Draws.of(seed, i, Draws.PERSON, person.getPersonId());
        if (r.nextDouble() < 0.6) {
            int stockId = r.nextInt(stockCount);
            boolean buy = r.nextBoolean();
            long quantity = 1 + r.nextInt(10);
            String key = String.valueOf(stockId);
            double cost = round2(quantity * stocks.get(stockId).getCurrentPrice());
            long held = inventories.getOrDefault(key, 0L);
            if (buy && cash >= cost) {
                cash = round2(cash - cost);
                inventories.put(key, held + quantity);
            } else if (!buy && held >= quantity) {
                cash = round2(cash + cost);
                if (held == quantity) {
                    inventories.remove(key);
                } else {
                    inventories.put(key, held - quantity);
                }
            }
        }
        double asset = 0;
        for (Map.Entry<String, Long> holding : inventories.entrySet()) {
            asset += holding.getValue() * stocks.get(Integer.parseInt(holding.getKey())).getCurrentPrice();
        }
        person.setCash(cash);
        person.setAsset(round2(asset));
        person.setWealth(round2(cash + asset));
        Person patch = Person.newBuilder().setPersonId(person.getPersonId()).setCash(person.getCash())
                .setAsset(person.getAsset()).setWealth(person.getWealth())
                .setInventories(new TreeMap<>(inventories)).setDividends(new TreeMap<>(dividends)).build();
        return EntityChange.patch(EntityType.PERSON, String.valueOf(person.getPersonId()), patch,
                "cash", "asset", "wealth", "inventories", "dividends");
    }

    private double indexValue(Map<String, Double> weights) {
        double value = 0;
        for (Map.Entry<String, Double> w : new TreeMap<>(weights).entrySet()) {
            value += w.getValue() * stocks.get(Integer.parseInt(w.getKey())).getCurrentPrice();
        }
        return round2(value);
    }

    private static double step(double price, SplittableRandom r, double volatility) {
        return round2(Math.max(0.01, price * StrictMath.exp(volatility * Draws.gaussian(r))));
    }

    static double round2(double x) {
        return Math.round(x * 100.0) / 100.0;
    }
}
