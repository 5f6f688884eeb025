"""Tiny stdlib HTTP helpers (urllib) with retries of idempotent requests."""

import json
import os
import time
import urllib.error
import urllib.request


class SimsnapError(Exception):
    """A request the gateway or the snapshot service refused (or could not answer)."""

    def __init__(self, message, status=None, field=None, body=None):
        super().__init__(message)
        self.status = status
        self.field = field
        self.body = body


class SimsnapUnsupported(SimsnapError, NotImplementedError):
    """The service does not support this request yet (e.g. ``?iteration=`` before time travel)."""


def _error(e):
    raw = e.read() if hasattr(e, "read") else b""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        body = {"error": raw.decode("utf-8", "replace")}
    message = body.get("error", str(e)) if isinstance(body, dict) else str(body)
    field = body.get("field") if isinstance(body, dict) else None
    cls = SimsnapUnsupported if "not supported" in str(message) else SimsnapError
    return cls("HTTP %s: %s" % (e.code, message), status=e.code, field=field, body=body)


def request(method, url, body=None, timeout=60.0, retries=4):
    """Sends ``body`` (JSON-encoded when not None); returns (status, bytes). Retries 503 and connection errors.

    With env ``SIMSNAP_TOKEN`` set, every request carries ``Authorization: Bearer <token>``.

    Every simsnap write is idempotent, so retrying a POST whose answer was lost is safe.
    """
    data = None if body is None else json.dumps(body).encode("utf-8")
    # A gateway or service with credentials: SIMSNAP_TOKEN is sent as a bearer token (the write token for writes).
    token = os.environ.get("SIMSNAP_TOKEN", "").strip()
    delay = 0.2
    for attempt in range(retries + 1):
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            if e.code == 503 and attempt < retries:
                time.sleep(delay)
                delay *= 2
                continue
            raise _error(e) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
            if attempt < retries:
                time.sleep(delay)
                delay *= 2
                continue
            raise SimsnapError("cannot reach %s: %s" % (url, e)) from None
    raise AssertionError("unreachable")


def post_json(url, body):
    _, raw = request("POST", url, body)
    return json.loads(raw.decode("utf-8"))


def get_json(url):
    _, raw = request("GET", url)
    return json.loads(raw.decode("utf-8"))


def get_bytes(url):
    _, raw = request("GET", url)
    return raw
