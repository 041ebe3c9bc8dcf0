"""Issuing an application (idp/enrollment/issue.py), the step both channels end in: a new PENDING
account with a code, or a level-1 account raised to level 2 in place (same `sub`)."""

from __future__ import annotations

from datetime import date
from datetime import datetime

import pytest

from idp.accounts.models import Account
from idp.enrollment import issue
from idp.enrollment.models import Application
from idp.extensions import db

from ..rp import TestRelyingParty
from .registration_steps import NEW_PASSWORD
from .registration_steps import account_of
from .registration_steps import activate
from .registration_steps import last_code
from .registration_steps import messages
from .registration_steps import register

CHECKED = datetime(2026, 11, 20, 9, 30)


def desk_application(person: dict, **fields) -> Application:
    """A TK01 at the desk with every level-2 check done, as the officer's screens leave it."""
    values = dict(
        reference=issue.new_reference("desk"), channel="desk", office="Hanoi",
        requested_level=2, full_name=person["full_name"],
        birthdate=date.fromisoformat(person["birthdate"]), gender=person["gender"],
        nationality=person["nationality"], document_number=person["document_number"],
        phone_number="+84987000111", email="desk@example.test",
        registry_person_id=person["person_id"], registry_has_biometrics=True,
        document_type=person["document_type"],
        document_expires=date.fromisoformat(person["document_expires"]),
        card_type=person["card_type"], card_number=person["card_number"],
        card_expires=date.fromisoformat(person["card_expires"]),
        documents_checked_by="staff:officer", documents_checked_at=CHECKED,
        biometric_method="face", biometric_reference="bio-1", biometric_score=0.97,
        biometric_matched=True, biometric_checked_at=CHECKED, consent_by=person["full_name"],
        consent_at=CHECKED, consent_text="I agree.", received_by="staff:officer")
    values.update(fields)
    return Application(**values)


def _issue(app, application: Application) -> tuple[int, str]:
    with app.app_context():
        db.session.add(application)
        db.session.flush()
        account = issue.issue_account(application, actor="staff:officer")
        db.session.commit()
        return account.id, application.status


def test_a_level1_holder_raised_to_level2_keeps_the_same_sub(registry_app, client, factories,
                                                             registry):
    person = registry.find(card="valid", document="valid", biometrics=True)
    register(client, person)
    before = account_of(registry_app, person["person_id"])
    activate(client, before.identification_number, last_code(registry_app))
    rp = TestRelyingParty(registry_app, factories)
    callback = rp.follow_to_client(rp.authorize(), login=before.identification_number,
                                   password=NEW_PASSWORD)
    first = rp.verify_id_token(rp.exchange(callback["code"]).json["id_token"])

    account_id, status = _issue(registry_app, desk_application(person))

    after = account_of(registry_app, person["person_id"])
    assert (account_id, status) == (before.id, "issued")
    assert (after.proofed_level, after.status) == (2, "active")
    assert after.subject_key == before.subject_key
    assert after.residence_card_expires == date.fromisoformat(person["card_expires"])
    assert [m.kind for m in messages(registry_app, recipient="+84987000111")] == ["level_raised"]
    callback = rp.follow_to_client(rp.authorize(prompt="login"),
                                   login=before.identification_number, password=NEW_PASSWORD)
    again = rp.verify_id_token(rp.exchange(callback["code"]).json["id_token"])
    assert again["sub"] == first["sub"]
    assert first["acr"] == "1"


def test_a_new_level2_account_waits_for_activation_with_a_code(registry_app, registry):
    person = registry.find(card="valid", document="valid", biometrics=True)
    account_id, _ = _issue(registry_app, desk_application(person))
    account = account_of(registry_app, person["person_id"])
    assert (account.id, account.status, account.proofed_level) == (account_id, "pending", 2)
    assert account.biometric_method == "face"
    assert account.proofed_at is not None
    issued = messages(registry_app, "issued")
    assert {m.recipient for m in issued} == {"+84987000111", "desk@example.test"}
    assert activate(registry_app.test_client(), account.identification_number,
                    last_code(registry_app, "+84987000111")).status_code == 200


def test_a_minors_account_is_linked_to_the_guardian_and_the_code_goes_to_them(registry_app,
                                                                                factories,
                                                                                registry):
    child = registry.find(card="valid", document="valid", age_min=6, age_max=13)
    guardian = factories.account(login="parent@example.test", phone_number="+84977000222",
                                 registry_person_id=child["guardian_person_id"])
    application = desk_application(child, phone_number="+84977000222",
                                   email="parent@example.test", guardian_account_id=guardian.id,
                                   representative_name="Parent",
                                   representative_number=guardian.identification_number,
                                   representative_relationship="parent")
    _issue(registry_app, application)
    account = account_of(registry_app, child["person_id"])
    assert (account.guardian_id, account.guardian_relationship) == (guardian.id, "parent")
    assert {m.recipient for m in messages(registry_app, "issued")} == {
        "+84977000222", "parent@example.test"}


def test_level2_without_the_checks_done_is_not_issued(registry_app, registry):
    person = registry.find(card="valid", document="valid")
    with registry_app.app_context():
        application = desk_application(person, consent_at=None)
        db.session.add(application)
        db.session.flush()
        with pytest.raises(issue.IssueRefused):
            issue.issue_account(application, actor="staff:officer")
        db.session.rollback()
        assert db.session.scalar(db.select(db.func.count(Account.id))) == 0


def test_a_refused_application_keeps_its_reasons_and_cannot_then_be_issued(registry_app,
                                                                           registry):
    person = registry.find(card="valid", document="valid")
    with registry_app.app_context():
        application = desk_application(person)
        db.session.add(application)
        issue.refuse(application, actor="staff:officer", reason="The card shown was not original.")
        db.session.commit()
        assert (application.status, application.refusal_reason) == (
            "refused", "The card shown was not original.")
        with pytest.raises(issue.IssueRefused):
            issue.issue_account(application, actor="staff:officer")
