"""The trading arena's main loop on simsnap v2 against the real stack (gateway + snapshot service).

Reproduces the seed: 3 agents + the broker last, 2 stocks, 3 days x 3 intra-day iterations (iteration restarts
at 0 each day), the six SQLite tables (DDL from the built-in descriptor) growing and updated, a restart from
``load_all(args)`` in a "new process" that continues the run.
"""

import argparse
import json
import os
import random
import shutil
import sqlite3
import tempfile
import uuid

import simsnap.arena as arena_module
from simsnap import SimsnapError
from simsnap._v2 import StateRun
from simsnap.arena import load_all, save_all  # the seed's one-line switch
from tests.seedlike import Broker, Market, Market_index, Person, Stock
from tests.stack import StackTestCase

HERE = os.path.dirname(os.path.abspath(__file__))
TABLES_DIR = os.path.join(HERE, "..", "..", "..", "contract", "src", "main", "resources", "kinds", "trading-arena",
                          "tables")
TABLES = ["active_orders", "stock", "person", "account", "memory", "gossip"]
QUERIES = [
    "SELECT rowid, * FROM active_orders ORDER BY rowid",
    "SELECT rowid, * FROM stock ORDER BY rowid",
    "SELECT rowid, * FROM person ORDER BY rowid",
    "SELECT rowid, * FROM account ORDER BY rowid",
    "SELECT rowid, * FROM memory ORDER BY rowid",
    "SELECT rowid, * FROM gossip ORDER BY rowid",
    "SELECT status, count(*), sum(quantity), typeof(price) FROM active_orders GROUP BY status, typeof(price)",
    "SELECT virtual_date, iteration, count(*) FROM active_orders GROUP BY virtual_date, iteration",
    "SELECT person_id, sum(quantity * cost_price) FROM account GROUP BY person_id",
    "SELECT typeof(price), typeof(quantity), typeof(timestamp) FROM active_orders",
]
PERSONA = [
    {"person_id": 0, "name": "Ana", "occupation": "teacher", "principle": "value first", "investment_duration": 30,
     "daily_income_from_job": "500", "cash": 40000, "minimum_living_expense": 100, "reflect_frequency": 3},
    {"person_id": 1, "name": "\u674e\u96f7", "occupation": "chef", "principle": "momentum", "investment_duration": 5,
     "daily_income_from_job": "700", "cash": 1500.5, "minimum_living_expense": 50.5, "reflect_frequency": 2},
    {"person_id": 2, "name": "Zo\u00eb", "occupation": "pilot", "principle": "index", "investment_duration": 90,
     "daily_income_from_job": "650", "cash": 25000, "minimum_living_expense": 80},
]
STOCKS = [
    {"stock_id": 0, "stock_name": "A", "quantity": 10000, "book_value": 120, "DPS": 2,
     "past_stock_last_prices": [439.40, 441.0, 438]},
    {"stock_id": 1, "stock_name": "B", "quantity": 5000, "book_value": 33.5, "past_stock_last_prices": [30.25]},
]


def ddl(table):
    with open(os.path.join(TABLES_DIR, table + ".avsc"), encoding="utf-8") as f:
        return json.load(f)["sqlite.ddl"]


def query_all(db):
    return [[tuple((type(v).__name__, v) for v in row) for row in db.execute(q)] for q in QUERIES]


def state_of(obj):
    """An object's class and __dict__ with references replaced by what they point to (by identity tag)."""
    out = {}
    for k, v in vars(obj).items():
        if k == "db":
            out[k] = "<db>" if isinstance(v, sqlite3.Connection) else v
        elif k in ("stocks", "persons"):
            out[k] = [(type(x).__name__, getattr(x, "stock_id", getattr(x, "person_id", None))) for x in v]
        elif k == "broker":
            out[k] = (type(v).__name__, v.person_id)
        else:
            out[k] = json.dumps(v)  # tells 1 from 1.0 and keeps key order
    return type(obj), list(vars(obj)), out


