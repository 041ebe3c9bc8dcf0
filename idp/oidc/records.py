"""Reading our own tokens back: for introspection, revocation and userinfo.

An access token is active while its signature and `exp` hold, its grant is not revoked or
past its absolute lifetime, its account is active and its client is enabled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property

from flask import current_app
from joserfc.errors import JoseError
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy import update

from .. import security_log
from ..accounts.models import ACTIVE
from ..accounts.models import Account
from ..clients import cache as client_cache
from ..clients.models import Client
from ..clock import from_timestamp
from ..clock import now
from ..clock import timestamp
from ..extensions import db
from ..signing import get_keyring
from .models import Grant
from .models import RefreshToken
from .models import RevokedToken
from .tokens import ACCESS_TOKEN_TYP
from .tokens import token_hash

MAX_TOKEN_LENGTH = 8192  # SEC-86: refuse before any crypto work


def _grant_is_live(grant: Grant | None, account: Account | None, client: Client | None) -> bool:
    return (
        grant is not None
        and grant.revoked_at is None
        and grant.expires_at > now()
        and account is not None
        and account.is_active
        and client is not None
        and not client.disabled
    )


_LIVENESS = (Grant.account_id, Grant.revoked_at, Grant.expires_at, Grant.verified_claims_request,
             Account.status, Client.disabled)


def _liveness_query(*entities):
    return (select(*entities, *_LIVENESS).select_from(Grant)
            .join(Account, Account.id == Grant.account_id)
            .join(Client, Client.client_id == Grant.client_id)
            .where(Grant.id == bindparam("grant_id")))


# Built once: composing a statement costs more Python than running it (bench/PROFILE.md).
_LIVENESS_QUERY = _liveness_query()
_LIVENESS_WITH_ACCOUNT_QUERY = _liveness_query(Account)
_REFRESH_QUERY = (select(RefreshToken, Grant, Account)
                  .join(Grant, Grant.id == RefreshToken.grant_id)
                  .join(Account, Account.id == Grant.account_id)
                  .where(RefreshToken.token_hash == bindparam("token_hash")))


def _grant_liveness(grant_id: str, *, with_account: bool) -> dict:
    """The fields of an AccessTokenRecord from one indexed join: plain columns for
    introspection, the account entity as well for UserInfo (bench/PROFILE.md)."""
    query = _LIVENESS_WITH_ACCOUNT_QUERY if with_account else _LIVENESS_QUERY
    row = db.session.execute(query, {"grant_id": grant_id}).first()
    if row is None:
        return {"live": False}
    live = (row.revoked_at is None and row.expires_at > now() and row.status == ACTIVE
            and not row.disabled)
    return {"live": live, "account_id": row.account_id,
            "account": row.Account if with_account else None,
            "requests": row.verified_claims_request or {}}


@dataclass
class AccessTokenRecord:
    claims: dict
    live: bool
    account_id: int | None = None
    account: Account | None = None  # loaded for UserInfo only
    requests: dict = field(default_factory=dict)  # the grant's verified_claims requests
    kind = "access_token"

    @property
    def grant_id(self) -> str | None:
        return self.claims.get("gid")

    @cached_property
    def client(self) -> Client | None:
        return client_cache.lookup(self.claims["client_id"])

    @property
    def client_id(self) -> str:
        return self.claims["client_id"]

    def check_client(self, client) -> bool:
        return self.client_id == client.client_id

    def is_expired(self) -> bool:
        return self.claims["exp"] <= timestamp()

    def is_revoked(self) -> bool:
        return not self.live

    def get_scope(self) -> str:
        return self.claims.get("scope", "")


@dataclass
class RefreshTokenRecord:
    row: RefreshToken
    grant: Grant
    account: Account
    client: Client
    kind = "refresh_token"

    @property
    def client_id(self) -> str:
        return self.grant.client_id

    def check_client(self, client) -> bool:
        return self.grant.client_id == client.client_id

    def is_expired(self) -> bool:
        current = now()
        return self.row.expires_at <= current or self.grant.expires_at <= current

    def is_revoked(self) -> bool:
        return self.row.used_at is not None or not _grant_is_live(
            self.grant, self.account, self.client
        )

    def get_scope(self) -> str:
        return self.grant.scope


def read_access_token(token: str, *, with_account: bool = False) -> AccessTokenRecord | None:
    """Verify one of our JWT access tokens; None if it is not one (forged, ID token, garbage).
    `with_account` loads the account in the same query as the grant's liveness (UserInfo)."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        return None
    try:
        decoded = get_keyring().verify(token)
    except (JoseError, ValueError, TypeError):
        return None
    claims = dict(decoded.claims)
    if decoded.header.get("typ") != ACCESS_TOKEN_TYP:
        return None  # RFC 9068 §4: an ID token is not an access token
    if claims.get("iss") != current_app.config["ISSUER"] or not isinstance(claims.get("exp"), int):
        return None
    if "gid" in claims:
        return AccessTokenRecord(claims, **_grant_liveness(claims["gid"], with_account=with_account))
    client = client_cache.lookup(claims["client_id"])
    revoked = db.session.get(RevokedToken, claims["jti"]) is not None
    return AccessTokenRecord(claims, client is not None and not client.disabled and not revoked)


def read_refresh_token(token: str) -> RefreshTokenRecord | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = db.session.execute(_REFRESH_QUERY, {"token_hash": token_hash(token)}).first()
    if row is None:
        return None
    refresh, grant, account = row
    return RefreshTokenRecord(refresh, grant, account, client_cache.lookup(grant.client_id))


def read_token(token: str, hint: str | None):
    """RFC 7009 §2.1 / RFC 7662 §2.1: the hint orders the search but does not limit it."""
    readers = [read_access_token, read_refresh_token]
    if hint == "refresh_token":
        readers.reverse()
    for reader in readers:
        record = reader(token)
        if record is not None:
            return record
    return None


def revoke_grant(grant_id: str, reason: str) -> bool:
    """End a token family at once: its refresh tokens fail and its access tokens go inactive.
    True if it was live until now."""
    revoked = db.session.execute(
        update(Grant)
        .where(Grant.id == grant_id, Grant.revoked_at.is_(None))
        .values(revoked_at=now(), revoked_reason=reason)
    ).rowcount
    db.session.commit()
    return revoked == 1


def revoke_grants(account_id: int, reason: str, *, client_id: str | None = None,
                  sids: Iterable[str] | None = None) -> int:
    """End the account's token families at one client, or bound to these sessions (or all).

    RFC 7009 §2.1: the tokens of a revoked grant all stop, refresh and access alike. Part of the
    caller's transaction (no commit), so the change it follows and its events (the caller's, and
    `token.revoked` here: SEC-91) commit together.
    """
    statement = (update(Grant)
                 .where(Grant.account_id == account_id, Grant.revoked_at.is_(None))
                 .values(revoked_at=now(), revoked_reason=reason))
    if client_id is not None:
        statement = statement.where(Grant.client_id == client_id)
    if sids is not None:
        statement = statement.where(Grant.sid.in_(list(sids)))
    count = db.session.execute(statement).rowcount
    if count:
        security_log.emit_on_commit("token.revoked", result="success", reason=reason,
                                    account_id=account_id, client_id=client_id, grants=count)
    return count


def revoke_access_token(claims: dict) -> None:
    """A grant-less access token (client_credentials) is listed until it would have expired."""
    if db.session.get(RevokedToken, claims["jti"]) is None:
        db.session.add(RevokedToken(jti=claims["jti"], expires_at=from_timestamp(claims["exp"])))
        db.session.commit()
