"""ID tokens (OIDC Core §2, §3.1.3.6) and the claims each scope releases (§5.4)."""

from __future__ import annotations

from authlib.oidc.core.grants import OpenIDCode as _OpenIDCode
from authlib.oidc.core.util import create_half_hash
from flask import current_app

from ..clock import timestamp
from ..signing import get_keyring
from .subjects import client_subject

SCOPE_CLAIMS = {
    "profile": ("name", "given_name", "family_name", "birthdate", "gender", "locale"),
    "email": ("email", "email_verified"),
    "phone": ("phone_number", "phone_number_verified"),
}

SUPPORTED_CLAIMS = sorted(
    {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash",
     "sid"} | {claim for claims in SCOPE_CLAIMS.values() for claim in claims}
)


def released_claims(scopes: list[str]) -> list[str]:
    """The claim names a grant of these scopes lets the client read (for the activity log)."""
    names = ["sub"] if "openid" in scopes else []
    return names + [claim for scope in scopes for claim in SCOPE_CLAIMS.get(scope, ())]


def userinfo_claims(account, client, scope: str) -> dict:
    """Only what the granted scopes release, and nothing that is empty."""
    claims = {"sub": client_subject(account, client)}
    for scope_name in scope.split():
        for claim in SCOPE_CLAIMS.get(scope_name, ()):
            value = getattr(account, claim)
            if value is not None and value != "":
                claims[claim] = value
    return claims


def id_token(client, principal, *, access_token: str | None, nonce: str | None) -> str:
    """Identity claims stay at userinfo (§5.4); the ID token says who, when and how."""
    config = current_app.config
    alg = client.id_token_signed_response_alg or "RS256"
    now = timestamp()
    claims = {
        "iss": config["ISSUER"],
        "sub": client_subject(principal.account, client),
        "aud": client.client_id,
        "azp": client.client_id,
        "iat": now,
        "exp": now + config["ID_TOKEN_LIFETIME"],
        "auth_time": principal.auth_time,
        "acr": principal.acr,
        "amr": principal.amr,
    }
    if principal.sid:
        claims["sid"] = principal.sid
    if nonce:
        claims["nonce"] = nonce
    if access_token:
        claims["at_hash"] = create_half_hash(access_token, alg).decode()
    return get_keyring().sign(claims, alg=alg)


def _with_id_token(grant, token: dict, nonce: str | None) -> dict:
    if "openid" in (token.get("scope") or "").split():
        token["id_token"] = id_token(
            grant.request.client, grant.request.user,
            access_token=token.get("access_token"), nonce=nonce,
        )
    return token


class OpenIDCode(_OpenIDCode):
    """Authlib's OIDC extension of the code grant, with our ID token."""

    def exists_nonce(self, nonce, request):
        """Nonces are the RP's replay defence (OIDC Core §3.1.2.1); we echo them only."""
        return False

    def process_token(self, grant, response):
        _, token, _ = response
        return _with_id_token(grant, token, grant.request.authorization_code.get_nonce())


class RefreshedIdToken:
    """OIDC Core §12.2: a refresh response may carry a new ID token, same auth_time and acr."""

    def __call__(self, grant):
        grant.register_hook("after_create_token_response", self.process_token)

    def process_token(self, grant, response):
        _, token, _ = response
        return _with_id_token(grant, token, None)
