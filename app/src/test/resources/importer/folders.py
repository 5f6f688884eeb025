"""Small trading-arena save folders for the importer's refusal tests, written as the seed writes them.

    python3 folders.py OUT

OUT/good is a whole folder (an agent and the broker, one stock, the index, the market, information.json,
persona.json, stocks.json, data.db); every other folder is good with one thing the import must refuse, named by the
folder: extra_attr (an agent attribute the schema lacks), int_for_float (an int where the Stock schema keeps a
float), persona_mismatch (persona.json differs from the pickled identity), persona_extra (a persona.json entry
without a pickled agent), gap (PERSON_0 and PERSON_2 only), unknown_table (a table the kind has no collection for),
malformed (persona.json with a syntax error on line 3), stray (a file the seed never writes in classes/); early has
a clock before good's.
"""

import json
import os
import pickle
import shutil
import sqlite3
import sys
import types


class Person:
    def __init__(self, identity):
        self.person_id = identity["person_id"]
        self.identity = identity
        self.income = identity["daily_income_from_job"]
        self.cash = identity["cash"]
        self.asset = 0
        self.wealth = identity["cash"]
        self.principle = identity["principle"]
        self.minimum_living_expense = identity["minimum_living_expense"]
        self.daily_expense = 0
        self.reflect_frequency = 3
        self.stocks = None
        self.broker = None
        self.db = None


class Broker(Person):
    def __init__(self):
        self.person_id = -1
        self.cash = 1000000
        self.asset = 0
        self.wealth = 1000000
        self.total_expense = 0
        self.inventories = [100]
        self.dividends = [0.0]
        self.stocks = None
        self.db = None


class Stock:
    def __init__(self):
        self.stock_id = 0
        self.stock_name = "A"
        self.quantity = 100
        self.current_price = 439.4
        self.book_value = 120.0
        self.DPS = 2
        self.Name = "STOCK_0"
        self.intraday_price_list = [439.4]
        self.db = None


class Market_index:
    def __init__(self):
        self.Name = "Market_index"
        self.stock_id = -1
        self.stock_proportion = [1.0]
        self.first_day = True
        self.stocks = None
        self.db = None


class Market:
    def __init__(self):
        self._bid_step = 0.01
        self.today_index = None
        self.broker = None
        self.stocks = None
        self.persons = None
        self.db = None


for module, classes in (("Person", (Person, Broker)), ("Stock", (Stock, Market_index)), ("Market", (Market,))):
    mod = types.ModuleType(module)
    for cls in classes:
        cls.__module__ = module
        setattr(mod, cls.__name__, cls)
    sys.modules[module] = mod

PERSONA = [{"person_id": 0, "name": "Ana", "occupation": "teacher", "principle": "value first",
            "investment_duration": 30, "daily_income_from_job": "500", "cash": 40000, "minimum_living_expense": 100}]
STOCKS = [{"stock_id": 0, "stock_name": "A", "quantity": 100, "book_value": 120, "past_stock_last_prices": [439.4]}]


def folder(out, name, persons=None, stock=None, persona=PERSONA, info=(1, 2), tables=("gossip",), classes=None):
    d = os.path.join(out, name)
    os.makedirs(os.path.join(d, "classes"))
    with open(os.path.join(d, "information.json"), "w") as f:
        f.write(json.dumps({"virtual_date": info[0], "iteration": info[1]}, indent=4))
    with open(os.path.join(d, "persona.json"), "w") as f:
        f.write(json.dumps(persona, indent=4))
    with open(os.path.join(d, "stocks.json"), "w") as f:
        f.write(json.dumps(STOCKS, indent=4))
    persons = persons if persons is not None else {0: Person(dict(PERSONA[0])), 1: Broker()}
    objects = {"PERSON_%d" % i: p for i, p in persons.items()}
    objects.update({"STOCK_0": stock or Stock(), "Market_index": Market_index(), "MARKET": Market()})
    for n, obj in objects.items():
        with open(os.path.join(d, "classes", n + ".pkl"), "wb") as f:
            pickle.dump(obj, f, protocol=4)
    db = sqlite3.connect(os.path.join(d, "data.db"))
    for t in tables:
        db.execute("CREATE TABLE %s (person_id INTEGER, virtual_date INTEGER, gossip TEXT)" % t)
        db.execute("INSERT INTO %s VALUES (0, 1, 'hello')" % t)
    db.commit()
    db.close()
    return d


def main(out):
    folder(out, "good")
    p = Person(dict(PERSONA[0]))
    p.mood = "happy"
    folder(out, "extra_attr", persons={0: p, 1: Broker()})
    s = Stock()
    s.current_price = 439
    folder(out, "int_for_float", stock=s)
    folder(out, "persona_mismatch", persona=[dict(PERSONA[0], cash=40000.0)])
    folder(out, "persona_extra", persona=PERSONA + [dict(PERSONA[0], person_id=7)])
    folder(out, "gap", persons={0: Person(dict(PERSONA[0])), 2: Broker()})
    folder(out, "unknown_table", tables=("gossip", "trades"))
    d = folder(out, "malformed")
    with open(os.path.join(d, "persona.json"), "w") as f:
        f.write('[\n  {"person_id": 0,\n   "name": }\n]')
    d = folder(out, "stray")
    with open(os.path.join(d, "classes", "NOTES.txt"), "w") as f:
        f.write("x")
    folder(out, "early", info=(0, 5))


if __name__ == "__main__":
    main(sys.argv[1])
