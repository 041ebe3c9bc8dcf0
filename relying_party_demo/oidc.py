"""One OpenID Connect client registration per service, all from the IdP's discovery document."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

import requests
from authlib.common.urls import add_params_to_uri
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app
from flask import redirect
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

SERVICES = ("bank", "landlord", "portal")
SCOPE = "openid profile email phone"
ESSENTIAL_LEVEL_2 = json.dumps({"id_token": {"acr": {"essential": True, "values": ["2"]}}})
PUSHED = ("bank",)  # FAPI 2.0 style: the bank pushes its authorization requests (RFC 9126)


class OidcServices:
    def __init__(self, app) -> None:
        self.oauth = OAuth(app)
        issuer = app.config["RP_ISSUER"]
        for name in SERVICES:
            credentials = app.config["RP_CLIENTS"][name]
            self.oauth.register(
                name,
                client_id=credentials["client_id"],
                client_secret=credentials["client_secret"],
                server_metadata_url=f"{issuer}/.well-known/openid-configuration",
                client_kwargs={"scope": SCOPE, "code_challenge_method": "S256"},
            )
        self._jwks: tuple[float, KeySet] | None = None

    def client(self, name: str):
        return self.oauth.create_client(name)

    def keys(self) -> KeySet:
        """The IdP's JWKS, fetched from the URL its discovery document names, cached 5 min."""
        if self._jwks is None or self._jwks[0] < time.monotonic():
            metadata = self.client("bank").load_server_metadata()
            body = requests.get(metadata["jwks_uri"], timeout=5).json()
            self._jwks = (time.monotonic() + 300, KeySet.import_key_set(body))
        return self._jwks[1]


def services() -> OidcServices:
    return current_app.extensions["rp.oidc"]


def pushed_authorize_redirect(client, redirect_uri: str, **extra):
    """Authlib's authorize_redirect, with the request pushed to /par first (RFC 9126): Authlib
    builds it and remembers state, nonce and the PKCE verifier as usual; the browser carries only
    client_id and the request_uri. Raises OAuthError when the IdP refuses the request."""
    metadata = client.load_server_metadata()
    built = client.create_authorization_url(redirect_uri, **extra)
    client.save_authorize_data(redirect_uri=redirect_uri, **built)
    params = dict(parse_qsl(urlsplit(built["url"]).query))
    response = requests.post(metadata["pushed_authorization_request_endpoint"], data=params,
                             auth=(client.client_id, client.client_secret), timeout=10)
    body = response.json()
    if response.status_code != 201:
        raise OAuthError(body.get("error"), body.get("error_description"))
    return redirect(add_params_to_uri(metadata["authorization_endpoint"], [
        ("client_id", client.client_id), ("request_uri", body["request_uri"])]))


def verify_access_token(token: str, audience: str) -> dict | None:
    """RFC 9068 §4: signature by the IdP, typ at+jwt, our issuer, our audience, not expired."""
    try:
        decoded = jwt.decode(token, services().keys(), algorithms=["ES256", "RS256", "PS256"])
    except (JoseError, ValueError):
        return None
    claims = decoded.claims
    if decoded.header.get("typ") != "at+jwt" or claims.get("iss") != current_app.config["RP_ISSUER"]:
        return None
    if claims.get("aud") != audience or claims.get("exp", 0) <= time.time():
        return None
    return dict(claims)
