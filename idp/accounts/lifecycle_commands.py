"""`flask --app idp accounts lock|restore|locks|lock-review|expire`: the lifecycle for operators
and scripts (Decree 69/2024/ND-CP Art. 15). Options in, --json out, one-line errors."""

from __future__ import annotations

import getpass

import click

from ..cli import emit
from ..cli import fail
from ..cli import json_option
from ..clock import now
from ..extensions import db
from . import expiry
from . import lifecycle
from .commands import accounts_cli
from .locks import REASONS
from .locks import SOURCES
from .locks import AccountLock
from .models import Account


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _account(identification_number: str) -> Account:
    account = db.session.scalar(db.select(Account).where(
        Account.identification_number == identification_number.strip()))
    if account is None:
        fail(f"No account with identification number {identification_number!r}.")
    return account


def _lock_row(lock_id: int) -> AccountLock:
    row = db.session.get(AccountLock, lock_id)
    if row is None:
        fail(f"No lock {lock_id}.")
    return row


def _commit_or_fail(change):
    """Run one lifecycle change and commit it, or roll back and stop with its reason."""
    try:
        result = change()
    except lifecycle.LifecycleError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    return result


def _line(data: dict) -> str:
    due = data["decide_due"] or data["forward_due"]
    late = " OVERDUE" if data["overdue"] else ""
    return (f"lock {data['id']} account {data['account_id']} {data['reason']} {data['state']}"
            f"{f' due {due}' if due and data['state'] in lifecycle.OPEN_STATES else ''}{late}")


@accounts_cli.command("lock")
@click.argument("identification_number")
@click.option("--reason", required=True, type=click.Choice(REASONS))
@click.option("--source", required=True, type=click.Choice(SOURCES))
@click.option("--requested-by", required=True, help="Who asked (name, office, reference).")
@click.option("--legal-basis", help="The written request's reference; required for review.")
@json_option
def lock_account(identification_number, reason, source, requested_by, legal_basis, as_json):
    """Lock an account now, or record an authority's / service user's request for review."""
    account = _account(identification_number)
    if reason in lifecycle.REVIEWED_REASONS:
        row = _commit_or_fail(lambda: lifecycle.request_lock(
            account, reason, source=source, requested_by=requested_by, legal_basis=legal_basis,
            actor=_actor()))
    else:
        row = _commit_or_fail(lambda: lifecycle.lock(
            account, reason, source=source, requested_by=requested_by, actor=_actor(),
            legal_basis=legal_basis))
    data = lifecycle.summary(row) | {"account_status": account.status}
    emit(data, as_json, _line(data) + f" (account {account.status})")


@accounts_cli.command("restore")
@click.argument("identification_number")
@click.option("--lock", "lock_id", required=True, type=int, help="The lock to lift.")
@click.option("--reason", required=True, help="Why the lock lifts (recorded and audited).")
@json_option
def restore(identification_number, lock_id, reason, as_json):
    """Lift one lock of an account; the account is active again when no lock remains."""
    account = _account(identification_number)
    row = _lock_row(lock_id)
    if row.account_id != account.id:
        fail(f"Lock {lock_id} is not a lock of account {identification_number}.")
    _commit_or_fail(lambda: lifecycle.lift(row, actor=_actor(), reason=reason))
    data = lifecycle.summary(row) | {"account_status": account.status}
    emit(data, as_json, _line(data) + f" (account {account.status})")


@accounts_cli.command("locks")
@click.option("--pending", is_flag=True, help="Only requests awaiting review or a decision.")
@click.option("--account", "identification_number", help="Only this account's locks.")
@json_option
def list_locks(pending, identification_number, as_json):
    """Lock requests and locks, with their states and deadlines."""
    query = db.select(AccountLock).order_by(AccountLock.id)
    if pending:
        query = query.where(AccountLock.state.in_(lifecycle.OPEN_STATES))
    if identification_number:
        query = query.where(AccountLock.account_id == _account(identification_number).id)
    rows = [lifecycle.summary(row) for row in db.session.scalars(query)]
    emit(rows, as_json, "\n".join(_line(row) for row in rows) or "No locks.")


@accounts_cli.command("lock-review")
@click.argument("lock_id", type=int)
@click.argument("action", type=click.Choice(["forward", "approve", "refuse"]))
@click.option("--reason", help="Written reasons; required to refuse.")
@json_option
def lock_review(lock_id, action, reason, as_json):
    """Forward a lock request, or decide it (approve, or refuse with written reasons)."""
    row = _lock_row(lock_id)
    if action == "forward":
        _commit_or_fail(lambda: lifecycle.forward(row, actor=_actor()))
    else:
        _commit_or_fail(lambda: lifecycle.decide(row, actor=_actor(), approve=action == "approve",
                                                 refusal_reason=reason))
    data = lifecycle.summary(row)
    emit(data, as_json, _line(data))


@accounts_cli.command("expire")
@json_option
def expire(as_json):
    """Lock accounts whose passport or residence card has expired (run daily; idempotent)."""
    result = expiry.check(today=now().date(), actor=_actor())
    emit(result, as_json, f"locked: {len(result['locked'])}, restored: {len(result['restored'])}")
