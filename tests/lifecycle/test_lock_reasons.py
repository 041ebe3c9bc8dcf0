"""Every lock reason of Decree 69/2024/ND-CP Art. 15 and the way (if any) it lifts."""

from __future__ import annotations

import pytest

from idp.accounts import events
from idp.accounts import lifecycle
from idp.accounts.locks import AccountLock
from idp.accounts.models import Account
from idp.audit import AuditEvent
from idp.extensions import db

from .helpers import act
from .helpers import audit_actions
from .helpers import outbox
from .helpers import status

HAND_LIFTED = ["holder_request", "terms_breach"]
EXPIRY = ["document_expired", "card_expired"]
FINAL = ["death", "number_cancelled"]


def _lock(app, account, reason, source="operator"):
    return act(app, account, lambda a: lifecycle.lock(
        a, reason, source=source, requested_by="Officer Tran, Hanoi office", actor="staff:tran"))


def _lift(app, lock, reason="the holder asked in person"):
    with app.app_context():
        row = db.session.get(AccountLock, lock.id)
        lifecycle.lift(row, actor="staff:tran", reason=reason)
        db.session.commit()


@pytest.mark.parametrize("reason", HAND_LIFTED)
def test_a_lock_that_is_lifted_by_hand_locks_and_restores(app, factories, reason):
    account = factories.account()
    lock = _lock(app, account, reason)
    assert status(app, account) == "locked"
    assert outbox(app, "locked") == [("locked", "email", account.email),
                                     ("locked", "sms", account.phone_number)]
    _lift(app, lock)
    assert status(app, account) == "active"
    assert [kind for kind, *_ in outbox(app)] == ["locked", "locked", "restored", "restored"]
    assert audit_actions(app) == ["account.lock", "account.restore"]
    row = lock_row_of(app, lock)
    assert (row.state, row.requested_by, row.decided_by, row.lifted_by) == (
        "lifted", "Officer Tran, Hanoi office", "staff:tran", "staff:tran")
    assert row.decided_at and row.lifted_at and row.lift_reason == "the holder asked in person"


def lock_row_of(app, lock):
    with app.app_context():
        row = db.session.get(AccountLock, lock.id)
        db.session.expunge(row)
        return row


@pytest.mark.parametrize("reason", EXPIRY)
def test_an_expiry_lock_waits_for_the_registry_not_for_a_person(app, factories, reason):
    account = factories.account()
    lock = _lock(app, account, reason, source="registry_sync")
    with pytest.raises(lifecycle.LifecycleError, match="lifts by itself"):
        _lift(app, lock)
    assert status(app, account) == "locked"
    lifted = act(app, account, lambda a: lifecycle.lift_automatic(
        a, [reason], actor="registry_sync", why="renewal synced"))
    assert len(lifted) == 1
    assert status(app, account) == "active"
    assert outbox(app, "restored")


@pytest.mark.parametrize("reason", FINAL)
def test_death_and_cancellation_close_the_account_for_good(app, factories, reason):
    account = factories.account()
    lock = _lock(app, account, reason, source="registry_sync")
    assert status(app, account) == "closed"
    with pytest.raises(lifecycle.LifecycleError, match="final"):
        _lift(app, lock)
    assert act(app, account, lambda a: lifecycle.lift_automatic(
        a, [reason], actor="registry_sync", why="no")) == []
    with pytest.raises(lifecycle.LifecycleError, match="closed"):
        _lock(app, account, "holder_request")
    assert status(app, account) == "closed"
    assert not outbox(app, "restored")


def test_the_account_stays_locked_until_its_last_lock_lifts(app, factories):
    account = factories.account()
    own = _lock(app, account, "holder_request")
    _lock(app, account, "card_expired", source="registry_sync")
    _lift(app, own)
    assert status(app, account) == "locked"
    act(app, account, lambda a: lifecycle.lift_automatic(a, ["card_expired"], actor="sync",
                                                         why="renewed"))
    assert status(app, account) == "active"


def test_a_final_lock_on_a_locked_account_closes_it(app, factories):
    account = factories.account()
    _lock(app, account, "holder_request")
    _lock(app, account, "death", source="registry_sync")
    assert status(app, account) == "closed"


def test_locking_twice_for_one_reason_keeps_one_lock(app, factories):
    account = factories.account()
    first = _lock(app, account, "card_expired", source="registry_sync")
    second = _lock(app, account, "card_expired", source="registry_sync")
    assert first.id == second.id
    assert len(outbox(app, "locked")) == 2  # one e-mail and one SMS, not four


def test_a_lock_records_reason_source_and_who_asked_and_the_holder_sees_it(app, factories):
    account = factories.account()
    _lock(app, account, "terms_breach")
    with app.app_context():
        kinds = [e.kind for e in events.recent(account.id)]
        audit = db.session.scalars(db.select(AuditEvent)).one()
    assert kinds == ["account_locked"]
    assert audit.actor == "staff:tran" and audit.target == f"account:{account.id}"
    assert audit.details["reason"] == "terms_breach" and audit.details["source"] == "operator"
    assert audit.details["requested_by"] == "Officer Tran, Hanoi office"


def test_a_lock_needs_who_asked_and_a_known_reason(app, factories):
    account = factories.account()
    with app.app_context(), pytest.raises(lifecycle.LifecycleError, match="who asked"):
        lifecycle.lock(db.session.get(Account, account.id), "terms_breach", source="operator",
                       requested_by="  ", actor="staff:tran")
    with app.app_context(), pytest.raises(lifecycle.LifecycleError, match="unknown reason"):
        lifecycle.lock(db.session.get(Account, account.id), "bored", source="operator",
                       requested_by="x", actor="staff:tran")
    with app.app_context(), pytest.raises(lifecycle.LifecycleError, match="reviewed first"):
        lifecycle.lock(db.session.get(Account, account.id), "authority_request",
                       source="authority", requested_by="Court", actor="staff:tran")
    assert status(app, account) == "active"