class Simulation:
    """The seed's main loop, deterministic (seeded), writing objects and the database like the real one."""

    def __init__(self, args, rng):
        self.args = args
        self.rng = rng
        self.timestamp = 1700000000

    def setup(self):
        os.makedirs(self.args.Save_Path, exist_ok=True)
        with open(os.path.join(self.args.Save_Path, "persona.json"), "w", encoding="utf-8") as f:
            json.dump(PERSONA, f, indent=4)
        with open(os.path.join(self.args.Save_Path, "stocks.json"), "w", encoding="utf-8") as f:
            json.dump(STOCKS, f, indent=4)
        db = sqlite3.connect(os.path.join(self.args.Save_Path, "data.db"))
        for t in TABLES:
            db.execute(ddl(t))
        db.commit()
        stocks = [Stock(e) for e in STOCKS]
        broker = Broker(stocks, db)
        persons = [Person(e["person_id"], dict(e), stocks, broker, db) for e in PERSONA]
        persons.append(broker)  # the broker last, as the seed does
        market_index = Market_index(stocks, db)
        market = Market(broker, stocks, persons, db)
        return stocks, market_index, persons, market, db

    def step(self, virtual_date, iteration, stocks, market_index, persons, market, db):
        rng = self.rng
        broker = persons[-1]
        if iteration == 0:
            for s in stocks:
                s.intraday_price_list = []
            market_index.first_day = virtual_date == 0
        # close yesterday's / earlier orders: rows are updated
        db.execute("UPDATE active_orders SET status = 'closed' WHERE status = 'active' AND rowid % 2 = 0")
        db.execute("UPDATE active_orders SET status = 'finished' WHERE status = 'active' AND iteration < ?",
                   (iteration,))
        for p in persons[:-1]:
            s = stocks[rng.randrange(len(stocks))]
            qty = rng.randint(1, 20)
            price = round(s.current_price * rng.uniform(0.97, 1.03), 2)
            kind = rng.choice(["buy", "sell"])
            self.timestamp += 1
            db.execute("INSERT INTO active_orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (self.timestamp, virtual_date, virtual_date % 5, iteration, s.stock_id, p.person_id, kind,
                        price if rng.random() < 0.7 else int(price), qty, "active"))
            delta = qty * price * (1 if kind == "sell" else -1)
            p.cash = p.cash + delta  # int at start, float after trading
            p.asset = round(p.asset - delta, 2)
            p.wealth = p.cash + p.asset
            p.daily_expense = p.daily_expense + 12.5
            held = db.execute("SELECT rowid, quantity FROM account WHERE person_id = ? AND stock_id = ?",
                              (p.person_id, s.stock_id)).fetchone()
            if held is None:
                db.execute("INSERT INTO account VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (p.person_id, s.stock_id, virtual_date, virtual_date % 5, qty, price, price, 0,
                            virtual_date))
            else:
                db.execute("UPDATE account SET quantity = ?, current_price = ?, profit = ? WHERE rowid = ?",
                           (held[1] + qty, price, round(rng.uniform(-50, 50), 3), held[0]))
            db.execute("INSERT INTO memory VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (p.person_id, virtual_date, iteration, json.dumps({"op": kind, "qty": qty}), "strategy " * 20,
                        kind, "gossip", "analysis \u2713 " * 30, "stick to it", json.dumps([s.current_price]), "up",
                        "fine"))
            if iteration == 1:
                db.execute("INSERT INTO gossip VALUES (?, ?, ?)", (p.person_id, virtual_date, "heard %d" % qty))
            if p.person_id % 2 == 0 and (virtual_date + iteration) % p.reflect_frequency == 0:
                p.principle = "%s; reflected on day %d" % (p.identity["principle"], virtual_date)
        for s in stocks:
            s.current_price = round(s.current_price * rng.uniform(0.98, 1.02), 2)
            s.intraday_price_list.append(s.current_price)
        broker.inventories = [i + rng.randint(-3, 3) for i in broker.inventories]
        broker.dividends = [d + 0.25 for d in broker.dividends]
        broker.cash = broker.cash + 0.5
        market.today_index = round(sum(s.current_price for s in stocks) / len(stocks), 4)
        market._bid_step = 0.01 if iteration % 2 == 0 else 0.05
        if iteration == self.args.Iterations_Daily - 1:
            for s in stocks:
                db.execute("INSERT INTO stock VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (s.stock_id, virtual_date, virtual_date % 5, 1000.5, s.quantity, s.current_price,
                            s.intraday_price_list[0], max(s.intraday_price_list), min(s.intraday_price_list)))
            for p in persons[:-1]:
                db.execute("INSERT INTO person VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (p.person_id, virtual_date, p.cash, p.asset, p.wealth, int(p.income), 0.0,
                            p.daily_expense, p.principle))
            # a memory row is forgotten: rows are deleted too
            db.execute("DELETE FROM memory WHERE rowid = (SELECT min(rowid) FROM memory)")
        db.commit()


