"""The v2 (state model) gateway and snapshot service calls both adapters use (PROTOCOL.md section 6.1)."""

import copy
import io
import json
import os
import time
import zipfile

from . import schemas as _schemas
from ._common import gateway_url, quote, service_url
from ._http import SimsnapError, get_bytes, get_json, post_json


class StateRun:
    """One worker of one state-model run started with the kind's built-in descriptor.

    Every write goes to the gateway (answered after its Kafka transaction committed); reads come from the snapshot
    service as the run's snapshot zip (works from another machine).
    """

    def __init__(self, run, kind, worker="w0", gateway=None, service=None):
        self.run = run
        self.kind = kind
        self.worker = worker
        self.gateway = gateway_url(gateway)
        self.service = service_url(service)
        self.start_status = None
        self._latest = {}  # collection -> (schema id, schema dict)

    def _gw(self, path):
        return "%s/runs/%s%s" % (self.gateway, quote(self.run), path)

    def _svc(self, path):
        return "%s/runs/%s%s" % (self.service, quote(self.run), path)

    # ---- writes -------------------------------------------------------------------------------------------
    def start(self):
        """Starts the run (built-in model, this worker only); idempotent. Returns "started" / "already_started"."""
        if self.start_status is None:
            answer = post_json(self._gw("/start"), {"kind": self.kind, "model": "built-in",
                                                    "expected_workers": [self.worker], "worker": self.worker})
            self.start_status = answer.get("status")
        return self.start_status

    def latest_schema(self, collection, refresh=False):
        """``(id, schema)`` of the collection's latest registered version."""
        if refresh or collection not in self._latest:
            answer = get_json(self._gw("/schemas/%s" % quote(collection)))
            self._latest[collection] = (answer["id"], answer["schema"])
        return self._latest[collection]

    def register(self, collection, schema):
        """Registers ``schema`` as a version of the collection's subject; returns its id. A schema the subject's
        compatibility level refuses raises :class:`SimsnapError` (HTTP 409) whose ``field`` names the field."""
        try:
            answer = post_json(self._gw("/schemas/%s" % quote(collection)), {"schema": schema})
        except SimsnapError as e:
            raise SimsnapError("collection %s: schema refused (field %s): %s" % (collection, e.field, e),
                               status=e.status, field=e.field, body=e.body) from None
        self._latest[collection] = (answer["id"], copy.deepcopy(schema))
        return answer["id"]

    def step(self, clock, changes):
        return post_json(self._gw("/workers/%s/steps" % quote(self.worker)), {"clock": clock, "changes": changes})

    def save_generation(self, collection, generation, members, schema_id=None):
        body = {"members": members}
        if schema_id is not None:
            body["schema_id"] = schema_id
        return post_json(self._gw("/workers/%s/generations/%s/%d" % (quote(self.worker), quote(collection),
                                                                      int(generation))), body)

    # ---- reads --------------------------------------------------------------------------------------------
    def committed_step(self):
        """This worker's last committed step as Kafka holds it (the gateway reads it back; -1 when none). A process
        that did not write the run itself asks this, because the service's view may still lag behind."""
        return int(get_json(self._gw("/workers/%s" % quote(self.worker))).get("last_step", -1))

    def detail(self):
        """``GET /runs/{run}`` of the service; None while the service does not know the run."""
        try:
            return get_json(self._svc(""))
        except SimsnapError as e:
            if e.status in (404, 503):
                return None
            raise

    def wait_caught_up(self, timeout=60.0, at_least=None, known=True):
        """Waits until the service knows the run (``known``) and its consistent step reaches every worker's last
        committed step and ``at_least`` (when not given: this worker's last step read back from Kafka); returns the run detail (None for a run the service does not
        know when ``known`` is false)."""
        deadline = time.monotonic() + timeout
        last = None
        if at_least is None:
            at_least = self.committed_step()
            if at_least < 0:
                at_least = None
        while True:
            last = self.detail()
            if last is not None:
                committed = [w.get("last_committed_iteration", -1) for w in last.get("workers", [])]
                target = max(committed + [-1] + ([at_least] if at_least is not None else []))
                if last.get("consistent_iteration", -1) >= target:
                    return last
            elif not known and at_least is None:
                return None
            if time.monotonic() > deadline:
                if last is None:
                    raise SimsnapError("run %s: the snapshot service does not know it (waited %ss)"
                                       % (self.run, timeout), status=404)
                raise SimsnapError("run %s: the service did not catch up within %ss (last: %s)"
                                   % (self.run, timeout, last))
            time.sleep(0.1)

    def snapshot_files(self):
        """The latest consistent snapshot as ``{relative path: bytes}`` (from the zip); {} for an unknown run."""
        try:
            raw = get_bytes(self._svc("/snapshot"))
        except SimsnapError as e:
            if e.status == 404:
                return {}
            raise
        prefix = self.run + "/"
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            return {n[len(prefix):]: z.read(n) for n in z.namelist() if n.startswith(prefix) and not n.endswith("/")}


def folder_files(folder):
    """A snapshot folder on disk as ``{relative path: bytes}``."""
    out = {}
    for root, _, names in os.walk(folder):
        for name in names:
            full = os.path.join(root, name)
            with open(full, "rb") as f:
                out[os.path.relpath(full, folder).replace(os.sep, "/")] = f.read()
    return out


def strict_json(value):
    """A comparison key that tells ints, floats and bools apart (``1 != 1.0 != True``) and keeps key order."""
    return json.dumps(value, ensure_ascii=False, allow_nan=True)


def split_union(schema):
    """The branches of a union schema (or ``[schema]``), each a standalone record schema (named types that another
    branch defined are defined again inside it)."""
    defs = {}
    tree = _schemas._explode(copy.deepcopy(schema), None, defs)
    trees = tree if isinstance(tree, list) else [tree]
    return [_schemas._implode(t, defs, set()) for t in trees]


def join_union(branches):
    """The union of standalone record schemas (a named type defined in several identically is defined once)."""
    defs = {}
    trees = []
    for b in branches:
        own = {}
        trees.append(_schemas._explode(copy.deepcopy(b), None, own))
        for name, d in own.items():
            if name in defs and defs[name] != d:
                raise ValueError("union branches define %s differently" % name)
            defs[name] = d
    return _schemas._implode(trees, defs, set())


def record_name(schema):
    """The short name of a record schema."""
    return schema["name"].rpartition(".")[2]
