"""Access tokens as JWTs (RFC 9068) and the opaque refresh tokens that go with them."""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app

from ..clock import timestamp
from ..signing import get_keyring
from .subjects import client_subject

ACCESS_TOKEN_TYP = "at+jwt"  # noqa: S105 - a media type (RFC 9068 §2.1), not a secret


def token_hash(value: str) -> str:
    """Stored form of codes and refresh tokens: a dump of the database yields nothing usable."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_grant_id() -> str:
    return secrets.token_urlsafe(32)


class AccessTokenGenerator:
    """Authlib's token generator hook: builds the token response for every grant type."""

    def __call__(self, grant_type, client, user=None, scope=None, expires_in=None,
                 include_refresh_token=True):
        config = current_app.config
        lifetime = expires_in or config["ACCESS_TOKEN_LIFETIME"]
        now = timestamp()
        claims = {
            "iss": config["ISSUER"],
            "aud": client.client_id,
            "client_id": client.client_id,
            "iat": now,
            "exp": now + lifetime,
            "jti": secrets.token_urlsafe(16),
            "scope": scope or "",
        }
        if user is None:
            claims["sub"] = client.client_id  # RFC 9068 §2.2: the client itself
        else:
            claims.update(
                sub=client_subject(user.account, client),
                auth_time=user.auth_time,
                acr=user.acr,
                amr=user.amr,
                gid=user.grant_id,
            )
            if user.sid:
                claims["sid"] = user.sid
        access_token = get_keyring().sign(
            claims, alg=config["ACCESS_TOKEN_SIGNING_ALG"], typ=ACCESS_TOKEN_TYP
        )
        token = {
            "token_type": "Bearer",
            "access_token": access_token,
            "expires_in": lifetime,
            "scope": scope or "",
        }
        if include_refresh_token and user is not None:
            token["refresh_token"] = secrets.token_urlsafe(32)
        return token
