"""The simulated immigration registry, served for real over HTTP on a free 127.0.0.1 port.

`registry_service` (session): one simulator for the whole run. `registry` (per test): the same,
reset to its seeded population first (no changes, not down, no delay). Both have .url, .reset(),
.find(**traits), .person(person_id), .sample(person_id, method), .add_change(person_id, kind,
**data), .set_down(bool), .set_delay(seconds). Point an app at it with
`make_app(database_url, keys_dir, REGISTRY={"URL": registry.url})`, or use `registry_app` (the
`app` fixture with its REGISTRY.URL pointed at the simulator and short retry delays).

`find(**traits)` returns one person's JSON (the registry's record plus age, culture, script,
card_status, document_status, number_cancelled). Traits (see registry_simulator/find.py):
card="valid"|"expired"|"none", card_type="permanent"|"temporary", document="valid"|"expired",
biometrics=bool, age_min=int, age_max=int (neither: adults only), guardian=bool,
deceased=bool (default False), number_cancelled=bool (default False),
script="latin"|"hangul"|"han"|"cyrillic"|"arabic"|"thai", culture="vietnamese"|"korean"|...,
nationality="KOR", gender="female"|"male", diacritics=bool, nth=int (the n-th such person).
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
import requests
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from registry_simulator import create_app as create_registry

SEED = 2026
SIZE = 300


class _QuietHandler(WSGIRequestHandler):
    # HTTP/1.0: every answer closes its connection, so no pooled socket outlives a test app.
    protocol_version = "HTTP/1.0"

    def log_request(self, *args, **kwargs):
        pass


class RegistryService:
    """Drives the simulator through its HTTP control API (/_sim)."""

    def __init__(self, url: str):
        self.url = url

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        with requests.Session() as session:
            response = session.request(method, self.url + path, timeout=10, **kwargs)
        return response

    def reset(self) -> None:
        self._call("POST", "/_sim/reset").raise_for_status()

    def set_down(self, down: bool = True) -> None:
        self._call("POST", "/_sim/down", json={"down": down}).raise_for_status()

    def set_delay(self, seconds: float) -> None:
        """Every registry call waits this long before answering (0: none)."""
        self._call("POST", "/_sim/delay", json={"seconds": seconds}).raise_for_status()

    def find(self, **traits) -> dict:
        params = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in traits.items()}
        response = self._call("GET", "/_sim/find", params=params)
        if response.status_code == 404:
            raise LookupError(f"The simulated registry has nobody with {traits}.")
        if response.status_code == 400:
            raise ValueError(response.json()["detail"])
        response.raise_for_status()
        return response.json()["person"]

    def person(self, person_id: str) -> dict:
        response = self._call("GET", f"/_sim/persons/{person_id}")
        response.raise_for_status()
        return response.json()["person"]

    def sample(self, person_id: str, method: str) -> bytes:
        response = self._call("GET", f"/_sim/persons/{person_id}/sample/{method}")
        if response.status_code == 404:
            raise LookupError(f"The simulated registry holds no {method} of {person_id}.")
        response.raise_for_status()
        return response.content

    def add_change(self, person_id: str, kind: str, **data) -> dict:
        """Appends a change to the log and applies it to the person; returns the change."""
        body = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}
        response = self._call("POST", f"/_sim/persons/{person_id}/changes", json={"kind": kind, **body})
        if response.status_code == 400:
            raise ValueError(response.json()["detail"])
        response.raise_for_status()
        return response.json()["change"]


@pytest.fixture(scope="session")
def registry_service():
    server = make_server("127.0.0.1", 0, create_registry(seed=SEED, size=SIZE), threaded=True,
                         request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="simulated-registry", daemon=True)
    thread.start()
    yield RegistryService(f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def registry(registry_service) -> RegistryService:
    registry_service.reset()
    return registry_service


@pytest.fixture
def registry_app(app, registry):
    """The `app` fixture, talking to the simulated registry (retries after 10 ms, not 200)."""
    app.config["REGISTRY"] = {**app.config["REGISTRY"], "URL": registry.url, "BACKOFF": 0.01}
    return app
