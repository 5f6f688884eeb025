"""simsnap for Python (stdlib only): the seeds' persistence APIs on simsnap state models (v2), through the ingest
gateway (writes) and the snapshot service (reads).

- :class:`PersonaStore` (snackPersona): ``from simsnap import PersonaStore``
- :func:`save_all` / :func:`load_all` (the trading arena): ``from simsnap.arena import save_all, load_all``
- :mod:`simsnap.schemas`: Avro schemas from pydantic models or plain values, with compatible widening

URLs come from the environment: ``SIMSNAP_GATEWAY_URL`` (default http://127.0.0.1:8082) and
``SIMSNAP_SERVICE_URL`` (default http://127.0.0.1:8080).
"""

from ._http import SimsnapError, SimsnapUnsupported
from .arena import load_all, save_all
from .persona_store import PersonaStore

__all__ = ["PersonaStore", "save_all", "load_all", "SimsnapError", "SimsnapUnsupported"]
