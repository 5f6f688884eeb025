"""Pickles for PickleReaderTest, and what each holds, told independently of the reader under test.

    python3 pickles.py OUT

writes OUT/p<protocol>.pkl for protocols 0..5 (pickle.HIGHEST_PROTOCOL at most) of one graph of plain objects, and
OUT/expected.json: per file, the object as a tagged tree: {"obj": "module.qualname", "attrs": [[name, value]...]},
{"int": "decimal"}, {"float": "repr"}, {"str": s}, {"bytes": "hex"}, {"bool": b}, {"none": null}, {"list": [...]},
{"tuple": [...]}, {"dict": [[key, value]...]} (dict keys and attributes in their order), {"ref": "module.qualname"}
for an object met again (the reader keeps references as the same object); slots<protocol>.pkl hold an object whose
state is __slots__ (protocol 2 on; its slots read as attributes); reduced.pkl an object rebuilt from constructor arguments, which the
reader refuses.
"""

import json
import os
import pickle
import sys
import types


class Holder:
    def __init__(self):
        self.zeta = 1
        self.alpha = -(2 ** 40)
        self.big = 2 ** 70
        self.ratio = 0.1
        self.whole = 3.0
        self.name = "Zo\u00eb \u674e"
        self.raw = b"\x00\xff"
        self.flag = True
        self.nothing = None
        self.items = [1, 2.5, "x", [None]]
        self.pair = (7, "y")
        self.identity = {"person_id": 0, "cash": 40000, "minimum_living_expense": 50.5, "z": {"b": 1, "a": 2}}
        self.empty = {}
        self._bid_step = 0.01


class Child:
    def __init__(self, n):
        self.n = n


class Slotted:
    __slots__ = ("a",)

    def __init__(self):
        self.a = 1


class Reduced:
    def __reduce__(self):
        return (Reduced, (1, 2))


mod = types.ModuleType("seedmod")
for cls in (Holder, Child, Slotted, Reduced):
    cls.__module__ = "seedmod"
    setattr(mod, cls.__name__, cls)
sys.modules["seedmod"] = mod


def tag(v, seen):
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, int):
        return {"int": str(v)}
    if isinstance(v, float):
        return {"float": repr(v)}
    if isinstance(v, str):
        return {"str": v}
    if isinstance(v, bytes):
        return {"bytes": v.hex()}
    if v is None:
        return {"none": None}
    if isinstance(v, list):
        return {"list": [tag(x, seen) for x in v]}
    if isinstance(v, tuple):
        return {"tuple": [tag(x, seen) for x in v]}
    if isinstance(v, dict):
        return {"dict": [[k, tag(x, seen)] for k, x in v.items()]}
    name = "%s.%s" % (type(v).__module__, type(v).__qualname__)
    if id(v) in seen:
        return {"ref": name}
    seen.add(id(v))
    return {"obj": name, "attrs": [[k, tag(x, seen)] for k, x in vars(v).items()]}


def main(out):
    os.makedirs(out, exist_ok=True)
    h = Holder()
    shared = Child(5)
    h.children = [shared, Child(6), shared]
    expected = {}
    for protocol in range(0, pickle.HIGHEST_PROTOCOL + 1):
        name = "p%d.pkl" % protocol
        with open(os.path.join(out, name), "wb") as f:
            pickle.dump(h, f, protocol=protocol)
        expected[name] = tag(h, set())
        if protocol >= 2:  # protocols 0 and 1 cannot pickle __slots__
            with open(os.path.join(out, "slots%d.pkl" % protocol), "wb") as f:
                pickle.dump(Slotted(), f, protocol=protocol)
            expected["slots%d.pkl" % protocol] = {"obj": "seedmod.Slotted", "attrs": [["a", {"int": "1"}]]}
    with open(os.path.join(out, "reduced.pkl"), "wb") as f:
        pickle.dump(Reduced(), f, protocol=2)
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
