"""Save folders of the trading arena as the seed leaves them, and the oracle an import is checked against.

Written from the seed's facts (shared/notes/seed-reality.md), sharing no code with simsnap:

    python3 arena_seed.py make OUT        # OUT/save/{init,backup_1,backup_2,backup_3,sim01}, OUT/odd, OUT/expected.json
    python3 arena_seed.py check FOLDER SNAPSHOT [ITEMS]
    python3 arena_seed.py load FOLDER SNAPSHOT CLIENT_DIR WORK

``make`` runs a small deterministic arena (3 agents + the broker last, 2 stocks, 3 days x 3 intra-day iterations,
the six SQLite tables growing, updated, a row deleted, a column added) and saves folders the way the seed's
``save_all`` does: ``information.json`` (``json.dumps(indent=4)``), ``classes/*.pkl`` (``pickle.dump`` of the live
objects with ``db = None``; their references to other objects are pickled with them), ``data.db`` and the
hand-written inputs ``persona.json`` / ``stocks.json`` (``save/init`` has only those, some optional keys absent).
Each folder uses another pickle protocol (0, 2, 4, 5). ``OUT/odd`` is ``sim01`` with an agent that has an attribute
(``mood``) the kind's persons schema has no field for.

``check`` compares a simsnap snapshot folder of an imported run with the save folder it came from: the set of
files, ``information.json`` byte for byte, ``persona.json`` / ``stocks.json`` as typed (order, ints vs floats), each
``classes/X.pkl`` object with ``classes/X.json`` (its ``__dict__`` minus the references ``db``, ``stocks``,
``broker``, ``persons``, plus ``__class__`` and ``__attrs__``; a folder without objects has ``PersonaInput`` items
``{person_id, identity}``), and ``data.db`` by the answers both databases give to the same queries (a folder without
``data.db`` has the kind's tables, empty: the kind's layout always writes its database). ``ITEMS``
(optional) holds REST item reads as ``<collection>/<id>.json``, each compared with its object. Exit status 0 when
everything matches; otherwise every difference is printed.

``load`` is the seed going on from an imported run: the Python adapter's ``load_all(args, folder=SNAPSHOT)``
(``CLIENT_DIR`` = clients/python) must give back objects of the seed's classes equal to the pickled ones, with their
references re-linked, and restore ``WORK/data.db`` answering the queries as the folder's ``data.db`` does.
"""

import json
import os
import pickle
import random
import shutil
import sqlite3
import sys
import types

REFERENCES = ("db", "stocks", "broker", "persons")
TABLES = {
    "active_orders": "CREATE TABLE active_orders (timestamp INTEGER NOT NULL, virtual_date INTEGER, weekday INTEGER,"
                     " iteration INTEGER, stock_id INTEGER, person_id INTEGER, type TEXT, price NUMERIC,"
                     " quantity INTEGER, status TEXT)",
    "stock": "CREATE TABLE stock (stock_id INTEGER NOT NULL, virtual_date INTEGER, weekday INTEGER, volume NUMERIC,"
             " quantity INTEGER, last_price NUMERIC, begin_price NUMERIC, highest_price NUMERIC,"
             " lowest_price NUMERIC)",
    "person": "CREATE TABLE person (person_id INTEGER, virtual_date INTEGER, cash NUMERIC, asset NUMERIC,"
              " wealth NUMERIC, work_income NUMERIC, capital_gain NUMERIC, daily_expense NUMERIC, principle TEXT)",
    "account": "CREATE TABLE account (person_id INTEGER, stock_id INTEGER, virtual_date INTEGER, weekday INTEGER,"
               " quantity INTEGER, cost_price NUMERIC, current_price NUMERIC, profit NUMERIC, start_date INTEGER)",
    "memory": "CREATE TABLE memory (person_id INTEGER, virtual_date INTEGER, iteration INTEGER,"
              " stock_operations TEXT, strategy TEXT, type TEXT, gossip TEXT, analysis_for_stocks TEXT,"
              " analysis_for_strategy TEXT, stock_prices TEXT, market_change TEXT, financial_situation TEXT)",
    "gossip": "CREATE TABLE gossip (person_id INTEGER, virtual_date INTEGER, gossip TEXT)",
}
QUERIES = [
    "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
    "SELECT rowid, * FROM active_orders ORDER BY rowid",
    "SELECT rowid, * FROM stock ORDER BY rowid",
    "SELECT rowid, * FROM person ORDER BY rowid",
    "SELECT rowid, * FROM account ORDER BY rowid",
    "SELECT rowid, * FROM memory ORDER BY rowid",
    "SELECT rowid, * FROM gossip ORDER BY rowid",
    "SELECT status, count(*), sum(quantity), typeof(price) FROM active_orders GROUP BY status, typeof(price)",
    "SELECT person_id, sum(quantity * cost_price), typeof(cost_price) FROM account GROUP BY person_id",
    "SELECT typeof(price), typeof(quantity), typeof(timestamp), typeof(status) FROM active_orders",
    "SELECT person_id, max(virtual_date), count(*) FROM memory GROUP BY person_id",
]
PERSONA = [
    {"person_id": 0, "name": "Ana", "occupation": "teacher", "principle": "value first", "investment_duration": 30,
     "daily_income_from_job": "500", "cash": 40000, "minimum_living_expense": 100, "reflect_frequency": 3},
    {"person_id": 1, "name": "\u674e\u96f7", "occupation": "chef", "principle": "momentum", "investment_duration": 5,
     "daily_income_from_job": "700", "cash": 1500.5, "minimum_living_expense": 50.5, "reflect_frequency": 2},
    # reflect_frequency absent: an optional key of save/init
    {"person_id": 2, "name": "Zo\u00eb", "occupation": "pilot", "principle": "index", "investment_duration": 90,
     "daily_income_from_job": "650", "cash": 25000, "minimum_living_expense": 80},
]
STOCKS = [
    {"stock_id": 0, "stock_name": "A", "quantity": 10000, "book_value": 120, "DPS": 2,
     "past_stock_last_prices": [439.40, 441.0, 438]},
    # DPS absent: an optional key of save/init
    {"stock_id": 1, "stock_name": "B", "quantity": 5000, "book_value": 33.5, "past_stock_last_prices": [30.25]},
]


