"""The adapters against a real stack: gateway + snapshot service (+ broker + registry behind them).

Needs SIMSNAP_GATEWAY_URL and SIMSNAP_SERVICE_URL (the Java IT PythonAdaptersIT sets them). Without them the
tests are skipped, unless SIMSNAP_REQUIRE_STACK=1 (then they fail).
"""

import os
import random
import unittest
import uuid

import simsnap
from simsnap import PersonaStore, SimsnapError, SimsnapUnsupported, load_all, save_all

HAVE_STACK = bool(os.environ.get("SIMSNAP_GATEWAY_URL") and os.environ.get("SIMSNAP_SERVICE_URL"))
if not HAVE_STACK and os.environ.get("SIMSNAP_REQUIRE_STACK") == "1":
    raise RuntimeError("SIMSNAP_REQUIRE_STACK=1 but SIMSNAP_GATEWAY_URL / SIMSNAP_SERVICE_URL are not set")

PERSONA_FIELDS = ["person_id", "name", "occupation", "principle", "investment_duration", "daily_income_from_job",
                  "cash", "minimum_living_expense", "reflect_frequency"]
STOCK_FIELDS = ["stock_id", "stock_name", "DPS", "past_stock_last_prices", "quantity"]


def genotype(rng, i, gen):
    return {"name": "P%d-g%d" % (i, gen), "age": rng.randint(18, 80), "occupation": rng.choice(["Artist", "Dev"]),
            "backstory": "story %d" % rng.randint(0, 999), "core_values": ["creativity"][: rng.randint(0, 1)],
            "hobbies": ["h%d" % rng.randint(0, 9)], "personality_traits": {"openness": round(rng.random(), 3)},
            "communication_style": "plain", "topical_focus": "art", "interaction_policy": "kind",
            "goals": ["g%d" % k for k in range(rng.randint(0, 3))]}


class Genotype:
    """A pydantic-like object: model_dump() gives the dict."""

    def __init__(self, **kw):
        self.kw = kw

    def model_dump(self):
        return dict(self.kw)


@unittest.skipUnless(HAVE_STACK, "needs SIMSNAP_GATEWAY_URL and SIMSNAP_SERVICE_URL")
class PersonaStoreTest(unittest.TestCase):

    def test_three_generations_round_trip(self):
        store = PersonaStore("persona_data/py-gen-" + uuid.uuid4().hex[:8])
        rng = random.Random(7)
        saved = {}
        for gen in range(3):
            population = [genotype(rng, i, gen) for i in range(5 + gen)]
            saved[gen] = population
            items = [Genotype(**p) for p in population] if gen == 1 else population
            self.assertEqual(store.save_generation(gen, items)["status"], "committed")
        self.assertEqual(store.list_generations(), [0, 1, 2])
        for gen in range(3):
            self.assertEqual(store.load_generation(gen), saved[gen])
        self.assertEqual(store.load_generation(99), [])
        # a fresh store of the same run (another process) sees the same
        other = PersonaStore(store.run)
        self.assertEqual(other.list_generations(), [0, 1, 2])
        self.assertEqual(other.load_generation(2), saved[2])
        self.assertEqual(PersonaStore("never-saved-" + uuid.uuid4().hex[:8]).list_generations(), [])

    def test_invalid_member_is_refused_naming_the_field(self):
        store = PersonaStore("py-bad-" + uuid.uuid4().hex[:8])
        with self.assertRaises(SimsnapError) as ctx:
            store.save_generation(0, [{"name": "A", "age": "old"}])
        self.assertEqual(ctx.exception.status, 422)
        self.assertTrue(ctx.exception.field.startswith("members[0]"), ctx.exception.field)


def arena_step(rng, persons, stocks):
    for p in persons:
        p["cash"] = round(p["cash"] + rng.uniform(-5, 5), 2)
        p["wealth"] = round(p["cash"] * 1.5, 2)
    for s in stocks:
        last = s["past_stock_last_prices"][-1]
        s["past_stock_last_prices"] = s["past_stock_last_prices"] + [round(last * rng.uniform(0.95, 1.05), 3)]
        s["current_price"] = s["past_stock_last_prices"][-1]


def expected(persons, stocks, virtual_date, iteration):
    return ({"virtual_date": virtual_date, "iteration": iteration},
            [{k: p[k] for k in PERSONA_FIELDS} for p in sorted(persons, key=lambda p: p["person_id"])],
            [{k: s[k] for k in STOCK_FIELDS} for s in sorted(stocks, key=lambda s: s["stock_id"])])


@unittest.skipUnless(HAVE_STACK, "needs SIMSNAP_GATEWAY_URL and SIMSNAP_SERVICE_URL")
class ArenaTest(unittest.TestCase):

    def test_twenty_iterations_then_load_latest_and_iteration_ten(self):
        run = "py-arena-" + uuid.uuid4().hex[:8]
        rng = random.Random(42)
        persons = [{"person_id": i, "name": "P%d" % i, "occupation": "Teacher", "principle": "Buy low.",
                    "investment_duration": "long", "daily_income_from_job": "100", "cash": 1000.0 + i,
                    "minimum_living_expense": 20.0, "reflect_frequency": 3, "wealth": 0.0,
                    "inventories": {"0": 10}, "db": "not published"} for i in range(4)]
        stocks = [{"stock_id": j, "stock_name": "S%d" % j, "DPS": 0.5, "past_stock_last_prices": [10.0 + j],
                   "quantity": 1000, "current_price": 10.0 + j} for j in range(2)]
        snapshots = {}
        counts = []
        for it in range(1, 21):
            if it > 1:
                arena_step(rng, persons, stocks)
            virtual_date = (it - 1) // 5
            answer = save_all(virtual_date, it, stocks, persons, run=run, worker="py0")
            self.assertEqual(answer["status"], "committed")
            counts.append(answer["delta_count"])
            snapshots[it] = expected([dict(p) for p in persons], [dict(s) for s in stocks], virtual_date, it)
        # deltas, not the whole state: after the first save each iteration sends
        # at most information PATCH + 4 person PATCHes + 2 stock APPENDs + 2 stock PATCHes (current_price; a
        # price that rounds to the previous one sends no PATCH)
        self.assertEqual(counts[0], 1 + 4 + 2)
        self.assertTrue(all(1 + 4 + 2 <= c <= 1 + 4 + 2 + 2 for c in counts[1:]), counts)

        self.assertEqual(load_all(run), snapshots[20])
        # the state as of iteration 10, rebuilt by the service from history (time travel)
        self.assertEqual(load_all(run, iteration=10), snapshots[10])

        # retrying an iteration that is already committed is not applied twice
        again = save_all(9, 20, stocks, persons, run=run, worker="py0")
        self.assertEqual(again["status"], "already_committed")
        self.assertEqual(load_all(run), snapshots[20])


if __name__ == "__main__":
    unittest.main()
