"""The registry's API (/v1), as the IdP's adapter sees it. See the package docstring."""

from __future__ import annotations

import base64
import binascii
import hmac
import time

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request

from .state import Invalid

bp = Blueprint("v1", __name__, url_prefix="/v1")


def registry():
    return current_app.extensions["registry_simulator"]


def error(status: int, code: str, detail: str | None = None):
    body = {"error": code}
    if detail:
        body["detail"] = detail
    return jsonify(body), status


@bp.before_request
def gate():
    if registry().delay:
        time.sleep(registry().delay)
    if registry().down:
        return error(503, "unavailable", "the registry is down (simulated)")
    token = current_app.config.get("REGISTRY_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return error(401, "unauthorized")
    return None


@bp.errorhandler(Invalid)
def invalid(exc):
    return error(400, "invalid_request", str(exc))


def body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid("the body is a JSON object")
    return data


@bp.get("/status")
def status():
    return jsonify(status="ok")


@bp.post("/persons/match")
def match():
    person = registry().match(body())
    return jsonify(person=person) if person else error(404, "no_match")


@bp.get("/persons/<person_id>")
def person(person_id):
    found = registry().person(person_id)
    return jsonify(person=found) if found else error(404, "not_found")


@bp.post("/persons/<person_id>/biometric-match")
def biometric_match(person_id):
    data = body()
    try:
        sample = base64.b64decode(data.get("sample") or "", validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise Invalid("sample is base64") from None
    result = registry().biometric_match(person_id, data.get("method"), sample)
    return jsonify(result) if result else error(404, "not_found")


@bp.get("/changes")
def changes():
    limit = request.args.get("limit", "100")
    if not limit.isdigit() or not 1 <= int(limit) <= 1000:
        raise Invalid("limit is 1 to 1000")
    return jsonify(registry().changes_after(request.args.get("cursor", ""), int(limit)))
