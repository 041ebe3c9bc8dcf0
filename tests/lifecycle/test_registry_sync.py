"""Registry sync against the running simulated registry: renewals, name changes, death and
cancellation flow one way into accounts; the sync resumes from its cursor and is idempotent."""

from __future__ import annotations

from datetime import date

import pytest

from idp.accounts import events
from idp.accounts import lifecycle
from idp.accounts.locks import AccountLock
from idp.accounts.models import Account
from idp.extensions import db
from idp.registry import RegistryUnavailable
from idp.registry import registry_client
from idp.registry.models import SyncCursor
from idp.registry.sync import run

from ..cli import assert_refused_in_one_line
from ..cli import invoke
from ..cli import invoke_json
from ..rp import TestRelyingParty
from .helpers import outbox
from .helpers import status


def _holder(factories, person, login="holder@example.test"):
    """The account issued to this registry person, with the documents the registry holds."""
    return factories.account(
        login=login, registry_person_id=person["person_id"], given_name=person["full_name"],
        family_name=None, document_type=person["document_type"],
        document_number=person["document_number"],
        document_expires=date.fromisoformat(person["document_expires"]),
        residence_card_type=person["card_type"], residence_card_number=person["card_number"],
        residence_card_expires=date.fromisoformat(person["card_expires"]))


def _sync(app, **kwargs):
    with app.app_context():
        return run(registry_client(), **kwargs)


def _account(app, account) -> Account:
    with app.app_context():
        stored = db.session.get(Account, account.id)
        db.session.expunge(stored)
        return stored


def _event_count(app, account) -> int:
    with app.app_context():
        return len(events.recent(account.id, limit=1000))


def test_a_renewed_residence_card_lifts_the_expiry_lock(registry_app, registry, factories):
    app = registry_app
    person = registry.find(card="expired", document="valid")
    account = _holder(factories, person)
    assert invoke_json(app, "accounts", "expire")["locked"] == [account.identification_number]
    assert status(app, account) == "locked"

    change = registry.add_change(person["person_id"], "card_renewed")
    result = _sync(app)

    stored = _account(app, account)
    assert stored.status == "active"
    assert stored.residence_card_number == change["data"]["card_number"].upper()
    assert stored.residence_card_expires == date.fromisoformat(change["data"]["card_expires"])
    assert result.applied[0]["fields"] == ["residence_card_number", "residence_card_expires"]
    assert [k for k, *_ in outbox(app) if k != "locked"] == [
        "identity_changed", "identity_changed", "restored", "restored"]
    with app.app_context():
        lock = db.session.scalars(db.select(AccountLock)).one()
        assert (lock.state, lock.lifted_by) == ("lifted", "registry_sync")


def test_a_passport_renewal_keeps_the_account_and_its_sub(registry_app, registry, factories):
    app = registry_app
    person = registry.find(document="valid", card="valid")
    rp = TestRelyingParty(app, factories, login="renewed@example.test")
    with app.app_context():
        stored = db.session.get(Account, rp.account.id)
        stored.registry_person_id = person["person_id"]
        stored.document_number = person["document_number"]
        db.session.commit()
    before = rp.verify_id_token(rp.tokens()["id_token"])["sub"]

    registry.add_change(person["person_id"], "document_renewed", document_number="N 9876543",
                        document_expires=date(2036, 5, 1))
    result = _sync(app)

    stored = _account(app, rp.account)
    assert (stored.document_number, stored.document_expires) == ("N9876543", date(2036, 5, 1))
    assert result.applied[0]["account"] == rp.account.identification_number
    assert rp.verify_id_token(rp.tokens()["id_token"])["sub"] == before
    assert outbox(app, "identity_changed")


def test_a_name_change_reaches_the_account_and_the_holder_hears_of_it(registry_app, registry,
                                                                      factories):
    app = registry_app
    person = registry.find(card="valid")
    account = _holder(factories, person)
    registry.add_change(person["person_id"], "name_changed", full_name="Nguyễn Thị Lan Anh")
    _sync(app)
    assert _account(app, account).name == "Nguyễn Thị Lan Anh"
    assert [r for _, _, r in outbox(app, "identity_changed")] == [account.email,
                                                                  account.phone_number]


