"""ID tokens (OIDC Core §2, §3.1.3.6), the claims each scope releases (§5.4), and the
`verified_claims` a claims parameter asks for (verified_claims.py)."""

from __future__ import annotations

from authlib.oidc.core.grants import OpenIDCode as _OpenIDCode
from authlib.oidc.core.util import create_half_hash
from flask import current_app

from ..assurance.levels import DEFAULT_NAMES
from ..assurance.levels import Level
from ..clock import now as clock_now
from ..clock import timestamp
from ..signing import get_keyring
from . import verified_claims
from .subjects import client_subject

SCOPE_CLAIMS = {
    "profile": ("name", "given_name", "family_name", "birthdate", "gender", "locale"),
    "email": ("email", "email_verified"),
    "phone": ("phone_number", "phone_number_verified"),
}

SUPPORTED_CLAIMS = sorted(
    {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash",
     "sid", "verified_claims"} | {claim for claims in SCOPE_CLAIMS.values() for claim in claims}
)


def released_claims(scopes: list[str], claims_param: str | None = None, *, account=None,
                    client=None, acr: str | None = None) -> list[str]:
    """The claim names a grant of these scopes (and the claims parameter's `verified_claims`)
    lets the client read: for the activity log, names only (SEC-95)."""
    names = ["sub"] if "openid" in scopes else []
    names += [claim for scope in scopes for claim in SCOPE_CLAIMS.get(scope, ())]
    if claims_param and "openid" in scopes:
        verified = set()
        for wanted in verified_claims.requested(claims_param).values():
            verified.update(verified_claims.released_names(_verified(account, client, wanted, acr)))
        names += sorted(verified)
    return names


def acr_level(acr: str | None) -> int:
    """The level an `acr` value names ("1", "2" or a configured alias); 0 if none."""
    aliases = current_app.config.get("ACR_ALIASES") or {}
    names = {**DEFAULT_NAMES, **{name: Level(level) for name, level in aliases.items()}}
    return int(names.get(acr, 0))


def _verified(account, client, wanted, acr: str | None):
    """`verified_claims` for one member's request, or None (never an error: IDA §5.7)."""
    if not wanted:
        return None
    return verified_claims.build(account, client, wanted, session_level=acr_level(acr),
                                 issuer=current_app.config["ISSUER"], now=clock_now())


def userinfo_claims(account, client, scope: str, *, requests: dict | None = None,
                    acr: str | None = None) -> dict:
    """Only what the granted scopes release, and nothing that is empty; `verified_claims` when
    the authorization request asked for them in `claims.userinfo` (IDA §5.3): `requests` is
    the grant's `verified_claims_request`."""
    claims = {"sub": client_subject(account, client)}
    for scope_name in scope.split():
        for claim in SCOPE_CLAIMS.get(scope_name, ()):
            value = getattr(account, claim)
            if value is not None and value != "":
                claims[claim] = value
    wanted = (requests or {}).get("userinfo")
    verified = _verified(account, client, wanted, acr)
    if verified is not None:
        claims["verified_claims"] = verified
    return claims


def id_token(client, principal, *, access_token: str | None, nonce: str | None,
             verified_request=None) -> str:
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
    verified = _verified(principal.account, client, verified_request, principal.acr)
    if verified is not None:
        claims["verified_claims"] = verified
    return get_keyring().sign(claims, alg=alg)


def _with_id_token(grant, token: dict, nonce: str | None, requests: dict) -> dict:
    if "openid" in (token.get("scope") or "").split():
        token["id_token"] = id_token(
            grant.request.client, grant.request.user,
            access_token=token.get("access_token"), nonce=nonce,
            verified_request=requests.get("id_token"),
        )
    return token


class OpenIDCode(_OpenIDCode):
    """Authlib's OIDC extension of the code grant, with our ID token."""

    def exists_nonce(self, nonce, request):
        """Nonces are the RP's replay defence (OIDC Core §3.1.2.1); we echo them only."""
        return False

    def process_token(self, grant, response):
        _, token, _ = response
        code = grant.request.authorization_code
        return _with_id_token(grant, token, code.get_nonce(), code.get("verified_claims") or {})


class RefreshedIdToken:
    """OIDC Core §12.2: a refresh response may carry a new ID token, same auth_time and acr."""

    def __call__(self, grant):
        grant.register_hook("after_create_token_response", self.process_token)

    def process_token(self, grant, response):
        _, token, _ = response
        record = grant.request.refresh_token  # records.RefreshTokenRecord
        return _with_id_token(grant, token, None, record.grant.verified_claims_request or {})
