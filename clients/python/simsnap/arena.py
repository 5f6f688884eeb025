"""The trading arena's ``save_all`` / ``load_all`` on simsnap state models (kind ``trading-arena``, built-in).

Switch the seed with one line: ``from simsnap.arena import save_all, load_all`` instead of
``from load_json import save_all, load_all``. Call sites stay as they are::

    save_all(virtual_date, iter, stocks, market_index, persons, market, args)
    current_date, current_iteration, broker, market_index, market, stocks, persons = load_all(args)

What a save sends (one gateway step of worker ``w0``, clock ``{"virtual_date", "iteration"}``):

- ``persons`` (agents in list order, the broker last), ``stocks``, ``market_index`` and ``market``: each object's
  ``__dict__`` minus the references ``db``, ``stocks``, ``broker``, ``persons``, plus two adapter fields:
  ``__class__`` (``module.qualname`` of the object's class, to recreate it on load) and ``__attrs__`` (the names of
  all its attributes, references included, in order, so the restored ``__dict__`` has exactly the saved keys);
- ``information`` ``{"virtual_date", "iteration"}``; ``stock_inputs`` from ``<Save_Path>/stocks.json`` if present;
- the SQLite database ``<Save_Path>/data.db`` (``args.Save_Path``, else ``./save/<SAVE_NAME>``): table ``t`` as
  rows collection ``db_t``, row id = ``rowid``, values with their storage class.

Only what changed since the last save of this process is sent (upsert of a changed object, insert / update of the
changed columns / delete of rows); the first save after a restart in a new process compares with the run's latest
snapshot. Objects' attributes or types the built-in schemas lack are registered first as widened schema versions
(``schemas.from_values`` from the latest registered version); a version the registry refuses raises
:class:`SimsnapError` naming the field.
"""

import importlib
import json
import os
import sqlite3
import threading
import time

from . import _sqlite
from . import schemas as _schemas
from ._http import SimsnapError
from ._v2 import StateRun, folder_files, join_union, record_name, split_union, strict_json

KIND = "trading-arena"
WORKER = "w0"
REFERENCES = ("db", "stocks", "broker", "persons")
CLASS_FIELD = "__class__"
ATTRS_FIELD = "__attrs__"
OBJECT_COLLECTIONS = ("persons", "stocks", "market_index", "market")

_adapters = {}
_lock = threading.Lock()


def save_path(args):
    path = getattr(args, "Save_Path", None)
    return path if path else os.path.join(".", "save", str(args.SAVE_NAME))


def class_name(cls):
    return "%s.%s" % (cls.__module__, cls.__qualname__)


def find_class(name):
    """The class ``module.qualname`` names (the longest importable module prefix, then attributes)."""
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            continue
        return obj
    raise ImportError("cannot import class %s" % name)


def object_item(obj):
    """The item an object is saved as: ``__dict__`` minus references, plus ``__class__`` and ``__attrs__``."""
    attrs = vars(obj)
    item = {k: v for k, v in attrs.items() if k not in REFERENCES}
    item[CLASS_FIELD] = class_name(type(obj))
    item[ATTRS_FIELD] = list(attrs)
    return item


