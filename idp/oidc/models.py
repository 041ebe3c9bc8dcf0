"""Durable protocol state: grants (one per code redemption), their refresh tokens, revocations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..clock import now
from ..extensions import db


class Grant(db.Model):
    """A token family: what one authorization code started. Revoking it ends every token in it.

    It carries the authentication context (acr, amr, auth_time, sid) that access tokens,
    refreshed ID tokens and introspection repeat.
    """

    __tablename__ = "grants"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    client_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(500))
    acr: Mapped[str] = mapped_column(String(64))
    amr: Mapped[list] = mapped_column(JSON)
    auth_time: Mapped[int]
    sid: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    # The authorization request's `verified_claims` requests (OIDC4IDA §5.3), repeated at
    # UserInfo and in refreshed ID tokens; read with the liveness columns in one query.
    verified_claims_request: Mapped[dict | None] = mapped_column(JSON)


class RefreshToken(db.Model):
    """Stored as a SHA-256 hash only. `used_at` set means rotated: presenting it again is reuse."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[str] = mapped_column(
        String(43), ForeignKey("grants.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RevokedToken(db.Model):
    """Access tokens revoked one by one (those without a grant, e.g. client_credentials)."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime]
