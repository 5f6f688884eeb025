"""save_all / load_all of the trading arena, backed by simsnap.

``save_all`` publishes only what changed since the previous ``save_all`` of the same (run, worker) in this process
(the first one publishes everything): one transaction per call, iteration = the ``iteration`` argument, which must
grow from call to call for a worker. ``load_all`` returns the seed's JSON structures from the snapshot service:
``(information, persona, stocks)`` = ``information.json`` dict, ``persona.json`` list, ``stocks.json`` list.
"""

import io
import json
import threading
import zipfile

from ._common import gateway_url, quote, service_url, to_dict, wait_for_iteration
from ._http import SimsnapError, get_bytes, post_json

# Fields of the Avro contracts (schemas/src/main/avro/StateDelta.avsc); other attributes are not published.
PERSON_FIELDS = ("person_id", "name", "occupation", "principle", "investment_duration", "daily_income_from_job",
                 "cash", "minimum_living_expense", "reflect_frequency", "income", "asset", "wealth", "identity",
                 "inventories", "dividends")
STOCK_FIELDS = ("stock_id", "stock_name", "DPS", "past_stock_last_prices", "quantity", "current_price",
                "book_value", "intraday_price_list")
MARKET_FIELDS = ("bid_step", "today_index")
MARKET_INDEX_FIELDS = ("Name", "stock_id", "stock_proportion", "current_value", "past_values")
_APPENDABLE = {"past_stock_last_prices", "intraday_price_list", "past_values"}

_sessions = {}
_lock = threading.Lock()


class ArenaSession:
    """One worker of one arena run: remembers what it last saved, to publish deltas only."""

    def __init__(self, run, worker="w0", gateway_url=None, service_url=None, expected_workers=None,
                 kind="trading-arena", config=None, seed=0):
        self.run = run
        self.worker = worker
        self.gateway = _gw(gateway_url)
        self.service = _svc(service_url)
        self.expected_workers = list(expected_workers or [worker])
        self.kind = kind
        self.config = dict(config or {})
        self.seed = int(seed)
        self.last = None  # {(type, id): payload dict} of the last save
        self.last_iteration = None

    def start(self):
        return post_json("%s/runs/%s/start" % (self.gateway, quote(self.run)),
                         {"kind": self.kind, "expected_workers": self.expected_workers, "config": self.config,
                          "seed": self.seed, "worker": self.worker})

    def save(self, virtual_date, iteration, stocks, persons, market_index=None, market=None):
        if self.last is None:
            self.start()
        state = _state(virtual_date, iteration, stocks, persons, market_index, market)
        deltas = _diff(self.last or {}, state)
        answer = post_json("%s/runs/%s/workers/%s/iterations/%d"
                           % (self.gateway, quote(self.run), quote(self.worker), int(iteration)),
                           {"virtual_date": int(virtual_date), "deltas": deltas})
        if answer.get("status") == "committed":
            self.last = state
            self.last_iteration = int(iteration)
        return answer

    def end(self, status="COMPLETED"):
        return post_json("%s/runs/%s/end" % (self.gateway, quote(self.run)),
                         {"worker": self.worker, "status": status})


def _pick(obj, fields):
    d = to_dict(obj)
    return {k: _plain(d[k]) for k in fields if k in d and d[k] is not None}


def _plain(v):
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _state(virtual_date, iteration, stocks, persons, market_index, market):
    state = {("INFORMATION", "information"): {"virtual_date": int(virtual_date), "iteration": int(iteration)}}
    for p in persons or []:
        d = _pick(p, PERSON_FIELDS)
        state[("PERSON", str(d["person_id"]))] = d
    for s in stocks or []:
        d = _pick(s, STOCK_FIELDS)
        state[("STOCK", str(d["stock_id"]))] = d
    if market is not None:
        state[("MARKET", "market")] = _pick(market, MARKET_FIELDS)
    indexes = market_index if isinstance(market_index, (list, tuple)) else (
        [] if market_index is None else [market_index])
    for i, m in enumerate(indexes):
        d = _pick(m, MARKET_INDEX_FIELDS)
        state[("MARKET_INDEX", str(d.get("stock_id", i)))] = d
    return state