# ---- the seed's classes (attributes as seed-reality.md lists them), in modules named like the seed's files -------

class Person:
    def __init__(self, person_id, identity, stocks, broker, db):
        self.person_id = person_id
        self.identity = identity
        self.income = identity["daily_income_from_job"]
        self.cash = identity["cash"]
        self.asset = 0
        self.wealth = identity["cash"]
        self.principle = identity["principle"]
        self.minimum_living_expense = identity["minimum_living_expense"]
        self.daily_expense = 0
        self.reflect_frequency = identity.get("reflect_frequency", 3)
        self.stocks = stocks
        self.broker = broker
        self.db = db


class Broker(Person):
    def __init__(self, stocks, db):  # the seed does not call Person.__init__
        self.person_id = -1
        self.cash = 1000000
        self.asset = 0
        self.wealth = 1000000
        self.total_expense = 0
        self.inventories = [s.quantity for s in stocks]
        self.dividends = [0.0 for _ in stocks]
        self.stocks = stocks
        self.db = db


class Stock:
    def __init__(self, entry, db):
        self.stock_id = entry["stock_id"]
        self.stock_name = entry["stock_name"]
        self.quantity = entry["quantity"]
        self.current_price = float(entry["past_stock_last_prices"][-1])
        self.book_value = float(entry["book_value"])
        self.DPS = entry.get("DPS", 0)
        self.Name = "STOCK_%d" % entry["stock_id"]
        self.intraday_price_list = []
        self.db = db


class Market_index:
    def __init__(self, stocks, db):
        self.Name = "Market_index"
        self.stock_id = -1
        self.stock_proportion = [1.0 / len(stocks) for _ in stocks]
        self.first_day = True
        self.stocks = stocks
        self.db = db


class Market:
    def __init__(self, broker, stocks, persons, db):
        self._bid_step = 0.01
        self.today_index = None
        self.broker = broker
        self.stocks = stocks
        self.persons = persons
        self.db = db


for _module, _classes in (("Person", (Person, Broker)), ("Stock", (Stock, Market_index)), ("Market", (Market,))):
    _mod = types.ModuleType(_module)
    for _cls in _classes:
        _cls.__module__ = _module
        setattr(_mod, _cls.__name__, _cls)
    sys.modules[_module] = _mod


# ---- make ---------------------------------------------------------------------------------------------------------

def write_json(path, value, indent=4):
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(value, indent=indent))


