"""Shared helpers: URLs from the environment, run ids, plain-dict conversion."""

import os
import re
import time
import urllib.parse

from ._http import SimsnapError, get_json

_ID_BAD = re.compile(r"[^A-Za-z0-9._-]")


def gateway_url(url=None):
    url = url or os.environ.get("SIMSNAP_GATEWAY_URL") or "http://127.0.0.1:8082"
    return url.rstrip("/")


def service_url(url=None):
    url = url or os.environ.get("SIMSNAP_SERVICE_URL") or "http://127.0.0.1:8080"
    return url.rstrip("/")


def run_id(storage_dir_or_run):
    """A valid run id from a run id or a storage folder (its last path component, invalid characters -> '-')."""
    text = str(storage_dir_or_run).rstrip("/\\")
    name = os.path.basename(text) or text
    name = _ID_BAD.sub("-", name)[:128].lstrip(".")
    if not name:
        raise ValueError("cannot derive a run id from %r" % (storage_dir_or_run,))
    return name


def quote(part):
    return urllib.parse.quote(str(part), safe="")


def to_dict(obj):
    """A plain dict of ``obj``: a dict as is, else ``model_dump()`` (pydantic), else public ``__dict__`` items."""
    if isinstance(obj, dict):
        return dict(obj)
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        return dump()
    if hasattr(obj, "__dict__"):
        return {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    raise TypeError("cannot convert %r to a dict (use a dict, a pydantic model or a plain object)" % (obj,))


def wait_for_iteration(service, run, iteration, timeout=60.0):
    """Polls ``GET /runs/{run}`` until its consistent iteration reaches ``iteration``; returns the run detail."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = get_json("%s/runs/%s" % (service, quote(run)))
            if last.get("consistent_iteration", -1) >= iteration:
                return last
        except SimsnapError as e:
            if e.status not in (404, 503):
                raise
        if time.monotonic() > deadline:
            raise SimsnapError("run %s did not reach iteration %s within %ss (last: %s)"
                               % (run, iteration, timeout, last))
        time.sleep(0.2)
