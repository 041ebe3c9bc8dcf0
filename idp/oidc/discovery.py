"""Discovery (OIDC Discovery 1.0 §3, RFC 8414 §2) and the JWKS: built once, served as bytes.

The document advertises exactly what works; tests hold it to that.
"""

from __future__ import annotations

import json

from flask import Response
from flask import current_app

from ..assurance.amr import SUPPORTED_AMR
from ..clients.registration import AUTH_METHODS
from ..clients.registration import GRANT_TYPES
from ..clients.registration import SCOPES
from ..signing import get_keyring
from .claims import SUPPORTED_CLAIMS
from .client_auth import ASSERTION_ALGS
from .grants import CONFIDENTIAL_METHODS
from .server import ID_TOKEN_ALGS
from .verified_claims import metadata as identity_assurance_metadata


def metadata(config) -> dict:
    issuer = config["ISSUER"]
    acr_names = ["1", "2", *(config.get("ACR_ALIASES") or {})]
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks.json",
        "end_session_endpoint": f"{issuer}/logout",
        "revocation_endpoint": f"{issuer}/revoke",
        "introspection_endpoint": f"{issuer}/introspect",
        "pushed_authorization_request_endpoint": f"{issuer}/par",  # RFC 9126 §5
        "require_pushed_authorization_requests": config["REQUIRE_PUSHED_AUTHORIZATION_REQUESTS"],
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "subject_types_supported": ["pairwise", "public"],
        "id_token_signing_alg_values_supported": ID_TOKEN_ALGS,
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "token_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "revocation_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "introspection_endpoint_auth_methods_supported": CONFIDENTIAL_METHODS,
        "introspection_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": SUPPORTED_CLAIMS,
        "claim_types_supported": ["normal"],
        "acr_values_supported": acr_names,
        "amr_values_supported": list(SUPPORTED_AMR),
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        **identity_assurance_metadata(issuer),  # OpenID Connect for Identity Assurance 1.0 §8
    }


def _json(body: bytes) -> Response:
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def discovery():
    body = current_app.extensions.get("idp.discovery_bytes")
    if body is None:
        body = json.dumps(metadata(current_app.config)).encode()
        current_app.extensions["idp.discovery_bytes"] = body
    return _json(body)


def jwks():
    return _json(get_keyring().snapshot().jwks_bytes)
