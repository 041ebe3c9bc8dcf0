"""Authorization requests parked while the person signs in or consents.

A parked request lives in the store (`flow:<id>`) for LOGIN_REQUEST_LIFETIME seconds and is
bound to the browser session that started it; finishing it consumes it, so it cannot be
resumed twice.
"""

from __future__ import annotations

import secrets

from flask import current_app
from flask import session

from ..clock import timestamp
from ..store import consume_json
from ..store import get_json
from ..store import get_store
from ..store import key
from ..store import put_json

MAX_PENDING = 5


def park(params: dict, flow_id: str | None = None, **state) -> str:
    """Store (or update) a parked request and bind it to this browser session."""
    existing = load(flow_id) if flow_id else None
    if existing is None:
        flow_id = secrets.token_urlsafe(24)
        flow = {"params": params, "created": timestamp(), **state}
        pending = [f for f in session.get("pending", []) if f != flow_id][-(MAX_PENDING - 1):]
        session["pending"] = [*pending, flow_id]
    else:
        flow = {**existing, "params": params, **state}
    put_json(get_store(), key("flow", flow_id), flow, current_app.config["LOGIN_REQUEST_LIFETIME"])
    return flow_id


def load(flow_id: str | None) -> dict | None:
    """The parked request, if it exists and belongs to this browser."""
    if not flow_id or flow_id not in session.get("pending", []):
        return None
    return get_json(get_store(), key("flow", flow_id))


def finish(flow_id: str) -> dict | None:
    """Consume the parked request; None if another tab or request already finished it."""
    if flow_id not in session.get("pending", []):
        return None
    session["pending"] = [f for f in session["pending"] if f != flow_id]
    return consume_json(get_store(), key("flow", flow_id))


def mark(flow_id: str, **state) -> None:
    """Record an outcome on a parked request (e.g. locked=True) for the resume to act on."""
    flow = load(flow_id)
    if flow is not None:
        put_json(get_store(), key("flow", flow_id), {**flow, **state},
                 current_app.config["LOGIN_REQUEST_LIFETIME"])
