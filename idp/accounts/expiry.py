"""The daily expiry check: a passport or travel document, or a residence card, past its expiry
date locks the account (Decree 69/2024/ND-CP Art. 15(2), reasons 3 and 4); a lock whose
document is valid again lifts (Art. 15(3)). Idempotent; one transaction per account."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_

from ..extensions import db
from . import lifecycle
from .locks import CARD_EXPIRED
from .locks import DOCUMENT_EXPIRED
from .locks import IN_FORCE
from .locks import AccountLock
from .models import CLOSED
from .models import Account

REQUESTED_BY = "expiry check"


def expired_reasons(account: Account, today: date) -> set[str]:
    reasons = set()
    if account.document_expires is not None and account.document_expires < today:
        reasons.add(DOCUMENT_EXPIRED)
    if account.residence_card_expires is not None and account.residence_card_expires < today:
        reasons.add(CARD_EXPIRED)
    return reasons


def check(*, today: date, actor: str) -> dict:
    """Lock what has expired, lift what was renewed; returns the identification numbers."""
    locked, restored = [], []
    expiring = db.select(Account.id).where(
        Account.status != CLOSED,
        or_(Account.document_expires < today, Account.residence_card_expires < today))
    with_expiry_locks = db.select(AccountLock.account_id).where(
        AccountLock.state == IN_FORCE, AccountLock.reason.in_(lifecycle.EXPIRY_REASONS))
    ids = sorted(set(db.session.scalars(expiring)) | set(db.session.scalars(with_expiry_locks)))
    for account_id in ids:
        account = db.session.get(Account, account_id)
        if account.status == CLOSED:
            continue
        due = expired_reasons(account, today)
        in_force = {lk.reason for lk in lifecycle.locks_in_force(account)}
        for reason in sorted(due - in_force):
            lifecycle.lock(account, reason, source="registry_sync", requested_by=REQUESTED_BY,
                           actor=actor)
            locked.append(account.identification_number)
        renewed = (in_force & set(lifecycle.EXPIRY_REASONS)) - due
        if lifecycle.lift_automatic(account, renewed, actor=actor,
                                    why="the document is valid again"):
            restored.append(account.identification_number)
        db.session.commit()
    return {"locked": locked, "restored": restored}
