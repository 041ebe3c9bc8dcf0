"""Level 2 in person at the desk (Decree 69/2024/ND-CP Art. 12): the officer enters TK01, checks
the documents, has the registry match a face or fingerprint, records consent, and issues or
refuses. Through the console's HTTP routes, against the running simulated registry."""

from __future__ import annotations

from idp.accounts.models import PENDING
from idp.accounts.models import Account
from idp.audit import AuditEvent
from idp.enrollment.models import Application
from idp.extensions import db
from idp.notify.models import Notification

from ..admin.test_console import create_staff
from ..admin.test_console import sign_in
from ..rp import csrf_of
from .officer import OFFICER
from .officer import application
from .officer import count
from .officer import desk_app_fixture  # noqa: F401 - fixture
from .officer import desk_factories_fixture  # noqa: F401 - fixture
from .officer import desk_fixture  # noqa: F401 - fixture
from .officer import staff_browser


def _account(app, **where) -> Account | None:
    with app.app_context():
        found = db.session.scalar(db.select(Account).filter_by(**where))
        if found is not None:
            db.session.expunge(found)
        return found


def test_a_new_person_is_proofed_at_level2_and_gets_a_pending_account_and_a_message(
        desk_app, desk, registry_service):
    person = registry_service.find(card="valid", document="valid", biometrics=True)
    reference = desk.receive(person)
    page = desk.page(reference)
    assert reference.startswith("TK01-") and reference in page.text
    assert "missing" in page.text and 'id="issued"' not in page.text

    assert desk.documents(reference, person).status_code == 303
    face = registry_service.sample(person["person_id"], "face")
    assert desk.biometric(reference, face).status_code == 303
    assert "matched" in desk.page(reference).text
    assert desk.consent(reference).status_code == 303
    issued = desk.issue(reference)
    assert issued.status_code == 303
    assert 'id="issued"' in desk.page(reference).text

    account = _account(desk_app, registry_person_id=person["person_id"])
    assert account.status == PENDING and account.proofed_level == 2
    assert account.biometric_method == "face" and account.biometric_matched_at is not None
    assert account.name == person["full_name"] and account.phone_number == "+84912345678"
    stored = application(desk_app, reference)
    assert stored.status == "issued" and stored.account_id == account.id
    assert stored.biometric_matched is True and stored.biometric_score > 0.9
    assert stored.card_number == person["card_number"] and stored.consent_text
    assert stored.consent_by.startswith("applicant")
    with desk_app.app_context():
        issued_rows = db.session.scalars(db.select(Notification).where(
            Notification.account_id == account.id, Notification.kind == "issued")).all()
        assert issued_rows and all(row.sent_at is None for row in issued_rows)
        actions = db.session.scalars(db.select(AuditEvent.action).where(
            AuditEvent.actor == f"staff:{OFFICER}",
            AuditEvent.target == f"application:{reference}")).all()
    assert {"application.receive", "application.documents", "application.biometric",
            "application.consent", "application.issue"} <= set(actions)


def test_the_declared_data_must_match_the_registry(desk_app, desk, registry_service):
    person = registry_service.find(card="valid", biometrics=True)
    response = desk.new(person, birthdate="1901-01-01")
    assert response.status_code == 400
    assert "does not match the registry" in response.text and "passport" in response.text
    assert person["full_name"] in response.text  # the form keeps what was typed
    assert count(desk_app, Application) == 0


def test_a_capture_of_someone_else_does_not_match_and_level2_cannot_be_issued(
        desk_app, desk, registry_service):
    person = registry_service.find(card="valid", biometrics=True)
    other = registry_service.find(card="valid", biometrics=True, nth=1)
    reference = desk.receive(person)
    desk.documents(reference, person)
    desk.biometric(reference, registry_service.sample(other["person_id"], "fingerprint"),
                   method="fingerprint")
    desk.consent(reference)
    page = desk.page(reference)
    assert "not matched" in page.text and "did not match" in page.text
    refused = desk.issue(reference)
    assert refused.status_code == 400 and "did not match" in refused.text
    assert _account(desk_app, registry_person_id=person["person_id"]) is None
    assert application(desk_app, reference).biometric_matched is False

    assert desk.refuse(reference, "").status_code == 400  # reasons are required
    assert desk.refuse(reference, "The fingerprints did not match.").status_code == 303
    stored = application(desk_app, reference)
    assert stored.status == "refused" and stored.refusal_reason == "The fingerprints did not match."


def test_an_expired_residence_card_is_recorded_and_refuses_level2_with_the_reason(
        desk_app, desk, registry_service):
    person = registry_service.find(card="expired", document="valid", biometrics=True)
    reference = desk.receive(person)
    assert desk.documents(reference, person).status_code == 303
    desk.biometric(reference, registry_service.sample(person["person_id"], "face"))
    desk.consent(reference)
    assert "residence card expired on" in desk.page(reference).text
    refused = desk.issue(reference)
    assert refused.status_code == 400 and "residence card expired" in refused.text
    assert application(desk_app, reference).card_expires.isoformat() == person["card_expires"]
    assert _account(desk_app, registry_person_id=person["person_id"]) is None