def save(folder, virtual_date, iteration, stocks, market_index, persons, market, db_path, protocol):
    """The seed's save_all, into ``folder``."""
    os.makedirs(os.path.join(folder, "classes"))
    write_json(os.path.join(folder, "information.json"), {"virtual_date": virtual_date, "iteration": iteration})
    write_json(os.path.join(folder, "persona.json"), PERSONA)
    write_json(os.path.join(folder, "stocks.json"), STOCKS)
    objects = [("STOCK_%d" % i, s) for i, s in enumerate(stocks)] + \
        [("PERSON_%d" % i, p) for i, p in enumerate(persons)] + [("Market_index", market_index), ("MARKET", market)]
    kept = {}
    for _, obj in objects:
        kept[id(obj)] = obj.db
        obj.db = None
    try:
        for name, obj in objects:
            with open(os.path.join(folder, "classes", name + ".pkl"), "wb") as f:
                pickle.dump(obj, f, protocol=protocol)
    finally:
        for _, obj in objects:
            obj.db = kept[id(obj)]
    src = sqlite3.connect(db_path)
    dst = sqlite3.connect(os.path.join(folder, "data.db"))
    src.backup(dst)
    dst.close()
    src.close()


def make(out):
    rnd = random.Random(20240607)
    save_dir = os.path.join(out, "save")
    init = os.path.join(save_dir, "init")
    os.makedirs(init)
    write_json(os.path.join(init, "persona.json"), PERSONA)
    write_json(os.path.join(init, "stocks.json"), STOCKS)
    work = os.path.join(out, "work")
    os.makedirs(work)
    db_path = os.path.join(work, "data.db")
    db = sqlite3.connect(db_path)
    for ddl in TABLES.values():
        db.execute(ddl)
    db.commit()
    stocks = [Stock(e, db) for e in STOCKS]
    market_index = Market_index(stocks, db)
    broker = Broker(stocks, db)
    persons = [Person(e["person_id"], e, stocks, broker, db) for e in PERSONA]
    persons.append(broker)
    market = Market(broker, stocks, persons, db)
    folders = [("init", None)]
    saves = {(0, 2): ("backup_1", 0), (1, 1): ("backup_2", 2), (2, 0): ("backup_3", 4), (2, 2): ("sim01", 5)}
    ts = 0
    for day in range(3):
        for s in stocks:
            s.intraday_price_list = []
        for it in range(3):
            for p in persons[:-1]:
                s = stocks[rnd.randrange(len(stocks))]
                side = rnd.choice(["buy", "sell"])
                price = round(s.current_price * (1 + rnd.uniform(-0.02, 0.02)), 2)
                qty = rnd.randint(1, 20)
                ts += 1
                db.execute("INSERT INTO active_orders VALUES (?,?,?,?,?,?,?,?,?,?)",
                           (ts, day, day % 5, it, s.stock_id, p.person_id, side, price, qty, "active"))
                s.intraday_price_list.append(price)
                s.current_price = price
                p.cash = round(p.cash - price * qty if side == "buy" else p.cash + price * qty, 2)
                p.asset = round(p.asset + price * qty, 2) if side == "buy" else p.asset
                p.wealth = p.cash + p.asset
                db.execute("INSERT INTO memory VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                           (p.person_id, day, it, "%s %d" % (side, qty), "strategy %d" % rnd.randint(0, 9), side,
                            None, "analysis " * rnd.randint(1, 4), "why", json.dumps([price]), "up", "fine"))
            db.execute("UPDATE active_orders SET status = 'finished' WHERE timestamp <= ? AND status = 'active'",
                       (ts - 2,))
            broker.inventories[0] -= 1
            broker.dividends[1] += 0.5
            market.today_index = round(sum(s.current_price for s in stocks) / len(stocks), 3)
            if (day, it) in saves:
                name, protocol = saves[(day, it)]
                db.commit()
                save(os.path.join(save_dir, name), day, it, stocks, market_index, persons, market, db_path, protocol)
                folders.append((name, (day, it)))
        for p in persons[:-1]:
            db.execute("INSERT INTO person VALUES (?,?,?,?,?,?,?,?,?)",
                       (p.person_id, day, p.cash, p.asset, p.wealth, int(p.income), 0.0, 12.5, p.principle))
            held = db.execute("SELECT rowid FROM account WHERE person_id = ? AND stock_id = 0", (p.person_id,)).fetchone()
            if held:
                db.execute("UPDATE account SET quantity = quantity + 1, current_price = ? WHERE rowid = ?",
                           (stocks[0].current_price, held[0]))
            else:
                db.execute("INSERT INTO account VALUES (?,?,?,?,?,?,?,?,?)",
                           (p.person_id, 0, day, day % 5, 10, stocks[0].current_price, stocks[0].current_price,
                            0, day))
            db.execute("INSERT INTO gossip (person_id, virtual_date, gossip) VALUES (?,?,?)", (p.person_id, day, "heard %d" % rnd.randint(0, 99)))
            p.principle = p.principle + " (day %d)" % day
            p.daily_expense = 12.5
        for s in stocks:
            db.execute("INSERT INTO stock VALUES (?,?,?,?,?,?,?,?,?)",
                       (s.stock_id, day, day % 5, len(s.intraday_price_list), s.quantity, s.current_price,
                        s.intraday_price_list[0], max(s.intraday_price_list), min(s.intraday_price_list)))
        market_index.first_day = False
        if day == 1:
            db.execute("DELETE FROM gossip WHERE rowid = 2")  # a row that goes
            db.execute("ALTER TABLE gossip ADD COLUMN mood TEXT")  # a changed table: a new schema version
            db.execute("UPDATE gossip SET mood = 'calm' WHERE rowid = 1")
        db.commit()
    db.close()
    # a folder the kind cannot hold: an agent with an attribute the persons schema has no field for
    persons[0].mood = "happy"
    save(os.path.join(out, "odd"), 2, 2, stocks, market_index, persons, market, db_path, 4)
    order = [name for name, _ in folders]
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"folders": order, "clocks": {n: c for n, c in folders if c is not None}}, f, indent=2)


