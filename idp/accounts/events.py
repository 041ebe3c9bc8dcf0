"""The holder's activity log: sign-ins, step-ups, and which service received which claims when
(SEC-95). Written in the transaction of what it records, and echoed to the security-event
stream (idp.security_log, SEC-91) when that transaction commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from .. import security_log
from ..clock import now
from ..extensions import db

SIGN_IN = "sign_in"
STEP_UP = "step_up"
CLAIMS_RELEASED = "claims_released"
CONSENT_REVOKED = "consent_revoked"
FACTOR_ADDED = "factor_added"
FACTOR_REMOVED = "factor_removed"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name
SESSIONS_ENDED = "sessions_ended"
# Lifecycle and registry sync (accounts/lifecycle.py, registry/sync.py).
ACCOUNT_LOCKED = "account_locked"
ACCOUNT_RESTORED = "account_restored"
LOCK_REFUSED = "lock_refused"
IDENTITY_CHANGED = "identity_changed"

# The security-event name of each kind; any other kind is `account.<kind>`. Sign-ins and step-ups
# are None here: authn logs every attempt where it happens, failures with successes.
SECURITY_EVENTS = {
    SIGN_IN: None,
    STEP_UP: None,
    CLAIMS_RELEASED: "claims.released",
    CONSENT_REVOKED: "consent.revoked",
    FACTOR_ADDED: "factor.added",
    FACTOR_REMOVED: "factor.removed",
    PASSWORD_CHANGED: "password.changed",
    SESSIONS_ENDED: "session.ended",
    ACCOUNT_LOCKED: "account.locked",
    ACCOUNT_RESTORED: "account.restored",
    LOCK_REFUSED: "account.lock_refused",
    IDENTITY_CHANGED: "account.identity_changed",
}
# Details that are codes or counts; the rest (names, references, fields) stays in the table.
LOGGED_DETAILS = ("factor", "reason", "status", "count", "by", "acr", "level")


class AccountEvent(db.Model):
    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=now)
    kind: Mapped[str] = mapped_column(String(40))
    client_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


def record(account_id: int, kind: str, client_id: str | None = None, **details) -> None:
    """Add to the current transaction; the caller commits with the change it describes."""
    db.session.add(AccountEvent(account_id=account_id, kind=kind, client_id=client_id,
                                details=details))
    name = SECURITY_EVENTS.get(kind, f"account.{kind}")
    if name is not None:
        logged = {k: details[k] for k in LOGGED_DETAILS if k in details}
        security_log.emit_on_commit(name, result="success", account_id=account_id,
                                    client_id=client_id, **logged)


def recent(account_id: int, limit: int = 50) -> list[AccountEvent]:
    return list(db.session.scalars(
        db.select(AccountEvent).where(AccountEvent.account_id == account_id)
        .order_by(AccountEvent.id.desc()).limit(limit)))
