"""An authority's or a service user's request: forwarded within 1 working day, decided within 2,
a refusal with written reasons; the requester and the holder hear the outcome (Decree 69 Art. 15)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from idp.accounts import lifecycle
from idp.accounts.locks import AccountLock
from idp.extensions import db

from ..conftest import make_app
from .helpers import act
from .helpers import outbox
from .helpers import status

COURT = "Hanoi People's Court <clerk@court.example>"
FRIDAY = "2026-11-27 09:00"  # Monday 30 November follows the weekend


def _request(app, account, reason="authority_request", source="authority", who=COURT):
    return act(app, account, lambda a: lifecycle.request_lock(
        a, reason, source=source, requested_by=who, legal_basis="Decision 12/2026/QD-TA",
        actor="staff:tran"))


def _review(app, lock, step, **kwargs):
    with app.app_context():
        row = db.session.get(AccountLock, lock.id)
        step(row, actor="staff:head", **kwargs)
        db.session.commit()
        db.session.refresh(row)
        db.session.expunge(row)
        return row


@time_machine.travel(FRIDAY, tick=False)
def test_deadlines_count_working_days_across_the_weekend(app, factories):
    account = factories.account()
    lock = _request(app, account)
    assert lock.state == "pending_review" and lock.forward_due == date(2026, 11, 30)
    assert status(app, account) == "active"  # nothing happens before the decision
    with time_machine.travel("2026-11-30 16:00", tick=False):
        forwarded = _review(app, lock, lifecycle.forward)
    assert forwarded.state == "forwarded" and forwarded.decide_due == date(2026, 12, 2)


def test_a_public_holiday_is_not_a_working_day(database_url, keys_dir, factories, app):
    holiday_app = make_app(database_url, keys_dir, HOLIDAYS=["2026-11-30"])
    account = factories.account()
    with time_machine.travel(FRIDAY, tick=False):
        lock = _request(holiday_app, account)
    assert lock.forward_due == date(2026, 12, 1)


def test_a_late_request_shows_as_overdue(app, factories):
    account = factories.account()
    with time_machine.travel(FRIDAY, tick=False):
        lock = _request(app, account)
    with app.app_context(), time_machine.travel("2026-12-01 08:00", tick=False):
        row = db.session.get(AccountLock, lock.id)
        assert lifecycle.summary(row)["overdue"] is True
        assert [r.id for r in lifecycle.pending()] == [lock.id]


def test_an_approved_request_locks_and_both_sides_are_told(app, factories):
    account = factories.account()
    lock = _request(app, account)
    _review(app, lock, lifecycle.forward)
    decided = _review(app, lock, lifecycle.decide, approve=True)
    assert decided.state == "in_force" and decided.decided_by == "staff:head"
    assert status(app, account) == "locked"
    # The requester is told its request was granted; the holder that the account is locked.
    assert outbox(app, "lock_request_approved") == [
        ("lock_request_approved", "email", "clerk@court.example")]
    assert ("locked", "email", account.email) in outbox(app, "locked")
    assert ("locked", "email", "clerk@court.example") not in outbox(app, "locked")


def test_a_refusal_needs_written_reasons_and_is_sent_to_both(app, factories):
    account = factories.account()
    lock = _request(app, account, "service_user_request", "service_user",
                    "Saigon Demo Bank <fraud@bank.example>")
    _review(app, lock, lifecycle.forward)
    with pytest.raises(lifecycle.LifecycleError, match="written reasons"):
        _review(app, lock, lifecycle.decide, approve=False, refusal_reason="  ")
    refused = _review(app, lock, lifecycle.decide, approve=False,
                      refusal_reason="The request names no legal basis for a lock.")
    assert refused.state == "refused"
    assert refused.refusal_reason == "The request names no legal basis for a lock."
    assert status(app, account) == "active"
    assert outbox(app, "lock_request_refused") == [
        ("lock_request_refused", "email", "fraud@bank.example")]
    sent = outbox(app, "lock_refused")
    assert ("lock_refused", "sms", account.phone_number) in sent
    assert ("lock_refused", "email", "fraud@bank.example") not in sent


def test_a_request_is_forwarded_before_it_is_decided_and_decided_once(app, factories):
    account = factories.account()
    lock = _request(app, account)
    with pytest.raises(lifecycle.LifecycleError, match="forwarded"):
        _review(app, lock, lifecycle.decide, approve=True)
    _review(app, lock, lifecycle.forward)
    with pytest.raises(lifecycle.LifecycleError, match="not awaiting review"):
        _review(app, lock, lifecycle.forward)
    _review(app, lock, lifecycle.decide, approve=True)
    with pytest.raises(lifecycle.LifecycleError, match="forwarded"):
        _review(app, lock, lifecycle.decide, approve=False, refusal_reason="changed my mind")


def test_a_request_needs_its_legal_basis(app, factories):
    account = factories.account()
    with pytest.raises(lifecycle.LifecycleError, match="legal basis"):
        act(app, account, lambda a: lifecycle.request_lock(
            a, "authority_request", source="authority", requested_by=COURT, legal_basis=""))


def test_an_authority_lock_lifts_by_a_decision_recorded_with_its_reason(app, factories):
    account = factories.account()
    lock = _request(app, account)
    _review(app, lock, lifecycle.forward)
    _review(app, lock, lifecycle.decide, approve=True)
    lifted = _review(app, lock, lifecycle.lift, reason="Court's unlock request 13/2026")
    assert lifted.state == "lifted" and lifted.lift_reason == "Court's unlock request 13/2026"
    assert status(app, account) == "active"