def _diff(old, new):
    """Deltas turning ``old`` into ``new``: UPSERT new entities, PATCH/APPEND changed fields, DELETE removed ones."""
    deltas = []
    for key, payload in new.items():
        etype, eid = key
        before = old.get(key)
        if before is None:
            deltas.append({"entity_type": etype, "entity_id": eid, "op": "UPSERT", "payload": payload})
            continue
        patch = {}
        for field, value in payload.items():
            prev = before.get(field)
            if prev == value:
                continue
            if (field in _APPENDABLE and isinstance(prev, list) and isinstance(value, list)
                    and len(value) > len(prev) and value[:len(prev)] == prev):
                deltas.append({"entity_type": etype, "entity_id": eid, "op": "APPEND",
                               "payload": {"field": field, "numbers": value[len(prev):]}})
            else:
                patch[field] = value
        for field in before:
            if field not in payload:
                patch[field] = None  # a field set to None / dropped
        if patch:
            idf = {"PERSON": "person_id", "STOCK": "stock_id"}.get(etype)
            body = dict(patch)
            if idf:
                body[idf] = payload[idf]
            deltas.append({"entity_type": etype, "entity_id": eid, "op": "PATCH", "patch_fields": sorted(patch),
                           "payload": body})
    for key in old:
        if key not in new:
            deltas.append({"entity_type": key[0], "entity_id": key[1], "op": "DELETE"})
    return deltas


def session(run, worker="w0", gateway_url=None, service_url=None, **kwargs):
    """The process-wide session of (gateway, run, worker), created on first use."""
    key = (_gw(gateway_url), run, worker)
    with _lock:
        s = _sessions.get(key)
        if s is None:
            s = ArenaSession(run, worker, gateway_url, service_url, **kwargs)
            _sessions[key] = s
        return s


def save_all(virtual_date, iteration, stocks, persons, market_index=None, market=None, args=None, *, run,
             worker="w0", gateway_url=None, service_url=None, expected_workers=None):
    """The seed's ``save_all(virtual_date, iteration, stocks, market_index, persons, market, args)`` as one
    simsnap iteration of ``worker``; ``args`` is accepted for call-site compatibility and ignored. Returns the
    gateway's answer (``{"status": "committed", "iteration", "delta_count", ...}``)."""
    s = session(run, worker, gateway_url, service_url, expected_workers=expected_workers)
    return s.save(virtual_date, iteration, stocks, persons, market_index, market)


def load_all(run, iteration=None, service_url=None, wait_for=None, timeout=60.0):
    """``(information, persona, stocks)`` of ``run`` from the snapshot service.

    ``iteration=None`` is the latest consistent state. ``wait_for`` waits until the run's consistent iteration
    reaches it first (default: the last iteration this process saved for the run, so save-then-load reads its
    own writes). ``iteration=N`` asks the service for the state as of iteration N; a service without time
    travel answers that it is not supported (raised as :class:`SimsnapUnsupported`).
    """
    svc = _svc(service_url)
    if wait_for is None:
        saved = [s.last_iteration for (g, r, w), s in list(_sessions.items())
                 if r == run and s.last_iteration is not None]
        wait_for = max(saved) if saved else None
        if iteration is not None and wait_for is not None:
            wait_for = min(wait_for, int(iteration))
    if wait_for is not None:
        wait_for_iteration(svc, run, wait_for, timeout)
    url = "%s/runs/%s/snapshot" % (svc, quote(run))
    if iteration is not None:
        url += "?iteration=%d" % int(iteration)
    with zipfile.ZipFile(io.BytesIO(get_bytes(url))) as z:
        names = set(z.namelist())

        def read(name, default):
            path = "%s/save/%s" % (run, name)
            return json.loads(z.read(path).decode("utf-8")) if path in names else default

        return read("information.json", {}), read("persona.json", []), read("stocks.json", [])


def _gw(url):
    return gateway_url(url)


def _svc(url):
    return service_url(url)
