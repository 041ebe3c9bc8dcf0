"""The public documents (discovery, RFC 8414 metadata, JWKS) answered before Flask is entered.

They are the most requested URLs of an OpenID provider and the same bytes for everyone, so a
GET for exactly one of these paths on a trusted host gets the prebuilt body and the headers the
Flask views would send (security headers, CORS, `Cache-Control: public`) from this WSGI layer.
Anything else (another method, a query string, an untrusted Host, no keys yet) goes to Flask,
which answers or refuses as usual.
"""

from __future__ import annotations

import json

from werkzeug.sansio.utils import host_is_trusted

from ..metrics import REQUESTS
from .discovery import metadata

DISCOVERY_PATHS = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")
JWKS_PATH = "/jwks.json"
ENDPOINTS = {DISCOVERY_PATHS[0]: "oidc.discovery", DISCOVERY_PATHS[1]: "oidc.as_metadata",
             JWKS_PATH: "oidc.jwks"}


def _headers(length: int, *, secure: bool) -> list[tuple[str, str]]:
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(length)),
        ("Cache-Control", "public, max-age=300"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Headers", "Authorization, Content-Type"),
        ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
    ]
    if secure:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers


class PublicDocuments:
    """WSGI middleware in front of the Flask app (see the module docstring)."""

    def __init__(self, app, wsgi_app) -> None:
        self.wsgi_app = wsgi_app
        self.trusted_hosts = list(app.config["TRUSTED_HOSTS"])
        self.secure = app.config["SECURE_COOKIES"]
        self.keyring = app.extensions["idp.keyring"]
        discovery = json.dumps(metadata(app.config)).encode()
        self.discovery = (discovery, _headers(len(discovery), secure=self.secure))
        self.jwks_source: bytes | None = None
        self.jwks: tuple[bytes, list] | None = None

    def _jwks(self) -> tuple[bytes, list] | None:
        try:
            body = self.keyring.snapshot().jwks_bytes
        except Exception:  # no keys: Flask's view answers with its readable error
            return None
        if body is not self.jwks_source:
            self.jwks_source, self.jwks = body, (body, _headers(len(body), secure=self.secure))
        return self.jwks

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if (environ.get("REQUEST_METHOD") == "GET" and not environ.get("QUERY_STRING")
                and (path == JWKS_PATH or path in DISCOVERY_PATHS) and self._trusted(environ)):
            document = self.discovery if path != JWKS_PATH else self._jwks()
            if document is not None:
                body, headers = document
                # Counted like every Flask answer (idp/metrics.py); no latency histogram here.
                REQUESTS.labels(endpoint=ENDPOINTS[path], method="GET", status="200").inc()
                start_response("200 OK", list(headers))
                return [body]
        return self.wsgi_app(environ, start_response)

    def _trusted(self, environ) -> bool:
        return bool(self.trusted_hosts) and host_is_trusted(environ.get("HTTP_HOST"),
                                                            self.trusted_hosts)
