"""Reading what a lock left behind: the account, its locks, the outbox and the audit log."""

from __future__ import annotations

from idp.accounts.locks import AccountLock
from idp.accounts.models import Account
from idp.audit import AuditEvent
from idp.extensions import db
from idp.notify.models import Notification


def status(app, account) -> str:
    with app.app_context():
        return db.session.get(Account, account.id).status


def outbox(app, kind: str | None = None) -> list[tuple[str, str, str]]:
    """(kind, channel, recipient) of every queued notification, oldest first."""
    with app.app_context():
        query = db.select(Notification).order_by(Notification.id)
        if kind:
            query = query.where(Notification.kind == kind)
        return [(n.kind, n.channel, n.recipient) for n in db.session.scalars(query)]


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def lock_row(app, lock_id: int) -> AccountLock:
    with app.app_context():
        row = db.session.get(AccountLock, lock_id)
        db.session.expunge(row)
        return row


def act(app, account, change):
    """Run `change(stored_account)` in a transaction and commit; returns its result detached."""
    with app.app_context():
        stored = db.session.get(Account, account.id)
        result = change(stored)
        db.session.commit()
        if isinstance(result, AccountLock):
            db.session.refresh(result)
            db.session.expunge(result)
        return result
