"""Registering client applications: one module for the CLI and the admin console.

Metadata is validated before anything is stored (RFC 9700 §2.1, §4.1.3; RFC 8252 §7.3, §8.3;
OIDC Registration §2); a refused registration stores nothing and says why.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..extensions import db
from .models import PUBLIC
from .models import Client
from .models import hash_secret

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", PUBLIC)
SCOPES = ("openid", "profile", "email", "phone")
ID_TOKEN_ALGS = ("RS256", "ES256", "PS256")
SUBJECT_TYPES = ("pairwise", "public")
LOOPBACK_HOSTS = ("127.0.0.1", "[::1]")
CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}


class RegistrationError(ValueError):
    """The metadata cannot be registered; the message names the field and the rule."""


@dataclass
class Registered:
    client: Client
    client_secret: str | None  # shown once, never stored


def _check_uri(uri: str, field: str) -> str:
    """https, or http on a loopback IP only; no wildcard, fragment or userinfo (SEC-36)."""
    if not isinstance(uri, str) or not uri or uri != uri.strip() or any(c.isspace() for c in uri):
        raise RegistrationError(f"{field}: {uri!r} is empty or contains white space.")
    if "*" in uri:
        raise RegistrationError(f"{field}: {uri} has a wildcard; register exact URIs only.")
    try:
        parts = urlsplit(uri)
    except ValueError as exc:  # e.g. an unclosed IPv6 literal
        raise RegistrationError(f"{field}: {uri} is not a valid URI.") from exc
    if parts.scheme not in ("https", "http") or not uri.startswith(parts.scheme + "://"):
        raise RegistrationError(f"{field}: {uri} must start with https:// (lower case).")
    if "@" in parts.netloc:
        raise RegistrationError(f"{field}: {uri} has user information before the host.")
    if parts.fragment or "#" in uri:
        raise RegistrationError(f"{field}: {uri} has a fragment, which is not allowed.")
    if not parts.hostname:
        raise RegistrationError(f"{field}: {uri} has no host.")
    try:
        port = parts.port
    except ValueError as exc:
        raise RegistrationError(f"{field}: {uri} has an invalid port.") from exc
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if parts.netloc.lower() != host + ("" if port is None else f":{port}"):
        raise RegistrationError(f"{field}: {uri} has a malformed host.")
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        raise RegistrationError(
            f"{field}: {uri} uses http; only https, or http on 127.0.0.1 or [::1], is allowed."
        )
    return uri


def _check_jwks(jwks) -> dict:
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise RegistrationError("jwks: must be a JSON Web Key Set with at least one key.")
    for key in jwks["keys"]:
        if not isinstance(key, dict) or PRIVATE_JWK_MEMBERS & set(key):
            raise RegistrationError("jwks: holds private key material; register public keys only.")
        if key.get("kty") not in ("RSA", "EC", "OKP"):
            raise RegistrationError("jwks: only RSA, EC or OKP public keys are accepted.")
    try:
        KeySet.import_key_set(jwks)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise RegistrationError(f"jwks: not a valid key set ({exc}).") from exc
    return jwks


def _sector(redirect_uris: list[str], sector_identifier_uri: str | None, subject_type: str) -> str:
    """OIDC Core §8.1: the sector is the redirect URIs' host, or the sector_identifier_uri's."""
    if sector_identifier_uri:
        _check_uri(sector_identifier_uri, "sector_identifier_uri")
        return urlsplit(sector_identifier_uri).hostname
    hosts = {urlsplit(u).hostname for u in redirect_uris}
    if len(hosts) > 1 and subject_type == "pairwise":
        raise RegistrationError(
            "redirect_uris span several hosts; register a sector_identifier_uri for pairwise subjects."
        )
    return hosts.pop() if hosts else ""


def validate(meta: dict) -> dict:
    """Check and normalise client metadata; raise RegistrationError on the first problem."""
    name = (meta.get("name") or "").strip()
    if not name or len(name) > 200:
        raise RegistrationError("name: required, at most 200 characters.")
    grant_types = list(dict.fromkeys(meta.get("grant_types") or ["authorization_code"]))
    for grant in grant_types:
        if grant not in GRANT_TYPES:
            raise RegistrationError(f"grant_types: {grant!r} is not one of {', '.join(GRANT_TYPES)}.")
    if "refresh_token" in grant_types and "authorization_code" not in grant_types:
        raise RegistrationError("grant_types: refresh_token needs authorization_code.")
    method = meta.get("token_endpoint_auth_method") or "client_secret_basic"
    if method not in AUTH_METHODS:
        raise RegistrationError(f"token_endpoint_auth_method: {method!r} is not supported.")
    if method == PUBLIC and "client_credentials" in grant_types:
        raise RegistrationError("grant_types: a public client cannot use client_credentials.")
    redirect_uris = [_check_uri(u, "redirect_uris") for u in meta.get("redirect_uris") or []]
    if "authorization_code" in grant_types and not redirect_uris:
        raise RegistrationError("redirect_uris: at least one is needed for authorization_code.")
    logout_uris = [
        _check_uri(u, "post_logout_redirect_uris")
        for u in meta.get("post_logout_redirect_uris") or []
    ]
    jwks, jwks_uri = meta.get("jwks"), meta.get("jwks_uri")
    if method == "private_key_jwt":
        if bool(jwks) == bool(jwks_uri):
            raise RegistrationError("private_key_jwt needs exactly one of jwks or jwks_uri.")
        if jwks:
            jwks = _check_jwks(jwks)
        elif not jwks_uri.startswith("https://"):
            raise RegistrationError("jwks_uri: must be an https URL.")
        else:
            _check_uri(jwks_uri, "jwks_uri")
    elif jwks or jwks_uri:
        raise RegistrationError("jwks and jwks_uri are only for private_key_jwt clients.")
    scopes = list(dict.fromkeys((meta.get("scope") or "openid profile email").split()))
    for scope in scopes:
        if scope not in SCOPES:
            raise RegistrationError(f"scope: {scope!r} is not one of {', '.join(SCOPES)}.")
    alg = meta.get("id_token_signed_response_alg") or "RS256"
    if alg not in ID_TOKEN_ALGS:
        raise RegistrationError(f"id_token_signed_response_alg: {alg!r} is not one of "
                                f"{', '.join(ID_TOKEN_ALGS)} (never none or HS*).")
    subject_type = meta.get("subject_type") or "pairwise"
    if subject_type not in SUBJECT_TYPES:
        raise RegistrationError("subject_type: must be pairwise or public.")
    min_level = meta.get("min_level", 1)
    if min_level not in (1, 2):
        raise RegistrationError("min_level: must be 1 or 2.")
    sector_uri = meta.get("sector_identifier_uri") or None
    verified_claims_allowed = meta.get("verified_claims_allowed", False)
    if not isinstance(verified_claims_allowed, bool):
        raise RegistrationError("verified_claims_allowed: must be true or false.")
    require_par = meta.get("require_pushed_authorization_requests", False)
    if not isinstance(require_par, bool):
        raise RegistrationError("require_pushed_authorization_requests: must be true or false.")
    if require_par and "authorization_code" not in grant_types:
        raise RegistrationError("require_pushed_authorization_requests: only for clients "
                                "using authorization_code.")
    return {
        "name": name,
        "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": logout_uris,
        "grant_types": grant_types,
        "token_endpoint_auth_method": method,
        "jwks": jwks or None,
        "jwks_uri": jwks_uri or None,
        "scope": " ".join(scopes),
        "id_token_signed_response_alg": alg,
        "subject_type": subject_type,
        "sector_identifier_uri": sector_uri,
        "sector_identifier": _sector(redirect_uris, sector_uri, subject_type),
        "min_level": min_level,
        "verified_claims_allowed": verified_claims_allowed,
        "require_pushed_authorization_requests": require_par,
    }


def _needs_secret(method: str) -> bool:
    return method in ("client_secret_basic", "client_secret_post")


def new_client_id() -> str:
    """144 random bits, URL-safe, never starting with "-" (a command line would read an option)."""
    while (client_id := secrets.token_urlsafe(18))[0] in "-_":
        pass
    return client_id


def create(meta: dict, client_id: str | None = None) -> Registered:
    fields = validate(meta)
    if client_id is None:
        client_id = new_client_id()
    elif not CLIENT_ID_PATTERN.match(client_id):
        raise RegistrationError("client_id: 3-64 characters of A-Z a-z 0-9 . _ -")
    if db.session.scalar(db.select(Client.id).where(Client.client_id == client_id)):
        raise RegistrationError(f"client_id: {client_id} is already registered.")
    secret = secrets.token_urlsafe(32) if _needs_secret(fields["token_endpoint_auth_method"]) else None
    client = Client(client_id=client_id, client_secret_hash=secret and hash_secret(secret), **fields)
    db.session.add(client)
    db.session.commit()
    return Registered(client, secret)


def update(client: Client, changes: dict) -> Registered:
    """Apply changed metadata; a switch to a secret-based method issues a new secret."""
    current = {
        "name": client.name,
        "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "grant_types": client.grant_types,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "jwks": client.jwks,
        "jwks_uri": client.jwks_uri,
        "scope": client.scope,
        "id_token_signed_response_alg": client.id_token_signed_response_alg,
        "subject_type": client.subject_type,
        "sector_identifier_uri": client.sector_identifier_uri,
        "min_level": client.min_level,
        "verified_claims_allowed": client.verified_claims_allowed,
        "require_pushed_authorization_requests": client.require_pushed_authorization_requests,
    }
    merged = {**current, **{k: v for k, v in changes.items() if v is not None}}
    fields = validate(merged)
    secret = None
    if _needs_secret(fields["token_endpoint_auth_method"]) and not client.client_secret_hash:
        secret = secrets.token_urlsafe(32)
        client.client_secret_hash = hash_secret(secret)
    elif not _needs_secret(fields["token_endpoint_auth_method"]):
        client.client_secret_hash = None
    for name, value in fields.items():
        setattr(client, name, value)
    db.session.commit()
    return Registered(client, secret)


def rotate_secret(client: Client) -> str:
    if not _needs_secret(client.token_endpoint_auth_method):
        raise RegistrationError(
            f"{client.client_id} authenticates with {client.token_endpoint_auth_method}; "
            "it has no secret to rotate."
        )
    secret = secrets.token_urlsafe(32)
    client.client_secret_hash = hash_secret(secret)
    db.session.commit()
    return secret


def set_disabled(client: Client, disabled: bool = True) -> Client:
    client.disabled = disabled
    db.session.commit()
    return client


def find(client_id: str) -> Client | None:
    return db.session.scalar(db.select(Client).where(Client.client_id == client_id))
