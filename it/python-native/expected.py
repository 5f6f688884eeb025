#!/usr/bin/python3
"""Test oracle: the epidemic-grid snapshot files for a state, written with Python's json module exactly as the kind's
layout (examples/kinds/epidemic-grid/kind.json) describes them. Shares no code with simsnap.

Usage: expected.py STATE.json OUT_DIR   (STATE = {"params": {"": item}, "cells": {"x/y": item}, "events": {rowid: item}})
"""
import json
import os
import sys


def dump(obj):
    return json.dumps(obj, indent=2)  # format "python", indent 2, ensure_ascii (the default), no trailing newline


def write(out, rel, text):
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="ascii", newline="") as f:
        f.write(text)


def main(state_path, out):
    with open(state_path, encoding="utf-8") as f:
        state = json.load(f)
    params = state.get("params", {})
    if "" in params:
        write(out, "params.json", dump(params[""]))
    # keyed collections are in key order, numeric key parts compared as numbers
    cells = sorted(state.get("cells", {}).items(), key=lambda kv: [int(p) for p in kv[0].split("/")])
    write(out, "cells.json", dump(dict(cells)))
    for _, cell in cells:
        write(out, "cells/%d_%d.json" % (cell["x"], cell["y"]), dump(cell))
    events = sorted(state.get("events", {}).items(), key=lambda kv: int(kv[0]))
    write(out, "events.json", dump([row for _, row in events]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
