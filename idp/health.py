"""What an operator on call asks first: /healthz (the process lives) and /readyz (its database and
store answer; 503 otherwise, so a load balancer stops sending traffic)."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from sqlalchemy import text

from .extensions import db
from .store import StoreUnavailable
from .store import get_store

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready; the reason goes to the log
        db.session.rollback()
        checks["database"] = "unavailable"
    try:
        get_store().ping()
        checks["store"] = "ok"
    except StoreUnavailable:
        checks["store"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    response = jsonify({"status": "ok" if ready else "unavailable", "checks": checks})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
