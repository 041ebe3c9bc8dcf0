"""UserInfo (OIDC Core §5.3): Bearer access token in the Authorization header only (RFC 6750 §2.1)."""

from __future__ import annotations

from flask import jsonify
from flask import request

from ..extensions import autocommit_reads
from .claims import userinfo_claims
from .records import read_access_token


def _challenge(status: int, error: str | None = None, description: str | None = None):
    """RFC 6750 §3: no error code when no token was sent at all."""
    value = 'Bearer realm="userinfo"'
    if error:
        value += f', error="{error}"'
        if description:
            value += f', error_description="{description}"'
    body = {"error": error, "error_description": description} if error else {}
    response = jsonify(body)
    response.status_code = status
    response.headers["WWW-Authenticate"] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def userinfo():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _challenge(401)  # a token in the query or body is not looked at (SEC-46)
    autocommit_reads()
    record = read_access_token(token.strip(), with_account=True)
    if record is None or record.is_expired() or record.is_revoked() or record.account is None:
        return _challenge(401, "invalid_token", "The access token is not valid.")
    scope = record.get_scope()
    if "openid" not in scope.split():
        return _challenge(403, "insufficient_scope", "The token was not issued with openid.")
    response = jsonify(userinfo_claims(record.account, record.client, scope,
                                       requests=record.requests, acr=record.claims.get("acr")))
    response.headers["Cache-Control"] = "no-store"
    return response
