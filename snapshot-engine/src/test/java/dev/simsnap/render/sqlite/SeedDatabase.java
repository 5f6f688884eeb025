package dev.simsnap.render.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Random;

/** A trading-arena {@code data.db} as the simulation makes it: its exact DDL, rows inserted, updated, deleted. */
final class SeedDatabase {

    /** The six tables as the trading arena creates them (no primary keys; rows are identified by rowid). */
    static final List<String> DDL = List.of(
            "Create Table active_orders (timestamp Integer NOT NULL, virtual_date Integer, "
                    + "weekday INTEGER, iteration INTEGER,"
                    + "stock_id INTEGER, person_id INTEGER, type text check(type IN ('sell','buy')), "
                    + "price Numeric, quantity INTEGER, "
                    + "status text check (status IN ('active','closed','finished') ))",
            "Create Table stock (stock_id Integer NOT NULL, virtual_date Integer, "
                    + "weekday INTEGER,"
                    + "volume  Numeric, quantity INTEGER, last_price Numeric, begin_price Numeric,"
                    + "highest_price Numeric, lowest_price Numeric )",
            "Create Table person (person_id Integer, virtual_date Integer, "
                    + "cash Numeric, asset Numeric,"
                    + "wealth Numeric, work_income Numeric,"
                    + "capital_gain Numeric, daily_expense Numeric,"
                    + "principle Text)",
            "Create Table account (person_id Integer, stock_id Integer, virtual_date Integer, "
                    + "weekday INTEGER, quantity INTEGER,"
                    + "cost_price Numeric, current_price Numeric, profit Numeric,"
                    + "start_date INTEGER)",
            "Create Table memory (person_id Integer, virtual_date Integer, iteration INTEGER, "
                    + "stock_operations Text, strategy Text, type Text check(type IN ('sell','buy','hold','reflect')), "
                    + "gossip Text, analysis_for_stocks Text, analysis_for_strategy Text, stock_prices Text, "
                    + "market_change Text, financial_situation Text)",
            "Create Table gossip (person_id Integer, virtual_date Integer, gossip Text)");

    static final List<String> TABLES = List.of("active_orders", "stock", "person", "account", "memory", "gossip");

    /** Queries the restored database must answer like the original. */
    static final List<String> QUERIES = List.of(
            "SELECT person_id, count(*), sum(quantity), avg(price) FROM active_orders WHERE status = 'active' "
                    + "GROUP BY person_id ORDER BY person_id",
            "SELECT typeof(price), count(*) FROM active_orders GROUP BY 1 ORDER BY 1",
            "SELECT stock_id, max(highest_price), min(lowest_price), sum(volume) FROM stock GROUP BY stock_id "
                    + "ORDER BY stock_id",
            "SELECT person_id, cash, wealth FROM person WHERE virtual_date = (SELECT max(virtual_date) FROM person) "
                    + "ORDER BY person_id",
            "SELECT rowid, length(analysis_for_stocks), substr(strategy, 1, 20) FROM memory ORDER BY rowid",
            "SELECT max(rowid), count(*) FROM account",
            "SELECT * FROM gossip WHERE gossip LIKE '%消息%' ORDER BY rowid");

    private static final String[] PRINCIPLES = {
        "Buy low, sell high.", "长期投资，分散风险。", "Risk-averse 🐢 – prefers dividends", null,
    };

    private SeedDatabase() {}

