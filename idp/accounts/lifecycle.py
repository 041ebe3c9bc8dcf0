"""Locking and restoring accounts: a small state machine over AccountLock rows (Decree 69/2024/
ND-CP Art. 15; domain research §1.6).

    immediate reasons          lock()  ─────────────────────────────► in_force ──lift()──► lifted
    authority / service user   request_lock() ► pending_review ─forward()► forwarded ─decide()─┤
                                                                            refused ◄───────────┘

- An account is `locked` while any lock is in force, `closed` when a final one is (death, the
  identification number cancelled: nothing lifts those), and active again when the last lifts.
- An authority's or a service user's request is reviewed: forwarded within 1 working day, decided
  within 2 (Art. 15(2)); a refusal carries written reasons; requester and holder are told.
- Expiry locks lift by themselves when the registry syncs a renewal (Art. 15(3): "no longer a
  basis"), through lift_automatic(); they cannot be lifted by hand.
- A lock takes effect at once: the account's sessions end and its token families are revoked.

Every function adds to the current transaction; the caller commits.
"""

from __future__ import annotations

from email.utils import parseaddr

from flask import current_app

from .. import audit
from ..authn import devices
from ..clock import now
from ..extensions import db
from ..notify import outbox
from ..oidc.records import revoke_grants
from ..workdays import add_working_days
from . import events
from .locks import AUTHORITY_REQUEST
from .locks import CARD_EXPIRED
from .locks import DOCUMENT_EXPIRED
from .locks import FINAL_REASONS
from .locks import FORWARDED
from .locks import HOLDER_REQUEST
from .locks import IN_FORCE
from .locks import LIFTED
from .locks import PENDING_REVIEW
from .locks import REASONS
from .locks import REFUSED
from .locks import SERVICE_USER_REQUEST
from .locks import SOURCES
from .locks import AccountLock
from .models import ACTIVE
from .models import CLOSED
from .models import LOCKED
from .models import PENDING
from .models import Account

REVIEWED_REASONS = (AUTHORITY_REQUEST, SERVICE_USER_REQUEST)
IMMEDIATE_REASONS = tuple(r for r in REASONS if r not in REVIEWED_REASONS)
EXPIRY_REASONS = (DOCUMENT_EXPIRED, CARD_EXPIRED)
OPEN_STATES = (PENDING_REVIEW, FORWARDED)
FORWARD_DAYS = 1  # working days to review and forward a request (Art. 15(2))
DECIDE_DAYS = 2  # working days to decide once forwarded


class LifecycleError(ValueError):
    """The transition is not allowed; the message says why in one line."""


def _holidays():
    return current_app.config.get("HOLIDAY_DATES", frozenset())


def _notify(account: Account, kind: str, **params) -> None:
    outbox.enqueue(account, kind, **params)


def _notify_requester(lock: AccountLock, kind: str, **params) -> None:
    """The requester hears the decision when `requested_by` carries an e-mail address
    ("Hanoi People's Court <clerk@court.example>")."""
    _, address = parseaddr(lock.requested_by)
    if "@" not in address:
        return
    outbox.enqueue_to(email=address, locale="vi", kind=kind, **params)


def locks_in_force(account: Account) -> list[AccountLock]:
    return list(db.session.scalars(
        db.select(AccountLock).where(AccountLock.account_id == account.id,
                                     AccountLock.state == IN_FORCE).order_by(AccountLock.id)))


def history(account: Account) -> list[AccountLock]:
    return list(db.session.scalars(
        db.select(AccountLock).where(AccountLock.account_id == account.id)
        .order_by(AccountLock.id.desc())))


def _settle_status(account: Account) -> str:
    """locked while any lock is in force, closed when a final one is, else active (or pending
    if the holder never activated the account)."""
    in_force = {lock.reason for lock in locks_in_force(account)}
    if in_force & set(FINAL_REASONS):
        account.status = CLOSED
    elif in_force:
        account.status = LOCKED
    else:
        account.status = ACTIVE if account.activated_at else PENDING
    return account.status


def _check(account: Account, reason: str, source: str, requested_by: str) -> None:
    if reason not in REASONS:
        raise LifecycleError(f"unknown reason {reason!r}; one of {', '.join(REASONS)}.")
    if source not in SOURCES:
        raise LifecycleError(f"unknown source {source!r}; one of {', '.join(SOURCES)}.")
    if not (requested_by or "").strip():
        raise LifecycleError("who asked for the lock is required.")
    if account.status == CLOSED and reason not in FINAL_REASONS:
        raise LifecycleError("the account is closed (death or cancellation): that is final.")


