"""Validating an authorization request: one code path for /authorize and /par.

RFC 9126 §2.1: a pushed request is validated as the authorization endpoint would validate it,
so both endpoints call these functions and differ only in how they answer an error (a redirect
or a page for the browser, JSON for the client's server).

1. `trusted_target`: the client and its exact redirect_uri; until both are known, nothing may be
   redirected (RFC 6749 §4.1.2.1, SEC-02).
2. `validated_grant`: Authlib's checks (response_type, scope, PKCE S256), then checks.py's in order.
"""

from __future__ import annotations

import hashlib

from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from flask import current_app

from ..store import get_store
from ..store import key
from .checks import AUTHORIZE_CHECKS
from .server import get_server
from .server import query_client

CHALLENGE_MEMORY = 600  # seconds a code_challenge is remembered per client


class Untrusted(Exception):
    """The request cannot be answered by redirect: unknown client or unregistered redirect_uri."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def trusted_target(client_ids: list[str], redirect_uris: list[str]) -> tuple[object, str]:
    """The client and the redirect_uri it registered, each given exactly once; else Untrusted."""
    client = query_client(client_ids[0]) if len(client_ids) == 1 else None
    if client is None:
        raise Untrusted("unknown_client")
    if len(redirect_uris) != 1 or not client.check_redirect_uri(redirect_uris[0]):
        raise Untrusted("unregistered_redirect_uri")
    return client, redirect_uris[0]


def _oauth_request(params: dict) -> OAuth2Request:
    oauth_request = OAuth2Request("GET", current_app.config["ISSUER"] + "/authorize")
    oauth_request.payload = BasicOAuth2Payload(params)
    return oauth_request


def validated_grant(params: dict):
    """Authlib's checks, then ours; raises OAuth2Error (redirectable by now)."""
    server = get_server()
    grant = server.get_authorization_grant(_oauth_request(params))
    grant.validate_authorization_request()
    for check in AUTHORIZE_CHECKS:
        check(params)
    return grant


def note_challenge(client_id: str, challenge: str) -> None:
    """RFC 9700 §2.1.1 (SEC-09): a client sending the same code_challenge twice within ten minutes
    is probably using a constant one, which defeats PKCE. Logged as a security event, not refused:
    a person reloading the sign-in page sends the same request again."""
    digest = hashlib.sha256(challenge.encode()).hexdigest()[:32]
    if not get_store().put_new(key("pkce", client_id, digest), "1", CHALLENGE_MEMORY):
        current_app.logger.warning("pkce_challenge_reuse: client %s sent a code_challenge it "
                                   "already sent within %s s", client_id, CHALLENGE_MEMORY)
