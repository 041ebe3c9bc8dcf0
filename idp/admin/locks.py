"""Locks in the console: the review queue with its working-day deadlines, an account's lock
history, and the forms to lock, forward, decide and lift (Decree 69/2024/ND-CP Art. 15).

Officers act, admins may do everything, auditors read. Every change goes through
accounts/lifecycle.py and is audited there, in the same transaction.
"""

from __future__ import annotations

from flask import abort
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from ..accounts import lifecycle
from ..accounts.locks import FINAL_REASONS
from ..accounts.locks import REASONS
from ..accounts.locks import SOURCES
from ..accounts.locks import AccountLock
from ..accounts.models import Account
from ..clock import now
from ..extensions import db
from . import bp
from .guards import requires_role


def _account(identification_number: str) -> Account:
    account = db.session.scalar(db.select(Account).where(
        Account.identification_number == identification_number))
    if account is None:
        abort(404)
    return account


def _lock(lock_id: int) -> AccountLock:
    row = db.session.get(AccountLock, lock_id)
    if row is None:
        abort(404)
    return row


@bp.get("/locks")
@requires_role("officer", "auditor")
def locks():
    """Open requests first (oldest first), then the most recent decisions."""
    wanted = request.args.get("number", "").strip()
    if wanted:
        return redirect(url_for("admin.account_locks", identification_number=wanted), 303)
    recent = db.session.scalars(db.select(AccountLock)
                                .where(AccountLock.state.not_in(lifecycle.OPEN_STATES))
                                .order_by(AccountLock.id.desc()).limit(100)).all()
    pending = lifecycle.pending()
    ids = {row.account_id for row in [*pending, *recent]}
    numbers = {row.id: row.identification_number for row in db.session.execute(
        db.select(Account.id, Account.identification_number).where(Account.id.in_(ids)))}
    return render_template("admin/locks.html", pending=pending, recent=recent,
                           numbers=numbers, today=now().date(), lifecycle=lifecycle)


def _account_page(account, error=None, status=200):
    return render_template("admin/locks_account.html", account=account,
                           rows=lifecycle.history(account), today=now().date(), error=error,
                           reasons=REASONS, sources=SOURCES, final_reasons=FINAL_REASONS,
                           lifecycle=lifecycle), status


@bp.get("/locks/account/<identification_number>")
@requires_role("officer", "auditor")
def account_locks(identification_number):
    return _account_page(_account(identification_number))


def _apply(account, change):
    """Run one lifecycle change; on refusal show the account page with the reason."""
    try:
        change()
    except lifecycle.LifecycleError as exc:
        db.session.rollback()
        return _account_page(db.session.get(Account, account.id), error=str(exc), status=400)
    db.session.commit()
    return redirect(url_for("admin.account_locks",
                            identification_number=account.identification_number), 303)


@bp.post("/locks/account/<identification_number>")
@requires_role("officer")
def lock_account(identification_number):
    account = _account(identification_number)
    form = request.form
    reason, source = form.get("reason", ""), form.get("source", "")
    who, basis = form.get("requested_by", ""), form.get("legal_basis", "")
    if reason in lifecycle.REVIEWED_REASONS:
        return _apply(account, lambda: lifecycle.request_lock(
            account, reason, source=source, requested_by=who, legal_basis=basis,
            actor=g.staff.actor))
    return _apply(account, lambda: lifecycle.lock(
        account, reason, source=source, requested_by=who, actor=g.staff.actor,
        legal_basis=basis))


@bp.post("/locks/<int:lock_id>/forward")
@requires_role("officer")
def lock_forward(lock_id):
    row = _lock(lock_id)
    return _apply(db.session.get(Account, row.account_id),
                  lambda: lifecycle.forward(row, actor=g.staff.actor))


@bp.post("/locks/<int:lock_id>/decide")
@requires_role("officer")
def lock_decide(lock_id):
    row = _lock(lock_id)
    approve = request.form.get("decision") == "approve"
    return _apply(db.session.get(Account, row.account_id), lambda: lifecycle.decide(
        row, actor=g.staff.actor, approve=approve,
        refusal_reason=request.form.get("refusal_reason")))


@bp.post("/locks/<int:lock_id>/lift")
@requires_role("officer")
def lock_lift(lock_id):
    row = _lock(lock_id)
    return _apply(db.session.get(Account, row.account_id), lambda: lifecycle.lift(
        row, actor=g.staff.actor, reason=request.form.get("reason", "")))