def _take_effect(account: Account, lock: AccountLock, actor: str) -> None:
    """At once: status, sessions, tokens, audit, the holder's activity and a notification."""
    _settle_status(account)
    devices.end_all(account.id)
    revoke_grants(account.id, f"account_locked:{lock.reason}")
    audit.record(actor, "account.lock", f"account:{account.id}", lock_id=lock.id,
                 reason=lock.reason, source=lock.source, requested_by=lock.requested_by,
                 legal_basis=lock.legal_basis)
    events.record(account.id, events.ACCOUNT_LOCKED, reason=lock.reason, lock_id=lock.id)
    _notify(account, "locked", reason=lock.reason)


def lock(account: Account, reason: str, *, source: str, requested_by: str, actor: str,
         legal_basis: str | None = None) -> AccountLock:
    """Lock now, for a reason that needs no review. A lock already in force for the same reason
    is returned as it is (expiry checks and registry sync may run twice)."""
    if reason in REVIEWED_REASONS:
        raise LifecycleError("an authority's or a service user's request is reviewed first: "
                             "use a lock request.")
    _check(account, reason, source, requested_by)
    existing = next((lk for lk in locks_in_force(account) if lk.reason == reason), None)
    if existing is not None:
        return existing
    moment = now()
    row = AccountLock(account_id=account.id, reason=reason, source=source, state=IN_FORCE,
                      legal_basis=(legal_basis or "").strip() or None,
                      requested_by=requested_by.strip(), requested_at=moment,
                      decided_by=actor, decided_at=moment)
    db.session.add(row)
    db.session.flush()
    _take_effect(account, row, actor)
    return row


def request_lock(account: Account, reason: str, *, source: str, requested_by: str,
                 legal_basis: str | None, actor: str | None = None) -> AccountLock:
    """An authority's or a service user's request: recorded for review, due to be forwarded
    within 1 working day. The account stays as it is until the decision."""
    if reason not in REVIEWED_REASONS:
        raise LifecycleError("only an authority's or a service user's request is reviewed.")
    _check(account, reason, source, requested_by)
    if not (legal_basis or "").strip():
        raise LifecycleError("the legal basis (the written request's reference) is required.")
    moment = now()
    row = AccountLock(account_id=account.id, reason=reason, source=source, state=PENDING_REVIEW,
                      legal_basis=legal_basis.strip(), requested_by=requested_by.strip(),
                      requested_at=moment,
                      forward_due=add_working_days(moment.date(), FORWARD_DAYS, _holidays()))
    db.session.add(row)
    db.session.flush()
    audit.record(actor or requested_by, "account.lock_request", f"account:{account.id}",
                 lock_id=row.id, reason=reason, source=source, requested_by=row.requested_by,
                 legal_basis=row.legal_basis, forward_due=row.forward_due.isoformat())
    return row


def forward(lock_row: AccountLock, *, actor: str) -> AccountLock:
    """Reviewed and forwarded for a decision, due within 2 working days of forwarding."""
    if lock_row.state != PENDING_REVIEW:
        raise LifecycleError(f"lock {lock_row.id} is {lock_row.state}, not awaiting review.")
    moment = now()
    lock_row.state = FORWARDED
    lock_row.forwarded_by, lock_row.forwarded_at = actor, moment
    lock_row.decide_due = add_working_days(moment.date(), DECIDE_DAYS, _holidays())
    audit.record(actor, "account.lock_forward", f"account:{lock_row.account_id}",
                 lock_id=lock_row.id, decide_due=lock_row.decide_due.isoformat())
    return lock_row


def decide(lock_row: AccountLock, *, actor: str, approve: bool,
           refusal_reason: str | None = None) -> AccountLock:
    """Approve (the lock takes effect) or refuse with written reasons; both sides are told."""
    if lock_row.state != FORWARDED:
        raise LifecycleError(f"lock {lock_row.id} is {lock_row.state}: only a forwarded request "
                             "is decided.")
    account = db.session.get(Account, lock_row.account_id)
    refusal_reason = (refusal_reason or "").strip()
    if not approve and not refusal_reason:
        raise LifecycleError("a refusal needs written reasons.")
    if approve and account.status == CLOSED:
        raise LifecycleError("the account is closed (death or cancellation): that is final.")
    lock_row.decided_by, lock_row.decided_at = actor, now()
    if approve:
        lock_row.state = IN_FORCE
        _take_effect(account, lock_row, actor)
        _notify_requester(lock_row, "lock_request_approved", reason=lock_row.reason)
        return lock_row
    lock_row.state = REFUSED
    lock_row.refusal_reason = refusal_reason
    audit.record(actor, "account.lock_refuse", f"account:{account.id}", lock_id=lock_row.id,
                 refusal_reason=refusal_reason)
    events.record(account.id, events.LOCK_REFUSED, reason=lock_row.reason, lock_id=lock_row.id)
    _notify(account, "lock_refused", reason=refusal_reason)
    _notify_requester(lock_row, "lock_request_refused", reason=refusal_reason)
    return lock_row


