"""Shared helpers: URLs from the environment, run ids."""

import os
import re
import urllib.parse


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