class ArenaAdapter:
    """One arena run seen from this process: the run, its schemas and what this process last sent."""

    def __init__(self, run, gateway=None, service=None):
        self.state = StateRun(run, KIND, WORKER, gateway, service)
        self.run = run
        self.sent = None  # {"items": {(collection, id): strict json}, "rows": {table: {rowid: row dict}}}
        self.writers = {}  # collection -> (schema id, schema) items are written with
        self.last_step = None  # the last step this process committed

    # ---- schemas --------------------------------------------------------------------------------------------
    def _writer(self, collection, items):
        """The schema id to write ``items`` with: the latest version, widened and registered when they need it."""
        sid, schema = self.writers.get(collection) or self.state.latest_schema(collection)
        branches = split_union(schema)
        widened = list(branches)
        for item in items:
            i = _branch(widened, item)
            widened[i] = _schemas.from_values(record_name(widened[i]), item, widened[i])
        if any(w is not b for w, b in zip(widened, branches)):
            schema = widened[0] if len(widened) == 1 and not isinstance(schema, list) else join_union(widened)
            sid = self.state.register(collection, schema)
        self.writers[collection] = (sid, schema)
        return sid

    def _table_writer(self, conn, table, ddl):
        collection = "db_" + table
        if collection not in self.writers:
            try:
                sid, schema = self.state.latest_schema(collection)
            except SimsnapError as e:
                raise SimsnapError("table %s of %s has no collection %s in the trading-arena model: %s"
                                   % (table, self.run, collection, e), status=e.status, field=table) from None
            wanted = _sqlite.table_schema(conn, table, ddl)
            if not _sqlite.same_table_schema(schema, wanted):
                sid, schema = self.state.register(collection, wanted), wanted
            self.writers[collection] = (sid, schema)
        return self.writers[collection][0]

    # ---- saving ---------------------------------------------------------------------------------------------
    def save(self, virtual_date, iteration, stocks, market_index, persons, market, args):
        self.state.start()
        if self.sent is None:
            self.sent = self._baseline(args) if self.state.start_status == "already_started" else _empty()
        clock = {"virtual_date": int(virtual_date), "iteration": int(iteration)}
        items = {
            "information": [("", dict(clock))],
            "persons": [(str(p.person_id), object_item(p)) for p in persons],
            "stocks": [(str(s.stock_id), object_item(s)) for s in stocks],
            "market_index": [("", object_item(market_index))] if market_index is not None else [],
            "market": [("", object_item(market))] if market is not None else [],
            "stock_inputs": _stock_inputs(args),
        }
        changes = []
        sent_items = dict(self.sent["items"])
        for collection, entries in items.items():
            changed = [(eid, item) for eid, item in entries
                       if self.sent["items"].get((collection, eid)) != strict_json(item)]
            if changed:
                sid = self._writer(collection, [item for _, item in changed])
                for eid, item in changed:
                    changes.append({"collection": collection, "op": "upsert", "item": item, "schema_id": sid})
                    sent_items[(collection, eid)] = strict_json(item)
            present = {eid for eid, _ in entries}
            for (c, eid) in list(self.sent["items"]):
                if c == collection and eid not in present and collection != "stock_inputs":
                    changes.append({"collection": collection, "op": "delete", "id": eid})
                    del sent_items[(c, eid)]
        sent_rows = self._row_changes(args, changes)
        answer = self.state.step(clock, changes)
        self.sent = {"items": sent_items, "rows": sent_rows}
        self.last_step = answer.get("step", self.last_step)
        return answer

    def _row_changes(self, args, changes):
        path = os.path.join(save_path(args), "data.db")
        out = {}
        if not os.path.exists(path):
            return dict(self.sent["rows"])
        conn = sqlite3.connect(path)
        try:
            for table, ddl in _sqlite.tables(conn):
                now = _sqlite.rows(conn, table)
                before = self.sent["rows"].get(table, {})
                collection = "db_" + table
                sid = None
                for rowid, row in now.items():
                    old = before.get(rowid)
                    if old is not None and strict_json(old) == strict_json(row):
                        continue
                    for column, value in row.items():
                        _sqlite.check_cell(table, column, rowid, value)
                    if sid is None:
                        sid = self._table_writer(conn, table, ddl)
                    if old is None or list(old) != list(row):
                        changes.append({"collection": collection, "op": "insert", "row_id": rowid, "row": row,
                                        "schema_id": sid})
                    else:
                        changed = {c: v for c, v in row.items() if strict_json(v) != strict_json(old[c])}
                        changes.append({"collection": collection, "op": "update", "row_id": rowid, "set": changed,
                                        "schema_id": sid})
                for rowid in before:
                    if rowid not in now:
                        changes.append({"collection": collection, "op": "delete", "row_id": rowid})
                out[table] = now
            for table, before in self.sent["rows"].items():
                if table not in out:  # a dropped table: its rows go
                    changes.extend({"collection": "db_" + table, "op": "delete", "row_id": r} for r in before)
        finally:
            conn.close()
        return out

    def _baseline(self, args):
        """What the service holds for the run (the first save of a process that did not load it)."""
        self.state.wait_caught_up()  # the run started: wait until the service knows it and caught up
        files = self.state.snapshot_files()
        return baseline_of(files)

    # ---- loading --------------------------------------------------------------------------------------------
    def load(self, args, folder=None, timeout=60.0):
        if folder is None:
            deadline = time.monotonic() + timeout
            while True:
                self.state.wait_caught_up(timeout, at_least=self.last_step)
                files = self.state.snapshot_files()
                if "information.json" in files:
                    break
                if time.monotonic() > deadline:  # started, but no step applied (yet)
                    raise SimsnapError("run %s has no saved state in the snapshot service" % self.run, status=404)
                time.sleep(0.2)
        else:
            files = folder_files(folder)
        result = restore(files, args)
        if folder is None:
            self.sent = baseline_of(files)
        return result


def _empty():
    return {"items": {}, "rows": {}}


def _branch(branches, item):
    """The union branch an object's item belongs to: the record named like its class, else the best fit."""
    cls = item.get(CLASS_FIELD, "").rpartition(".")[2]
    for i, b in enumerate(branches):
        if record_name(b) == cls:
            return i
    keys = set(item)
    return max(range(len(branches)), key=lambda i: (
        len(keys & {f["name"] for f in branches[i]["fields"]}) - len({f["name"] for f in branches[i]["fields"]}
                                                                       - keys), -i))


def _stock_inputs(args):
    path = os.path.join(save_path(args), "stocks.json")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        entries = json.load(f)
    return [(str(e.get("stock_id", i)), {"stock_id": e.get("stock_id", i), "entry": e})
            for i, e in enumerate(entries)]


def _numbered(files, pattern):
    """The files ``classes/<prefix><n>.json`` in numeric order, parsed."""
    prefix = "classes/" + pattern
    found = []
    for name in files:
        if name.startswith(prefix) and name.endswith(".json") and name[len(prefix):-5].isdigit():
            found.append((int(name[len(prefix):-5]), name))
    return [json.loads(files[n].decode("utf-8")) for _, n in sorted(found)]


