"""Authorization requests parked while the person signs in or consents.

A parked request lives in the store (`flow:<id>`) for LOGIN_REQUEST_LIFETIME seconds and is
bound to the browser session that started it; finishing it consumes it, so it cannot be
resumed twice. A request reads a flow from the store once (`g`): the sign-in pages ask for it
to log the client and again to continue.
"""

from __future__ import annotations

import secrets

from flask import current_app
from flask import g
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
    _save(flow_id, flow)
    return flow_id


def _read() -> dict:
    """Flows this request has read or written, by id (None: gone)."""
    return g.setdefault("idp_flows", {})


def _save(flow_id: str, flow: dict) -> None:
    put_json(get_store(), key("flow", flow_id), flow, current_app.config["LOGIN_REQUEST_LIFETIME"])
    _read()[flow_id] = flow


def load(flow_id: str | None) -> dict | None:
    """The parked request, if it exists and belongs to this browser."""
    if not flow_id or flow_id not in session.get("pending", []):
        return None
    read = _read()
    if flow_id not in read:
        read[flow_id] = get_json(get_store(), key("flow", flow_id))
    return read[flow_id]


def client_of(flow_id: str | None) -> str | None:
    """The client that parked this request, for the security log."""
    flow = load(flow_id)
    return flow["params"].get("client_id") if flow else None


def finish(flow_id: str) -> dict | None:
    """Consume the parked request; None if another tab or request already finished it."""
    if flow_id not in session.get("pending", []):
        return None
    session["pending"] = [f for f in session["pending"] if f != flow_id]
    _read()[flow_id] = None
    return consume_json(get_store(), key("flow", flow_id))


def mark(flow_id: str, **state) -> None:
    """Record an outcome on a parked request (e.g. locked=True) for the resume to act on."""
    flow = load(flow_id)
    if flow is not None:
        _save(flow_id, {**flow, **state})
