"""Offline tests of the delta computation (no stack needed)."""

import unittest

from simsnap.arena import _diff, _state


class Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)
        self._db = object()  # private attributes are not published


class DiffTest(unittest.TestCase):

    def test_first_save_upserts_then_only_changes_are_sent(self):
        p = Obj(person_id=1, name="Ann", cash=10, db="handle")
        s = {"stock_id": 0, "stock_name": "A", "DPS": 0.1, "past_stock_last_prices": [1.0], "quantity": 5}
        first = _state(1, 1, [s], [p], None, None)
        d1 = _diff({}, first)
        self.assertEqual(sorted(d["op"] for d in d1), ["UPSERT", "UPSERT", "UPSERT"])
        person = [d for d in d1 if d["entity_type"] == "PERSON"][0]["payload"]
        self.assertNotIn("db", person)
        p.cash = 12
        s = dict(s, past_stock_last_prices=[1.0, 2.0])
        d2 = _diff(first, _state(1, 2, [s], [p], None, None))
        ops = {(d["entity_type"], d["op"]) for d in d2}
        self.assertEqual(ops, {("INFORMATION", "PATCH"), ("PERSON", "PATCH"), ("STOCK", "APPEND")})
        patch = [d for d in d2 if d["entity_type"] == "PERSON"][0]
        self.assertEqual(patch["patch_fields"], ["cash"])
        self.assertEqual(patch["payload"], {"cash": 12, "person_id": 1})
        append = [d for d in d2 if d["entity_type"] == "STOCK"][0]
        self.assertEqual(append["payload"], {"field": "past_stock_last_prices", "numbers": [2.0]})

    def test_removed_entities_are_deleted(self):
        old = _state(1, 1, [], [{"person_id": 1, "name": "A"}, {"person_id": 2, "name": "B"}], None, None)
        new = _state(1, 2, [], [{"person_id": 1, "name": "A"}], None, None)
        self.assertIn({"entity_type": "PERSON", "entity_id": "2", "op": "DELETE"}, _diff(old, new))


if __name__ == "__main__":
    unittest.main()