def test_issuing_level2_needs_every_step_whatever_the_page_shows(desk_app, desk, registry_service):
    person = registry_service.find(card="valid", biometrics=True)
    reference = desk.receive(person)
    desk.documents(reference, person)
    refused = desk.issue(reference)  # no biometric check, no consent
    assert refused.status_code == 400
    assert "biometric check" in refused.text and "consent" in refused.text
    assert application(desk_app, reference).status == "received"


def test_a_child_under_6_can_only_apply_for_level1(desk_app, desk, desk_factories,
                                                     registry_service):
    child = registry_service.find(age_max=5, card="valid")
    parent = desk_factories.account(login="parent@example.test")
    desk_factories.level2(parent)
    representative = {"representative_name": parent.name,
                      "representative_number": parent.identification_number,
                      "representative_relationship": "parent"}
    refused = desk.new(child, **representative)
    assert refused.status_code == 400 and "under 6" in refused.text
    assert 'value="1" checked' in refused.text  # level 1 is offered instead
    assert count(desk_app, Application) == 0
    reference = desk.receive(child, requested_level="1", **representative)
    assert application(desk_app, reference).requested_level == 1


def test_a_child_applies_with_a_representative_who_holds_level2(desk_app, desk, desk_factories,
                                                                  registry_service):
    child = registry_service.find(age_min=6, age_max=13, card="valid", biometrics=True)
    parent = desk_factories.account(login="parent@example.test")
    level1_parent = desk_factories.account(login="other@example.test")
    representative = {"representative_name": parent.name, "representative_relationship": "parent"}

    alone = desk.new(child)
    assert alone.status_code == 400 and "Under 14" in alone.text
    weak = desk.new(child, representative_number=level1_parent.identification_number,
                    **representative)
    assert weak.status_code == 400 and "active level-2 account" in weak.text
    assert count(desk_app, Application) == 0

    desk_factories.level2(parent)
    reference = desk.proof(registry_service, child, locale="vi",
                           representative_number=parent.identification_number, **representative)
    assert desk.issue(reference).status_code == 303
    account = _account(desk_app, registry_person_id=child["person_id"])
    assert account.guardian_id == parent.id and account.proofed_level == 2
    with desk_app.app_context():
        sms = db.session.scalar(db.select(Notification).where(
            Notification.account_id == account.id, Notification.channel == "sms"))
    assert sms.recipient == "+84912345678" and sms.locale == "vi"  # the representative's phone
    assert application(desk_app, reference).consent_by.startswith("representative")


def test_consent_is_recorded_in_the_language_it_was_shown(desk_app, desk, registry_service):
    person = registry_service.find(card="valid", biometrics=True)
    reference = desk.receive(person)
    shown = desk.page(reference, consent_lang="vi")
    assert desk.consent(reference, language="vi").status_code == 303
    stored = application(desk_app, reference)
    assert stored.details["consent_locale"] == "vi" and stored.consent_text in shown.text


def test_the_registry_down_gives_a_readable_page_keeps_the_form_and_writes_nothing(
        desk_app, desk, registry_service):
    person = registry_service.find(card="valid", biometrics=True)
    registry_service.set_down(True)
    try:
        response = desk.new(person)
    finally:
        registry_service.set_down(False)
    assert response.status_code == 503
    assert "registry is unavailable" in response.text and "Try again" in response.text
    assert f'value="{person["document_number"]}"' in response.text
    assert count(desk_app, Application) == 0

    reference = desk.receive(person)
    registry_service.set_down(True)
    try:
        capture = desk.biometric(reference, b"a capture taken while the registry was down")
    finally:
        registry_service.set_down(False)
    assert capture.status_code == 503 and "registry is unavailable" in capture.text
    stored = application(desk_app, reference)
    assert stored.biometric_checked_at is None and "biometric_attempts" not in stored.details


def test_an_auditor_reads_the_queue_but_cannot_decide_and_an_officer_cannot_manage_clients(
        desk_app, desk, registry_service):
    person = registry_service.find(card="valid", biometrics=True)
    reference = desk.proof(registry_service, person)
    auditor = staff_browser(desk_app, "auditor@idp.test", "auditor")
    assert reference in auditor.get("/admin/applications").text
    page = auditor.get(f"/admin/applications/{reference}")
    assert page.status_code == 200 and "/issue" not in page.text
    token = csrf_of(page.text)
    assert auditor.post(f"/admin/applications/{reference}/issue",
                        data={"csrf_token": token}).status_code == 403
    assert auditor.get("/admin/applications/new").status_code == 403
    assert application(desk_app, reference).status == "received"
    assert desk.browser.get("/admin/clients").status_code == 403
    secret = create_staff(desk_app, "second.officer@idp.test", "officer")
    landed = sign_in(desk_app.test_client(), "second.officer@idp.test", secret)
    assert landed.headers["Location"].endswith("/admin/applications")  # their work, not clients
    assert desk.browser.get("/admin/clients/new").status_code == 403


def test_every_step_needs_the_csrf_token(desk_app, desk, registry_service):
    person = registry_service.find(card="valid", biometrics=True)
    reference = desk.receive(person)
    response = desk.browser.post(f"/admin/applications/{reference}/refuse",
                                 data={"reason": "forged"})
    assert response.status_code == 400
    assert application(desk_app, reference).status == "received"