    /** Builds the database at {@code db} with sqlite-jdbc; {@code days} trading days, deterministic content. */
    static void build(Path db, int days) throws SQLException {
        Random rnd = new Random(20261129L);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath())) {
            try (Statement st = c.createStatement()) {
                for (String ddl : DDL) {
                    st.execute(ddl);
                }
            }
            c.setAutoCommit(false);
            int persons = 5;
            int stocks = 3;
            long ts = 1_700_000_000L;
            for (int day = 0; day < days; day++) {
                int weekday = day % 5;
                for (int s = 0; s < stocks; s++) {
                    double base = 100 + 10 * s + day;
                    insert(c, "stock", s, day, weekday,
                            day % 2 == 0 ? (Object) (1000L * (s + 1)) : (Object) (1234.5 + s),
                            10_000 + s, base + 0.25, base, s == 0 ? (Object) 112L : (Object) (base + 1.5),
                            base - 0.75);
                }
                for (int it = 0; it < 3; it++) {
                    for (int p = 0; p < persons; p++) {
                        Object price = switch ((p + it + day) % 4) {
                            case 0 -> 439.40 + p;           // REAL
                            case 1 -> (long) (440 + p);     // INTEGER
                            case 2 -> "12.50";              // TEXT that NUMERIC affinity turns into REAL 12.5
                            default -> "440.0";             // TEXT that NUMERIC affinity turns into INTEGER 440
                        };
                        insert(c, "active_orders", ts++, day, weekday, it, p % stocks, p,
                                rnd.nextBoolean() ? "buy" : "sell", price, 1 + rnd.nextInt(100), "active");
                        String text = memoryText(rnd, p, day, it);
                        insert(c, "memory", p, day, it, "[{\"stock\": " + (p % stocks) + ", \"op\": \"buy\"}]",
                                "策略 " + p + ": hold and wait ✨", it == 2 ? "reflect" : "hold",
                                p % 2 == 0 ? null : "听说有消息 #" + p, text, text.substring(0, 300),
                                "[100.5, 101, 99.25]", "+1.2%", "cash " + (40000 - p));
                    }
                    try (Statement st = c.createStatement()) {
                        // orders fill: status updates in place (same rowid), some orders are withdrawn (deleted)
                        st.executeUpdate("UPDATE active_orders SET status = 'finished' WHERE rowid % 3 = 0 AND status = 'active'");
                        st.executeUpdate("UPDATE active_orders SET status = 'closed', quantity = quantity - 1 WHERE rowid % 7 = 1");
                        st.executeUpdate("DELETE FROM active_orders WHERE rowid % 11 = 5");
                    }
                }
                for (int p = 0; p < persons; p++) {
                    Object cash = day == 0 ? (Object) 40000L : (Object) (40000 - 123.456 * p * day);
                    insert(c, "person", p, day, cash, 1000.0 * p, day == 0 ? 40000L : 40000.5 + p,
                            500L, day * 1.5 - p, p == 3 ? null : (Object) 20L, PRINCIPLES[(p + day) % PRINCIPLES.length]);
                    insert(c, "account", p, p % stocks, day, weekday, 10 * (p + 1), 100.0 + p, 101.5, 15.0 * p, day);
                    insert(c, "gossip", p, day, "小道消息 " + p + "/" + day + " — rumour 📈");
                }
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("UPDATE account SET quantity = quantity + 5, current_price = current_price + 0.5 "
                            + "WHERE person_id % 2 = 0");
                    st.executeUpdate("DELETE FROM account WHERE quantity > 40 AND rowid % 2 = 0");
                    st.executeUpdate("DELETE FROM gossip WHERE rowid = 2");
                }
            }
            try (Statement st = c.createStatement()) {
                // 2^53 + 1 stays an exact INTEGER in a NUMERIC column; a non-numeric text stays TEXT in INTEGER
                st.executeUpdate("INSERT INTO stock VALUES (9, 0, 0, 9007199254740993, 'n/a', -0.0, 1e300, NULL, X'00ff')");
            }
            c.commit();
        }
    }

    private static String memoryText(Random rnd, int p, int day, int it) {
        StringBuilder sb = new StringBuilder();
        String[] words = {"股票", "market", "趋势", "volatility", "📊", "dividend", "Ünïcödé", "\"quoted\"", "\n"};
        while (sb.length() < 4000 + 500 * p) {
            sb.append(words[rnd.nextInt(words.length)]).append(' ');
        }
        return "analysis p" + p + " d" + day + " i" + it + ": " + sb;
    }

    private static void insert(Connection c, String table, Object... values) throws SQLException {
        String sql = "INSERT INTO " + table + " VALUES (" + "?, ".repeat(values.length - 1) + "?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                ps.setObject(i + 1, values[i]);
            }
            ps.executeUpdate();
        }
    }
}
