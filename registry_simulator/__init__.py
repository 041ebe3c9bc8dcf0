"""A simulated national immigration registry: a small Flask app serving synthetic foreign
residents over the same HTTP API the IdP's adapter (idp/registry/client.py) speaks.

Run: `python -m registry_simulator --port 5002` or `gunicorn 'registry_simulator:create_app()'`.
Environment: REGISTRY_SIM_SEED (default 2026), REGISTRY_SIM_SIZE (300), REGISTRY_SIM_TOKEN (a
bearer token /v1 then requires; empty: none).

The API (/v1; JSON in and out; dates YYYY-MM-DD, times ISO 8601 UTC with Z)
---------------------------------------------------------------------------
A person:
  {"person_id", "full_name", "birthdate", "gender": "female"|"male", "nationality" (ISO 3166
   alpha-3), "document_type": "passport"|"travel_document", "document_number", "document_expires",
   "card_type": "permanent"|"temporary"|null, "card_number", "card_expires" (null without a card),
   "has_biometrics", "deceased", "guardian_person_id" (a minor's guardian, else null)}

GET  /v1/status                  200 {"status": "ok"}
POST /v1/persons/match           {"document_number", "full_name", "birthdate", "gender", "nationality"}
                                 200 {"person": …} | 404 {"error": "no_match"} (never says which
                                 field differed). Document number: spaces dropped, upper case; full
                                 name: NFC, case-folded, spaces collapsed, diacritics significant
                                 ("Nguyễn" is not "Nguyen"); birthdate, gender, nationality exact.
GET  /v1/persons/<id>            200 {"person": …} | 404 {"error": "not_found"}
POST /v1/persons/<id>/biometric-match   {"method": "face"|"fingerprint", "sample": base64}
                                 200 {"method", "matched": bool|null, "score": 0..1|null,
                                 "reference", "checked_at", "enrolled": bool}. When the registry
                                 holds no biometrics of that kind it stores the capture: matched
                                 null, score null, enrolled true. 404 {"error": "not_found"}.
GET  /v1/changes?cursor=&limit=  200 {"changes": [{"id", "person_id", "kind", "data", "at"}],
                                 "cursor"}: changes after `cursor` (empty: from the start), oldest
                                 first, at most `limit` (1..1000, default 100); "cursor" is the last
                                 id returned (or the one given when there is nothing new). Kinds and
                                 data: document_renewed {document_number, document_expires},
                                 card_renewed {card_type, card_number, card_expires}, name_changed
                                 {full_name}, deceased {}, number_cancelled {}.
Errors: 400 {"error": "invalid_request", "detail"}, 401 {"error": "unauthorized"},
        503 {"error": "unavailable"}.

Simulation controls (/_sim; tests and the demo only)
----------------------------------------------------
POST /_sim/reset                      back to the seeded population, no changes, not down, no delay
POST /_sim/down {"down": bool}        while down, every /v1 call answers 503
POST /_sim/delay {"seconds": n}       every /v1 call waits n seconds first (a slow registry)
GET  /_sim/find?trait=value…          {"person": … + age, culture, script, card_status, …}; traits
                                      in registry_simulator/find.py
GET  /_sim/persons/<id>               the same description of one person
POST /_sim/persons/<id>/changes       {"kind", …data} appends a change and applies it to the person
                                      (missing numbers and dates are made up); 201 {change, person}
GET  /_sim/persons/<id>/sample/<method>  the capture that matches (face: PNG; fingerprint: bytes)
GET  /                                an index of demo people to register with

Biometrics: a person's templates derive from the seed and the person id; a sample matches (score
~0.97) when it equals the template, anything else scores ~0.1.
"""

from __future__ import annotations

import os
from datetime import date

from flask import Flask

from . import api
from . import control
from .state import Registry


def create_app(seed: int | None = None, size: int | None = None, *, token: str | None = None,
               today: date | None = None) -> Flask:
    app = Flask(__name__)
    app.config["REGISTRY_TOKEN"] = os.environ.get("REGISTRY_SIM_TOKEN", "") if token is None else token
    app.config["JSON_SORT_KEYS"] = False
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    seed = int(os.environ.get("REGISTRY_SIM_SEED", "2026")) if seed is None else seed
    size = int(os.environ.get("REGISTRY_SIM_SIZE", "300")) if size is None else size
    app.extensions["registry_simulator"] = Registry(seed=seed, size=size, today=today)
    app.register_blueprint(api.bp)
    app.register_blueprint(control.bp)
    return app
