"""PersonaStore with the seed's API, backed by simsnap instead of gen_<N>.json files."""

import time

from ._common import gateway_url, quote, run_id, service_url, to_dict
from ._http import SimsnapError, get_json, post_json


class PersonaStore:
    """Saves and loads each generation's population through simsnap.

    ``PersonaStore("persona_data")`` keeps the seed's call sites: the run id is the folder name (or pass a run id).
    Writes go to the ingest gateway (one Kafka transaction per generation, answered after commit); reads come from
    the snapshot service, which shows a generation once it is sealed. Loads of a generation this store saved wait
    (up to ``read_timeout`` seconds) until the service shows it, so save-then-load behaves like the file store.

    Population items are dicts, pydantic models (``model_dump()``) or plain objects (``__dict__``) with the
    PersonaGenotype fields; ``load_generation`` returns dicts, or ``factory(**item)`` when a factory is given.
    """

    def __init__(self, storage_dir_or_run, gateway_url=None, service_url=None, worker="w0",
                 kind="persona-evolution", factory=None, read_timeout=60.0):
        self.run = run_id(storage_dir_or_run)
        self.worker = worker
        self.kind = kind
        self.factory = factory
        self.read_timeout = read_timeout
        self._gateway = _gw(gateway_url)
        self._service = _svc(service_url)
        self._started = False
        self._saved = set()

    def _start(self):
        if not self._started:
            post_json("%s/runs/%s/start" % (self._gateway, quote(self.run)),
                      {"kind": self.kind, "expected_workers": [self.worker], "worker": self.worker})
            self._started = True

    def save_generation(self, generation_id, population, scores=None):
        """Publishes generation ``generation_id`` (all of it or nothing); returns the gateway's answer."""
        self._start()
        body = {"members": [to_dict(p) for p in population]}
        if scores is not None:
            body["scores"] = list(scores)
        answer = post_json("%s/runs/%s/workers/%s/generations/%d"
                           % (self._gateway, quote(self.run), quote(self.worker), int(generation_id)), body)
        self._saved.add(int(generation_id))
        return answer

    def load_generation(self, generation_id):
        """The population of ``generation_id``; an empty list when there is none."""
        generation_id = int(generation_id)
        deadline = time.monotonic() + (self.read_timeout if generation_id in self._saved else 0)
        while True:
            try:
                items = get_json("%s/runs/%s/generations/%d" % (self._service, quote(self.run), generation_id))
                return [self.factory(**i) for i in items] if self.factory else items
            except SimsnapError as e:
                if e.status != 404 or time.monotonic() >= deadline:
                    if e.status == 404:
                        return []
                    raise
            time.sleep(0.2)

    def list_generations(self):
        """Sorted ids of the generations the service shows (waiting for the ones this store saved)."""
        deadline = time.monotonic() + self.read_timeout
        while True:
            try:
                ids = sorted(get_json("%s/runs/%s/generations" % (self._service, quote(self.run)))
                             .get("generations", []))
            except SimsnapError as e:
                if e.status != 404:
                    raise
                ids = []
            if self._saved.issubset(ids) or time.monotonic() >= deadline:
                return ids
            time.sleep(0.2)


def _gw(url):
    return gateway_url(url)


def _svc(url):
    return service_url(url)
