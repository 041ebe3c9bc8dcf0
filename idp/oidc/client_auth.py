"""`private_key_jwt` client authentication (OIDC Core §9, RFC 7523 §3).

The key comes only from the client's registered `jwks` or `jwks_uri`, never from a JWS
header (`jwk`, `jku`, `x5u`, `x5c`); assertions are single use until they expire.
"""

from __future__ import annotations

import hashlib
import json
import time

import requests
from authlib.oauth2.rfc6749.errors import InvalidClientError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..clock import timestamp
from ..store import get_store
from ..store import key

ASSERTION_ALGS = ["ES256", "PS256", "RS256"]
MAX_ASSERTION_LENGTH = 8192
JWKS_CACHE_SECONDS = 300
JWKS_MAX_BYTES = 64 * 1024

_jwks_cache: dict[str, tuple[float, dict]] = {}


def fetch_jwks(uri: str) -> dict:
    """Fetch a registered jwks_uri: https only, no redirects, short timeouts, size cap (SEC-88)."""
    cached = _jwks_cache.get(uri)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    if not uri.startswith("https://"):
        raise InvalidClientError(description="The client's jwks_uri is not https.")
    try:
        response = requests.get(uri, timeout=(3, 5), allow_redirects=False, stream=True)
        body = response.raw.read(JWKS_MAX_BYTES + 1, decode_content=True)
        if response.status_code != 200 or len(body) > JWKS_MAX_BYTES:
            raise ValueError(f"status {response.status_code}, {len(body)} bytes")
        jwks = json.loads(body)
    except (requests.RequestException, ValueError) as exc:
        current_app.logger.warning("jwks_uri fetch failed for %s: %s", uri, exc)
        raise InvalidClientError(description="The client's keys could not be fetched.") from exc
    _jwks_cache[uri] = (time.monotonic() + JWKS_CACHE_SECONDS, jwks)
    return jwks


class PrivateKeyJWT(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self) -> None:
        super().__init__(validate_jti=True, leeway=30)

    def __call__(self, query_client, request):
        assertion = request.form.get("client_assertion")
        if assertion and len(assertion) > MAX_ASSERTION_LENGTH:
            raise InvalidClientError(description="client_assertion is too large.")
        return super().__call__(query_client, request)

    def get_audiences(self):
        issuer = current_app.config["ISSUER"]
        return [issuer, f"{issuer}/token", f"{issuer}/introspect", f"{issuer}/revoke",
                f"{issuer}/par"]

    def resolve_client_public_key(self, client):
        jwks = client.jwks if client.jwks else fetch_jwks(client.jwks_uri)
        try:
            return KeySet.import_key_set(jwks)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise InvalidClientError(description="The client's registered keys are unusable.") from exc

    def process_assertion_claims(self, assertion, resolve_key):
        """As Authlib's, with the algorithms pinned: never `none`, never HS* (RFC 8725 §3.1)."""
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=ASSERTION_ALGS)
        except (JoseError, ValueError) as exc:
            raise InvalidClientError(description="The client assertion is not valid.") from exc
        self.verify_claims(token.claims)
        return token.claims

    def validate_jti(self, claims, jti):
        """Each assertion once (RFC 7523 §3 item 7), remembered until it expires."""
        ttl = max(int(claims.get("exp", 0)) - timestamp(), 0) + self.leeway + 1
        digest = hashlib.sha256(str(jti).encode()).hexdigest()
        return get_store().put_new(key("jti", str(claims["sub"]), digest), "1", ttl)