def _lift(lock_row: AccountLock, account: Account, *, actor: str, reason: str) -> None:
    lock_row.state = LIFTED
    lock_row.lifted_by, lock_row.lifted_at, lock_row.lift_reason = actor, now(), reason
    db.session.flush()
    status = _settle_status(account)
    audit.record(actor, "account.restore", f"account:{account.id}", lock_id=lock_row.id,
                 reason=lock_row.reason, lift_reason=reason, status=status)
    events.record(account.id, events.ACCOUNT_RESTORED, reason=lock_row.reason,
                  lock_id=lock_row.id, status=status)
    _notify(account, "restored", reason=lock_row.reason)


def lift(lock_row: AccountLock, *, actor: str, reason: str) -> AccountLock:
    """Lift one lock by hand (the holder's own, a breach remedied, an authority's request to
    unlock). Death and cancellation are final; expiry locks wait for the registry."""
    if lock_row.state != IN_FORCE:
        raise LifecycleError(f"lock {lock_row.id} is {lock_row.state}, not in force.")
    if lock_row.reason in FINAL_REASONS:
        raise LifecycleError("death and cancellation of the identification number are final: "
                             "nothing lifts them.")
    if lock_row.reason in EXPIRY_REASONS:
        raise LifecycleError("an expiry lock lifts by itself when the registry has the renewed "
                             "document.")
    if not (reason or "").strip():
        raise LifecycleError("a reason for lifting the lock is required.")
    _lift(lock_row, db.session.get(Account, lock_row.account_id), actor=actor,
          reason=reason.strip())
    return lock_row


def lift_automatic(account: Account, reasons, *, actor: str, why: str) -> list[AccountLock]:
    """The basis for these locks is gone (e.g. a renewal synced): lift every one in force."""
    lifted = [lk for lk in locks_in_force(account)
              if lk.reason in reasons and lk.reason not in FINAL_REASONS]
    for lock_row in lifted:
        _lift(lock_row, account, actor=actor, reason=why)
    return lifted


def holder_may_restore(account: Account) -> bool:
    """Only the holder's own lock, and nothing else, keeps the account locked."""
    in_force = locks_in_force(account)
    return bool(in_force) and all(lk.reason == HOLDER_REQUEST for lk in in_force)


def summary(lock_row: AccountLock) -> dict:
    def iso(value):
        return value.isoformat() if value is not None else None

    return {
        "id": lock_row.id, "account_id": lock_row.account_id, "reason": lock_row.reason,
        "source": lock_row.source, "state": lock_row.state, "legal_basis": lock_row.legal_basis,
        "requested_by": lock_row.requested_by, "requested_at": iso(lock_row.requested_at),
        "forward_due": iso(lock_row.forward_due), "forwarded_by": lock_row.forwarded_by,
        "forwarded_at": iso(lock_row.forwarded_at), "decide_due": iso(lock_row.decide_due),
        "decided_by": lock_row.decided_by, "decided_at": iso(lock_row.decided_at),
        "refusal_reason": lock_row.refusal_reason, "lifted_by": lock_row.lifted_by,
        "lifted_at": iso(lock_row.lifted_at), "lift_reason": lock_row.lift_reason,
        "final": lock_row.reason in FINAL_REASONS,
        "overdue": is_overdue(lock_row, now().date()),
    }


def due_date(lock_row: AccountLock):
    """The deadline that applies now: forwarding while in review, deciding once forwarded."""
    if lock_row.state == PENDING_REVIEW:
        return lock_row.forward_due
    if lock_row.state == FORWARDED:
        return lock_row.decide_due
    return None


def is_overdue(lock_row: AccountLock, today) -> bool:
    due = due_date(lock_row)
    return due is not None and today > due


def pending(limit: int = 500) -> list[AccountLock]:
    return list(db.session.scalars(
        db.select(AccountLock).where(AccountLock.state.in_(OPEN_STATES))
        .order_by(AccountLock.requested_at).limit(limit)))

