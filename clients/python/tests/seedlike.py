"""Stand-ins for the seeds' own classes, shaped exactly as their real code has them
(/work/shared/notes/seed-reality.md is the source: attribute names, types, references)."""


class Person:
    """A trading agent: ``identity`` is the whole persona.json entry; name/occupation live only inside it."""

    def __init__(self, person_id, identity, stocks, broker, db):
        self.person_id = person_id
        self.identity = identity
        self.income = identity["daily_income_from_job"]  # a str, e.g. "500"
        self.cash = identity["cash"]  # int from JSON, float after trading
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
    """The market maker: a Person subclass with person_id -1 and no persona fields."""

    def __init__(self, stocks, db):  # noqa: the seed does not call Person.__init__ either
        self.person_id = -1
        self.cash = 1000000
        self.asset = 0
        self.wealth = 1000000
        self.total_expense = 0
        self.inventories = [s.quantity for s in stocks]  # list[int] indexed by stock id
        self.dividends = [0.0 for _ in stocks]  # list[float] indexed by stock id
        self.stocks = stocks
        self.db = db


class Stock:
    def __init__(self, entry):
        self.stock_id = entry["stock_id"]
        self.stock_name = entry["stock_name"]
        self.quantity = entry["quantity"]
        self.current_price = float(entry["past_stock_last_prices"][-1])
        self.book_value = float(entry["book_value"])
        self.DPS = entry.get("DPS", 0)  # int
        self.Name = "STOCK_%d" % entry["stock_id"]
        self.intraday_price_list = []  # reset each day; no past_stock_last_prices attribute


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
