"""snackPersona's ``PersonaStore`` on simsnap state models (kind ``persona-evolution``, built-in).

Switch the seed with one line: ``from simsnap import PersonaStore`` instead of its own import. The call sites stay::

    store = PersonaStore(storage_dir="persona_data")
    store.save_generation(gen_id, population)        # pydantic v2 models
    store.load_generation(gen_id)                    # instances of the class that saved them; [] when missing
    store.list_generations()                         # sorted ints
    store.save_transcripts(gen_id, transcripts)      # list of lists of dicts

Run id = the folder name of ``storage_dir`` (or ``run=``). A generation's schema is derived from its model class
(``schemas.from_pydantic``) and registered under the ``population`` subject (compatibility NONE: every generation
is read with the schema it was written with, so the genotype may change shape between generations); members are
``model_dump()``, so the snapshot's ``persona_data/gen_<N>.json`` has the bytes the seed's file store writes.
Saving a generation id again replaces it (the service keeps the older version for as-of reads).

The class of each generation (``module.qualname``) is kept by the store in memory and in
``<storage_dir>/.simsnap-classes.json`` (the snapshot's gen files hold exactly ``model_dump()``, nothing else), and
imported on load; ``factory=`` (a class or any callable taking the member dict) overrides it. A generation with no
recorded class loads as dicts.

Several processes may share one store: they all write as worker ``w0`` of the run (the run is declared with that
one worker; a worker id not declared at the start would be refused). The gateway serializes the calls of one
worker, each generation save is one Kafka transaction, and generations carry no step number, so processes need no
coordination; the last save of a generation id wins, as with the seed's files.
"""

import contextlib
import json
import os
import re
import threading
import time

from ._common import run_id
from ._http import SimsnapError
from ._v2 import StateRun
from .arena import class_name, find_class
from .schemas import from_pydantic

KIND = "persona-evolution"
WORKER = "w0"
CLASSES_FILE = ".simsnap-classes.json"
_GEN = re.compile(r"^persona_data/gen_(\d+)\.json$")
_file_lock = threading.Lock()


class PersonaStore:
    """Saves and loads each generation's population through simsnap (see the module doc)."""

    def __init__(self, storage_dir="persona_data", *, run=None, gateway_url=None, service_url=None, factory=None,
                 read_timeout=60.0):
        self.storage_dir = storage_dir
        self.run = run or run_id(storage_dir)
        self.factory = factory
        self.read_timeout = read_timeout
        self._state = StateRun(self.run, KIND, WORKER, gateway_url, service_url)
        self._schema_ids = {}  # class -> registered schema id
        self._classes = {}  # generation -> "module.qualname"
        self._expected = {}  # (file name) -> bytes this store's last save of it renders to

    # ---- writes ---------------------------------------------------------------------------------------------
    def save_generation(self, gen_id, population):
        """Saves generation ``gen_id`` (all of it in one transaction); returns the gateway's answer."""
        gen_id = int(gen_id)
        population = list(population)
        self._state.start()
        classes = {type(p) for p in population}
        if len(classes) > 1:
            raise TypeError("generation %d mixes classes %s: one generation has one schema"
                            % (gen_id, sorted(class_name(c) for c in classes)))
        if population and hasattr(population[0], "model_dump"):
            cls = type(population[0])
            sid = self._schema_ids.get(cls)
            if sid is None:
                sid = self._schema_ids[cls] = self._state.register("population", from_pydantic(cls))
            members = [p.model_dump() for p in population]
            self._remember_class(gen_id, class_name(cls))
        else:
            sid = None  # dicts (or an empty population): the latest registered version
            members = [dict(p) for p in population]
        answer = self._state.save_generation("population", gen_id, members, sid)
        self._expected["persona_data/gen_%d.json" % gen_id] = json.dumps(members, indent=2).encode("ascii")
        return answer

    def save_transcripts(self, gen_id, transcripts):
        """Saves generation ``gen_id``'s transcripts (a list of lists of message dicts)."""
        gen_id = int(gen_id)
        self._state.start()
        transcripts = [list(t) for t in transcripts]
        answer = self._state.save_generation("transcripts", gen_id, [{"turns": t} for t in transcripts])
        self._expected["persona_data/transcripts_gen_%d.json" % gen_id] = \
            json.dumps(transcripts, indent=2).encode("ascii")
        return answer

    # ---- reads ----------------------------------------------------------------------------------------------
    def _files(self, wanted=()):
        """The snapshot's files, waiting (up to ``read_timeout``) until those of ``wanted`` this store saved show
        what it saved last."""
        deadline = time.monotonic() + self.read_timeout
        while True:
            files = self._state.snapshot_files()
            pending = [n for n in wanted if n in self._expected and files.get(n) != self._expected[n]]
            if not pending or time.monotonic() >= deadline:
                return files
            time.sleep(0.1)

    def load_generation(self, gen_id, factory=None):
        """The population of generation ``gen_id`` (``[]`` when there is none), as instances of the class that
        saved it, or ``factory(member_dict)`` (a pydantic class is validated with ``model_validate``)."""
        name = "persona_data/gen_%d.json" % int(gen_id)
        files = self._files([name])
        if name not in files:
            return []
        members = json.loads(files[name].decode("utf-8"))
        make = factory or self.factory
        if make is None:
            cls = self._class_of(int(gen_id))
            if cls is None:
                return members
            make = cls
        return [_make(make, m) for m in members]

    def load_transcripts(self, gen_id):
        """Generation ``gen_id``'s transcripts (``[]`` when there are none)."""
        name = "persona_data/transcripts_gen_%d.json" % int(gen_id)
        files = self._files([name])
        return json.loads(files[name].decode("utf-8")) if name in files else []

    def list_generations(self):
        """Sorted ids of the generations the service shows (waiting for the ones this store saved)."""
        files = self._files([n for n in self._expected if n.startswith("persona_data/gen_")])
        return sorted(int(m.group(1)) for m in (_GEN.match(n) for n in files) if m)

    # ---- classes --------------------------------------------------------------------------------------------
    def _classes_path(self):
        return os.path.join(str(self.storage_dir), CLASSES_FILE)

    def _read_classes(self):
        try:
            with open(self._classes_path(), encoding="utf-8") as f:
                return {int(k): v for k, v in json.load(f).items()}
        except (OSError, ValueError):
            return {}

    def _remember_class(self, gen_id, name):
        self._classes[gen_id] = name
        os.makedirs(str(self.storage_dir), exist_ok=True)
        with _file_lock, _locked(self._classes_path() + ".lock"):
            known = self._read_classes()
            if known.get(gen_id) == name:
                return
            known[gen_id] = name
            tmp = "%s.%d.tmp" % (self._classes_path(), os.getpid())
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump({str(k): v for k, v in sorted(known.items())}, f, indent=2)
            os.replace(tmp, self._classes_path())

    def _class_of(self, gen_id):
        name = self._read_classes().get(gen_id) or self._classes.get(gen_id)
        if name is None:
            return None
        try:
            return find_class(name)
        except ImportError as e:
            raise SimsnapError("generation %d was saved by class %s, which cannot be imported here (pass factory=):"
                               " %s" % (gen_id, name, e)) from None


@contextlib.contextmanager
def _locked(path):
    """An exclusive lock between processes (``fcntl.flock``; where there is no fcntl, threads only)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _make(make, member):
    validate = getattr(make, "model_validate", None)
    if callable(validate):
        return validate(member)
    if isinstance(make, type):
        return make(**member)
    return make(member)