class ArenaTest(StackTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="simsnap-arena-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        arena_module._adapters.clear()

    def args(self, run):
        return argparse.Namespace(SAVE_NAME=run, Save_Path=os.path.join(self.tmp, "save", run), Num_Person=3,
                                  Num_Stock=2, Iterations_Daily=3, No_Days=3)

    def test_main_loop_restart_and_continue(self):
        run = "py-arena-" + uuid.uuid4().hex[:8]
        args = self.args(run)
        sim = Simulation(args, random.Random(11))
        stocks, market_index, persons, market, db = sim.setup()
        saved = None
        for virtual_date in range(2):  # days 0 and 1 in the first "process"
            for iter in range(args.Iterations_Daily):
                sim.step(virtual_date, iter, stocks, market_index, persons, market, db)
                answer = save_all(virtual_date, iter, stocks, market_index, persons, market, args)
                self.assertEqual(answer["status"], "committed", answer)
        saved = {"stocks": [state_of(s) for s in stocks], "persons": [state_of(p) for p in persons],
                 "market_index": state_of(market_index), "market": state_of(market), "db": query_all(db)}
        db.close()

        # ---- restart: a new process (no adapter state), the database file gone ----
        arena_module._adapters.clear()
        os.remove(os.path.join(args.Save_Path, "data.db"))
        current_date, current_iteration, broker, market_index, market, stocks, persons = load_all(args)
        self.assertEqual((current_date, current_iteration), (1, 2))
        self.assertIs(broker, persons[-1])
        self.assertEqual(broker.person_id, -1)
        self.assertIsInstance(broker, Broker)
        self.assertEqual([p.person_id for p in persons], [0, 1, 2, -1])
        self.assertEqual([state_of(s) for s in stocks], saved["stocks"])
        self.assertEqual([state_of(p) for p in persons], saved["persons"])
        self.assertEqual(state_of(market_index), saved["market_index"])
        self.assertEqual(state_of(market), saved["market"])
        db = persons[0].db
        self.assertIsInstance(db, sqlite3.Connection)
        for p in persons:
            self.assertIs(p.db, db)
            self.assertIs(p.stocks, stocks)
        for p in persons[:-1]:
            self.assertIs(p.broker, broker)
        self.assertIs(broker.stocks, stocks)
        self.assertIs(market_index.stocks, stocks)
        self.assertIs(market.broker, broker)
        self.assertIs(market.stocks, stocks)
        self.assertIs(market.persons, persons)
        self.assertEqual(query_all(db), saved["db"], "the restored data.db answers the same queries")

        # ---- continue the run from the loaded objects: day 2 ----
        for iter in range(args.Iterations_Daily):
            sim.step(2, iter, stocks, market_index, persons, market, db)
            answer = save_all(2, iter, stocks, market_index, persons, market, args)
            self.assertEqual(answer["status"], "committed", answer)
        final = {"stocks": [state_of(s) for s in stocks], "persons": [state_of(p) for p in persons],
                 "market_index": state_of(market_index), "market": state_of(market), "db": query_all(db)}
        self.assertEqual(db.execute("SELECT count(*) FROM active_orders").fetchone()[0], 27)

        # ---- the service's snapshot: seed-written files byte-identical, the database complete ----
        state = StateRun(run, "trading-arena")
        state.wait_caught_up(at_least=arena_module.adapter(run).last_step)  # the last step this process sent
        files = state.snapshot_files()
        self.assertEqual(files["information.json"], json.dumps({"virtual_date": 2, "iteration": 2}, indent=4)
                         .encode("utf-8"))
        self.assertEqual(json.loads(files["persona.json"]), PERSONA)
        self.assertEqual(json.loads(files["stocks.json"]), STOCKS)
        self.assertIn('"person_id": -1', files["classes/PERSON_3.json"].decode("utf-8"))
        snap_db_path = os.path.join(self.tmp, "snapshot.db")
        with open(snap_db_path, "wb") as f:
            f.write(files["data.db"])
        snap_db = sqlite3.connect(snap_db_path)
        self.addCleanup(snap_db.close)
        self.assertEqual(query_all(snap_db), final["db"])
        clocks = snap_db.execute("SELECT DISTINCT virtual_date, iteration FROM active_orders ORDER BY 1, 2").fetchall()
        self.assertEqual(clocks, [(d, i) for d in range(3) for i in range(3)], "no day was dropped")
        for t in TABLES:
            self.assertEqual(snap_db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (t,)).fetchone()[0],
                             ddl(t))

        # ---- a third process loads the end state from the service, and offline from a snapshot folder ----
        db.close()
        arena_module._adapters.clear()
        loaded = load_all(args)
        self.assertEqual(loaded[:2], (2, 2))
        self.assertEqual([state_of(s) for s in loaded[5]], final["stocks"])
        self.assertEqual([state_of(p) for p in loaded[6]], final["persons"])
        self.assertEqual(query_all(loaded[6][0].db), final["db"])
        loaded[6][0].db.close()
        folder = os.path.join(self.tmp, "snapshot-folder")
        for name, data in files.items():
            os.makedirs(os.path.dirname(os.path.join(folder, name)), exist_ok=True)
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
        offline_args = self.args(run + "-offline")
        offline = load_all(offline_args, folder=folder)
        self.assertEqual([state_of(p) for p in offline[6]], final["persons"])
        self.assertEqual(state_of(offline[4]), final["market"])
        self.assertEqual(query_all(offline[6][0].db), final["db"])
        offline[6][0].db.close()

    def test_only_changes_are_sent(self):
        run = "py-arena-delta-" + uuid.uuid4().hex[:8]
        args = self.args(run)
        sim = Simulation(args, random.Random(3))
        stocks, market_index, persons, market, db = sim.setup()
        self.addCleanup(db.close)
        first = save_all(0, 0, stocks, market_index, persons, market, args)
        # information, 4 persons, 2 stocks, index, market, 2 stock inputs; no rows yet
        self.assertEqual(first["changes"], 11, first)
        again = save_all(0, 1, stocks, market_index, persons, market, args)
        self.assertEqual(again["changes"], 1, again)  # only information (the clock)
        persons[1].cash = 1500.5 + 1  # one person, one new row
        db.execute("INSERT INTO gossip VALUES (1, 0, 'x')")
        db.commit()
        third = save_all(0, 2, stocks, market_index, persons, market, args)
        self.assertEqual(third["changes"], 3, third)
        # a new process saving without load_all first: it compares with the run's latest snapshot
        arena_module._adapters.clear()
        db.execute("UPDATE gossip SET gossip = 'y'")
        db.commit()
        fourth = save_all(0, 3, stocks, market_index, persons, market, args)
        self.assertEqual(fourth["changes"], 2, fourth)  # information and the updated row

    def test_widened_schema_for_attributes_the_built_in_schema_lacks(self):
        run = "py-arena-wide-" + uuid.uuid4().hex[:8]
        args = self.args(run)
        sim = Simulation(args, random.Random(5))
        stocks, market_index, persons, market, db = sim.setup()
        self.addCleanup(db.close)
        persons[0].mood = {"fear": 0.25, "tags": ["x", 1]}  # a new attribute
        stocks[1].DPS = 0.75  # int in the built-in schema; a float here
        market.today_index = "n/a"  # a str where the schema has numbers
        save_all(0, 0, stocks, market_index, persons, market, args)
        arena_module._adapters.clear()
        loaded = load_all(args)
        self.assertEqual(loaded[6][0].mood, {"fear": 0.25, "tags": ["x", 1]})
        self.assertEqual(loaded[5][1].DPS, 0.75)
        self.assertEqual(loaded[5][0].DPS, 2)
        self.assertIsInstance(loaded[5][0].DPS, int)
        self.assertEqual(loaded[4].today_index, "n/a")
        self.assertNotIn("mood", vars(loaded[6][1]))
        loaded[6][0].db.close()

    def test_refused_schema_names_the_field(self):
        run = "py-arena-refused-" + uuid.uuid4().hex[:8]
        state = StateRun(run, "trading-arena")
        state.start()
        _, schema = state.latest_schema("stocks")
        bad = json.loads(json.dumps(schema))
        for f in bad["fields"]:
            if f["name"] == "quantity":
                f["type"] = "string"
        with self.assertRaises(SimsnapError) as ctx:
            state.register("stocks", bad)
        self.assertEqual(ctx.exception.status, 409)
        self.assertEqual(ctx.exception.field, "quantity")
        self.assertIn("quantity", str(ctx.exception))