def baseline_of(files):
    """The adapter's last-sent state equal to a snapshot's content (items as rendered, rows of data.db)."""
    sent = _empty()
    if "information.json" in files:
        sent["items"][("information", "")] = strict_json(json.loads(files["information.json"].decode("utf-8")))
    for collection, name, key in (("persons", "PERSON_", "person_id"), ("stocks", "STOCK_", "stock_id")):
        for item in _numbered(files, name):
            sent["items"][(collection, str(item[key]))] = strict_json(_as_sent(item))
    for collection, name in (("market_index", "classes/Market_index.json"), ("market", "classes/MARKET.json")):
        if name in files:
            sent["items"][(collection, "")] = strict_json(_as_sent(json.loads(files[name].decode("utf-8"))))
    if "stocks.json" in files:
        for i, e in enumerate(json.loads(files["stocks.json"].decode("utf-8"))):
            sid = e.get("stock_id", i)
            sent["items"][("stock_inputs", str(sid))] = strict_json({"stock_id": sid, "entry": e})
    if "data.db" in files:
        sent["rows"] = _db_rows(files["data.db"])
    return sent


def _as_sent(item):
    """A rendered item as this adapter sent it: fields other versions of the schema added (absent from the
    object's ``__attrs__``) removed, keys in the object's attribute order then the adapter fields."""
    attrs = item.get(ATTRS_FIELD)
    if attrs is None:
        return item
    out = {k: item[k] for k in attrs if k in item and k not in REFERENCES}
    out[CLASS_FIELD] = item.get(CLASS_FIELD)
    out[ATTRS_FIELD] = attrs
    return out


def _db_rows(data):
    import tempfile
    fd, tmp = tempfile.mkstemp(suffix=".db")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        conn = sqlite3.connect(tmp)
        try:
            return {t: _sqlite.rows(conn, t) for t, _ in _sqlite.tables(conn)}
        finally:
            conn.close()
    finally:
        os.unlink(tmp)


def revive(item):
    """A live object of the class that saved ``item``: ``cls.__new__(cls)`` and its saved attributes (references
    are set to None here and re-linked by the caller)."""
    cls = find_class(item[CLASS_FIELD])
    obj = cls.__new__(cls)
    attrs = item.get(ATTRS_FIELD) or [k for k in item if k not in (CLASS_FIELD, ATTRS_FIELD)]
    obj.__dict__.update((k, None if k in REFERENCES else item.get(k)) for k in attrs)
    return obj


def restore(files, args):
    """The seven values of ``load_all`` from a snapshot's files; writes its data.db to the seed's path."""
    info = json.loads(files["information.json"].decode("utf-8"))
    persons = [revive(i) for i in _numbered(files, "PERSON_")]
    stocks = [revive(i) for i in _numbered(files, "STOCK_")]
    market_index = revive(json.loads(files["classes/Market_index.json"].decode("utf-8"))) \
        if "classes/Market_index.json" in files else None
    market = revive(json.loads(files["classes/MARKET.json"].decode("utf-8"))) \
        if "classes/MARKET.json" in files else None
    broker = next((p for p in persons if getattr(p, "person_id", None) == -1), persons[-1] if persons else None)
    folder = save_path(args)
    os.makedirs(folder, exist_ok=True)
    db_path = os.path.join(folder, "data.db")
    for suffix in ("-journal", "-wal", "-shm"):
        if os.path.exists(db_path + suffix):
            os.remove(db_path + suffix)
    tmp = db_path + ".simsnap-tmp"
    with open(tmp, "wb") as f:
        f.write(files.get("data.db", b""))
    os.replace(tmp, db_path)
    db = sqlite3.connect(db_path)
    links = {"db": db, "stocks": stocks, "broker": broker, "persons": persons}
    for obj in persons + stocks + [market_index, market]:
        if obj is None:
            continue
        for name in REFERENCES:
            if name in obj.__dict__:
                obj.__dict__[name] = links[name]
    return info["virtual_date"], info["iteration"], broker, market_index, market, stocks, persons


def adapter(run, gateway=None, service=None):
    """The process-wide adapter of ``run`` (created on first use)."""
    key = (run, gateway, service)
    with _lock:
        a = _adapters.get(key)
        if a is None:
            a = _adapters[key] = ArenaAdapter(run, gateway, service)
        return a


def save_all(virtual_date, iteration, stocks, market_index, persons, market, args):
    """The seed's ``save_all``: one simsnap step of run ``args.SAVE_NAME``; returns the gateway's answer."""
    return adapter(str(args.SAVE_NAME)).save(virtual_date, iteration, stocks, market_index, persons, market, args)


def load_all(args, folder=None):
    """The seed's ``load_all``: ``current_date, current_iteration, broker, market_index, market, stocks,
    persons`` of run ``args.SAVE_NAME`` from the snapshot service's latest consistent snapshot (its zip), or from
    the snapshot folder ``folder`` (offline). Restores ``<Save_Path>/data.db``; ``db`` attributes are a sqlite3
    connection to it."""
    return adapter(str(args.SAVE_NAME)).load(args, folder)
