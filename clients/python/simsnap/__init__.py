"""simsnap for Python (stdlib only): the seed persistence APIs on top of the simsnap ingest gateway and
snapshot service.

- :class:`PersonaStore` — ``save_generation`` / ``load_generation`` / ``list_generations`` (snackPersona seed)
- :func:`save_all` / :func:`load_all` — the trading arena's save/load (Agent Trading Arena seed)

URLs default to the environment: ``SIMSNAP_GATEWAY_URL`` (http://127.0.0.1:8082) and ``SIMSNAP_SERVICE_URL``
(http://127.0.0.1:8080).
"""

from ._http import SimsnapError, SimsnapUnsupported
from .arena import ArenaSession, load_all, save_all, session
from .persona_store import PersonaStore

__all__ = ["PersonaStore", "save_all", "load_all", "ArenaSession", "session", "SimsnapError",
           "SimsnapUnsupported"]
