"""The bank's API: a resource server that reads `acr` from the IdP's JWT access tokens and asks
for more with an RFC 9470 challenge when an operation needs level 2."""

from __future__ import annotations

import threading
from datetime import date

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request

from .oidc import verify_access_token

bp = Blueprint("api", __name__, url_prefix="/api")

SINGLE_LIMIT = 10_000_000  # VND per transaction without level 2
DAILY_LIMIT = 20_000_000  # VND per day without level 2

_ledger: dict[tuple[str, date], int] = {}
_lock = threading.Lock()


def _challenge(status: int, error: str, description: str, **extra):
    """RFC 6750 §3 / RFC 9470 §3 WWW-Authenticate."""
    params = [f'error="{error}"', f'error_description="{description}"']
    params += [f'{name}="{value}"' for name, value in extra.items()]
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    response.headers["WWW-Authenticate"] = "Bearer " + ", ".join(params)
    return response


@bp.post("/bank/transfers")
def transfer():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    audience = current_app.config["RP_CLIENTS"]["bank"]["client_id"]
    claims = verify_access_token(token, audience) if scheme.lower() == "bearer" else None
    if claims is None:
        return _challenge(401, "invalid_token", "The access token is not valid.")
    amount = (request.get_json(silent=True) or {}).get("amount")
    if not isinstance(amount, int) or amount <= 0:
        return jsonify({"error": "invalid_request", "error_description": "amount in VND"}), 400
    day = (claims["sub"], date.today())
    with _lock:
        today_total = _ledger.get(day, 0)
        needs_level2 = amount > SINGLE_LIMIT or today_total + amount > DAILY_LIMIT
        if needs_level2 and claims.get("acr") != "2":
            return _challenge(401, "insufficient_user_authentication",
                              "Transfers over VND 10 million, or 20 million a day, need level 2.",
                              acr_values="2")
        _ledger[day] = today_total + amount
    return jsonify({"transferred": amount, "today_total": today_total + amount,
                    "acr": claims.get("acr")}), 201