# ---- check --------------------------------------------------------------------------------------------------------

def strict(value):
    """JSON text that tells 1 from 1.0 and keeps key order."""
    return json.dumps(value, ensure_ascii=False)


def item_of(obj):
    item = {k: v for k, v in vars(obj).items() if k not in REFERENCES}
    item["__class__"] = "%s.%s" % (type(obj).__module__, type(obj).__qualname__)
    item["__attrs__"] = list(vars(obj))
    return item


def same_item(expected, actual):
    """Keys as a set (the schema orders fields), every value as typed and in its own order."""
    if set(expected) != set(actual):
        return "keys %s vs %s" % (sorted(expected), sorted(actual))
    for k in expected:
        if strict(expected[k]) != strict(actual[k]):
            return "%s: %s vs %s" % (k, strict(expected[k])[:200], strict(actual[k])[:200])
    return None


def query_all(path):
    con = sqlite3.connect(path)
    try:
        return [[tuple((type(v).__name__, v) for v in row) for row in con.execute(q)] for q in QUERIES]
    finally:
        con.close()


def check(folder, snapshot, items_dir=None):
    problems = []
    classes = os.path.join(folder, "classes")
    pkls = sorted(os.listdir(classes)) if os.path.isdir(classes) else []
    expected_files = set()
    for name in ("information.json", "persona.json", "stocks.json", "data.db"):
        if os.path.exists(os.path.join(folder, name)):
            expected_files.add(name)
    objects = {}
    for name in pkls:
        with open(os.path.join(classes, name), "rb") as f:
            objects[name[:-4]] = pickle.load(f)
        expected_files.add("classes/%s.json" % name[:-4])
    with open(os.path.join(folder, "persona.json"), encoding="utf-8") as f:
        persona = json.load(f)
    if not pkls:
        for i, entry in enumerate(persona):
            objects["PERSON_%d" % i] = {"person_id": entry["person_id"], "identity": entry}
            expected_files.add("classes/PERSON_%d.json" % i)
    actual_files = set()
    for root, _, files in os.walk(snapshot):
        for name in files:
            actual_files.add(os.path.relpath(os.path.join(root, name), snapshot).replace(os.sep, "/"))
    if "data.db" not in expected_files and "data.db" in actual_files:
        # the kind's layout always writes its database: without one in the folder, its tables are there, empty
        con = sqlite3.connect(os.path.join(snapshot, "data.db"))
        try:
            tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            rows = sum(con.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0] for t in tables)
        finally:
            con.close()
        if sorted(tables) != sorted(TABLES) or rows:
            problems.append("data.db: the folder has none, the snapshot's has tables %s with %d rows"
                            % (sorted(tables), rows))
        actual_files.discard("data.db")
    if actual_files != expected_files:
        problems.append("files: expected %s, got %s" % (sorted(expected_files), sorted(actual_files)))

    def read(name, mode="r"):
        with open(os.path.join(snapshot, name), mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            return f.read()

    if "information.json" in expected_files & actual_files:
        with open(os.path.join(folder, "information.json"), "rb") as f:
            if f.read() != read("information.json", "rb"):
                problems.append("information.json: bytes differ from the seed's json.dumps(indent=4)")
    for name in ("persona.json", "stocks.json"):
        if name in expected_files & actual_files:
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                if strict(json.load(f)) != strict(json.loads(read(name))):
                    problems.append("%s: content differs from the input" % name)
    for name, obj in objects.items():
        path = "classes/%s.json" % name
        if path not in actual_files:
            continue
        expected = obj if isinstance(obj, dict) else item_of(obj)
        diff = same_item(expected, json.loads(read(path)))
        if diff:
            problems.append("%s: %s" % (path, diff))
    if "data.db" in expected_files & actual_files:
        a = query_all(os.path.join(folder, "data.db"))
        b = query_all(os.path.join(snapshot, "data.db"))
        for q, x, y in zip(QUERIES, a, b):
            if x != y:
                problems.append("data.db answers %r differently: %s vs %s" % (q, x[:3], y[:3]))
    if items_dir:
        by_key = {}
        for name, obj in objects.items():
            if isinstance(obj, dict):
                by_key[("persons", str(obj["person_id"]))] = obj
            elif name.startswith("PERSON_"):
                by_key[("persons", str(obj.person_id))] = item_of(obj)
            elif name.startswith("STOCK_"):
                by_key[("stocks", str(obj.stock_id))] = item_of(obj)
            elif name == "Market_index":
                by_key[("market_index", "")] = item_of(obj)
            elif name == "MARKET":
                by_key[("market", "")] = item_of(obj)
        seen = 0
        for collection in sorted(os.listdir(items_dir)):
            for file in sorted(os.listdir(os.path.join(items_dir, collection))):
                key = (collection, file[:-5])
                with open(os.path.join(items_dir, collection, file), encoding="utf-8") as f:
                    actual = json.load(f)
                if key not in by_key:
                    problems.append("item %s/%s: no such object in the folder" % key)
                    continue
                seen += 1
                diff = same_item(by_key[key], actual)
                if diff:
                    problems.append("item %s/%s: %s" % (key + (diff,)))
        if seen == 0:
            problems.append("no item read to check")
    for p in problems:
        print(p)
    print("%s: %s" % (snapshot, "OK" if not problems else "%d problems" % len(problems)))
    return 0 if not problems else 1


def load(folder, snapshot, client_dir, work):
    """The seed goes on from an imported run: simsnap.arena's ``load_all(args, folder=snapshot)`` gives back live
    objects of the seed's classes equal to the pickled ones, references re-linked, and data.db restored."""
    sys.path.insert(0, client_dir)
    from simsnap.arena import load_all  # the seed's one-line switch
    import argparse
    args = argparse.Namespace(SAVE_NAME="imported", Save_Path=work)
    date, iteration, broker, market_index, market, stocks, persons = load_all(args, folder=snapshot)
    problems = []
    with open(os.path.join(folder, "information.json"), encoding="utf-8") as f:
        info = json.load(f)
    if (date, iteration) != (info["virtual_date"], info["iteration"]):
        problems.append("clock %s vs %s" % ((date, iteration), info))
    loaded = [("PERSON_%d" % i, p) for i, p in enumerate(persons)] + \
        [("STOCK_%d" % i, s) for i, s in enumerate(stocks)] + [("Market_index", market_index), ("MARKET", market)]
    for name, obj in loaded:
        with open(os.path.join(folder, "classes", name + ".pkl"), "rb") as f:
            saved = pickle.load(f)
        if type(obj) is not type(saved):
            problems.append("%s: a %s, saved as a %s" % (name, type(obj), type(saved)))
        if list(vars(obj)) != list(vars(saved)):
            problems.append("%s: attributes %s vs %s" % (name, list(vars(obj)), list(vars(saved))))
        for k, v in vars(saved).items():
            if k not in REFERENCES and strict(v) != strict(getattr(obj, k, None)):
                problems.append("%s.%s: %s vs %s" % (name, k, strict(getattr(obj, k, None))[:100], strict(v)[:100]))
    if broker is not persons[-1] or broker.person_id != -1:
        problems.append("the broker is not the last person")
    if any(p.stocks is not stocks or p.db is None for p in persons) or persons[0].broker is not broker:
        problems.append("persons' references are not re-linked")
    if market.broker is not broker or market.persons is not persons or market_index.stocks is not stocks:
        problems.append("the market's or the index's references are not re-linked")
    a = query_all(os.path.join(folder, "data.db"))
    b = query_all(os.path.join(work, "data.db"))
    if a != b:
        problems.append("the restored data.db answers differently")
    for p in problems:
        print(p)
    print("load_all: %s" % ("OK" if not problems else "%d problems" % len(problems)))
    return 0 if not problems else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "check":
        sys.exit(check(*sys.argv[2:]))
    elif len(sys.argv) == 6 and sys.argv[1] == "load":
        sys.exit(load(*sys.argv[2:]))
    else:
        sys.exit(__doc__)