def test_a_second_run_changes_nothing(registry_app, registry, factories):
    app = registry_app
    person = registry.find(card="valid")
    account = _holder(factories, person)
    registry.add_change(person["person_id"], "card_renewed")
    registry.add_change(person["person_id"], "name_changed", full_name="Lee Min Ji")
    first = _sync(app)
    assert len(first.applied) == 2
    snapshot = (outbox(app), _event_count(app, account), _account(app, account).updated_at)
    with app.app_context():  # even run again from the very start
        db.session.get(SyncCursor, "registry").cursor = ""
        db.session.commit()
    second = _sync(app)
    assert second.applied == [] and second.unchanged == 2
    assert (outbox(app), _event_count(app, account), _account(app, account).updated_at) == snapshot


class _GoesDownAfterFirstPage:
    """The real client; the simulator stops answering once the first page was served."""

    def __init__(self, registry):
        self.client, self.registry = registry_client(), registry

    def changes(self, cursor, limit=100):
        page = self.client.changes(cursor, limit)
        self.registry.set_down(True)
        return page


def test_the_registry_going_down_mid_sync_leaves_nothing_half_applied(registry_app, registry,
                                                                       factories):
    app = registry_app
    people = [registry.find(card="valid", nth=n) for n in range(3)]
    accounts = [_holder(factories, p, login=f"p{n}@example.test") for n, p in enumerate(people)]
    for person in people:
        registry.add_change(person["person_id"], "name_changed", full_name=f"Renamed {person['person_id']}")
    try:
        with app.app_context(), pytest.raises(RegistryUnavailable):
            run(_GoesDownAfterFirstPage(registry), limit=2)
    finally:
        registry.set_down(False)
    names = [_account(app, a).name for a in accounts]
    assert names[:2] == [f"Renamed {p['person_id']}" for p in people[:2]]
    assert names[2] == people[2]["full_name"]
    assert len(outbox(app, "identity_changed")) == 4  # two holders, e-mail and SMS each

    resumed = _sync(app, limit=2)
    assert [a["account"] for a in resumed.applied] == [accounts[2].identification_number]
    assert _account(app, accounts[2]).name == f"Renamed {people[2]['person_id']}"
    assert len(outbox(app, "identity_changed")) == 6  # nobody told twice


def test_a_run_stopped_inside_a_page_resumes_after_its_last_committed_change(
        registry_app, registry, factories, monkeypatch):
    app = registry_app
    people = [registry.find(card="valid", nth=n) for n in range(3)]
    accounts = [_holder(factories, p, login=f"q{n}@example.test") for n, p in enumerate(people)]
    for person in people:
        registry.add_change(person["person_id"], "name_changed", full_name=f"New {person['person_id']}")
    from idp.registry import sync

    real = sync.apply_change

    def crash_on_second(change):
        if change.person_id == people[1]["person_id"]:
            raise RuntimeError("process killed")
        return real(change)

    monkeypatch.setattr(sync, "apply_change", crash_on_second)
    with app.app_context(), pytest.raises(RuntimeError):
        run(registry_client())
    monkeypatch.setattr(sync, "apply_change", real)
    with app.app_context():
        assert db.session.get(SyncCursor, "registry").cursor.endswith("@1")
    resumed = _sync(app)
    assert [a["account"] for a in resumed.applied] == [a.identification_number for a in accounts[1:]]
    assert len(outbox(app, "identity_changed")) == 6


def test_death_closes_the_account_for_good(registry_app, registry, factories):
    app = registry_app
    person = registry.find(card="valid")
    account = _holder(factories, person)
    registry.add_change(person["person_id"], "deceased")
    _sync(app)
    assert status(app, account) == "closed"
    with app.app_context():
        lock = db.session.scalars(db.select(AccountLock)).one()
        assert lock.reason == "death" and lock.source == "registry_sync"
        with pytest.raises(lifecycle.LifecycleError, match="final"):
            lifecycle.lift(lock, actor="staff:tran", reason="mistake")
    registry.add_change(person["person_id"], "card_renewed")
    _sync(app)
    assert status(app, account) == "closed"  # nothing reopens it
    assert outbox(app, "locked") and not outbox(app, "restored")


def test_a_cancelled_number_closes_the_account(registry_app, registry, factories):
    app = registry_app
    person = registry.find(card="valid")
    account = _holder(factories, person)
    registry.add_change(person["person_id"], "number_cancelled")
    assert invoke_json(app, "registry", "sync")["applied"][0]["status"] == "closed"
    assert status(app, account) == "closed"


def test_the_sync_command_reports_an_outage_in_one_line(registry_app, registry):
    registry.set_down(True)
    try:
        result = invoke(registry_app, "registry", "sync")
    finally:
        registry.set_down(False)
    assert_refused_in_one_line(result, "resumes from the cursor")
