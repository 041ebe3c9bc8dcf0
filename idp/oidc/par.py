"""Pushed authorization requests (RFC 9126): POST /par, and the request_uri it hands out.

Authlib 1.9 has no RFC 9126 support, so this module is the endpoint (an Authlib `Endpoint`, so
client authentication is the one /token uses) and the store of pushed requests.

- The client authenticates as at /token; a public client names itself with client_id (§2).
- The pushed parameters are validated by validation.py, as /authorize validates them (§2.1),
  with two differences: redirect_uri is required, and a request_uri inside is refused.
- The answer is a `urn:ietf:params:oauth:request_uri:` with 256 random bits, valid for 90 s
  (§2.2; FAPI 2.0 §5.3.2.2: under 600 s). The store keeps its SHA-256, never the value.
- /authorize accepts it only from the client that pushed it and only within those 90 s (§4).
  The entry stays in the store for a sign-in's lifetime beyond that, so a person who arrived in
  time can finish signing in; it is consumed when the code is issued (§4: one-time use), so a
  reload of the sign-in page works and a second authorization does not.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from authlib.oauth2.rfc6749.endpoint import Endpoint
from authlib.oauth2.rfc6749.endpoint import EndpointRequest
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import current_app

from ..clock import timestamp
from ..store import consume_json
from ..store import get_json
from ..store import get_store
from ..store import key
from ..store import put_json
from .grants import ALL_METHODS
from .validation import Untrusted
from .validation import note_challenge
from .validation import trusted_target
from .validation import validated_grant

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
LIFETIME = 90  # seconds (checklist §1: RFC 9126 §2.2 says 5-600, FAPI 2.0 under 600)
CLIENT_AUTH_PARAMS = ("client_secret", "client_assertion", "client_assertion_type")


@dataclass(frozen=True)
class Pushed:
    """A pushed request found for /authorize: its parameters and the reference that consumes it."""

    params: dict
    ref: str


def _ref(request_uri: str) -> str:
    return hashlib.sha256(request_uri.encode()).hexdigest()


def push(client_id: str, params: dict) -> str:
    """Store validated parameters; return the request_uri that names them."""
    request_uri = REQUEST_URI_PREFIX + secrets.token_urlsafe(32)
    entry = {"client_id": client_id, "params": params, "expires_at": timestamp() + LIFETIME}
    ttl = LIFETIME + current_app.config["LOGIN_REQUEST_LIFETIME"]
    put_json(get_store(), key("par", _ref(request_uri)), entry, ttl)
    return request_uri


def load(request_uri: str, client_id: str) -> Pushed | None:
    """The pushed request, if it exists, is unused, has not expired and belongs to `client_id`."""
    if not request_uri.startswith(REQUEST_URI_PREFIX) or len(request_uri) > 128:
        return None  # never fetched, never looked up (SEC-88)
    ref = _ref(request_uri)
    entry = get_json(get_store(), key("par", ref))
    if entry is None or entry["client_id"] != client_id or entry["expires_at"] < timestamp():
        return None
    return Pushed(params=entry["params"], ref=ref)


def consume(ref: str) -> bool:
    """Use a pushed request up (RFC 9126 §4); False if it was already used or is gone."""
    return consume_json(get_store(), key("par", ref)) is not None


@dataclass
class PushedRequest(EndpointRequest):
    params: dict | None = None


class PushedAuthorization(Endpoint):
    """RFC 9126 §2: authenticate the client, validate the request, answer 201 with a request_uri."""

    ENDPOINT_NAME = "pushed_authorization"
    CLIENT_AUTH_METHODS = ALL_METHODS  # as /token (RFC 9126 §2: the token endpoint's methods)

    def validate_request(self, request) -> PushedRequest:
        client = self.server.authenticate_client(request, self.CLIENT_AUTH_METHODS,
                                                 self.ENDPOINT_NAME)
        params = {k: v for k, v in request.form.items() if k not in CLIENT_AUTH_PARAMS}
        if params.setdefault("client_id", client.client_id) != client.client_id:
            raise InvalidRequestError("client_id is not the authenticated client.")
        if "request_uri" in params:
            raise InvalidRequestError("request_uri cannot be pushed (RFC 9126 section 2.1).")
        if "redirect_uri" not in params:
            raise InvalidRequestError("redirect_uri is required in a pushed request.")
        try:
            trusted_target([client.client_id], [params["redirect_uri"]])
            validated_grant(params)
        except Untrusted as exc:
            raise InvalidRequestError("redirect_uri is not registered for this client.") from exc
        except OAuth2Error as error:
            error.redirect_uri = error.state = None  # answered in JSON, never redirected
            raise
        return PushedRequest(request=request, client=client, params=params)

    def create_response(self, validated: PushedRequest):
        note_challenge(validated.client.client_id, validated.params["code_challenge"])
        request_uri = push(validated.client.client_id, validated.params)
        body = {"request_uri": request_uri, "expires_in": LIFETIME}
        return 201, body, [("Content-Type", "application/json")]
