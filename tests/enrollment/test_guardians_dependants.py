"""Children's accounts (DESIGN.md "The domain rules": under 14 through a parent or guardian with
their own level-2 account; 14 and over for themselves), against the simulated registry."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta

import pyotp
import time_machine

from ..accounts.pages import sign_in
from ..accounts.pages import step_up
from ..rp import csrf_of
from .registration_steps import NEW_PASSWORD
from .registration_steps import account_of
from .registration_steps import activate
from .registration_steps import choose_password
from .registration_steps import counts
from .registration_steps import declared
from .registration_steps import last_code
from .registration_steps import messages

PARENT_PHONE = "+84977000222"
CHILD_PHONE = "+84966000333"


def _parent(factories, child: dict, *, level2: bool = True):
    guardian = factories.account(login="parent@example.test", phone_number=PARENT_PHONE,
                                 registry_person_id=child["guardian_person_id"])
    secret = factories.level2(guardian)[0] if level2 else None
    return guardian, secret


def _signed_in_at_level2(app, secret):
    browser = app.test_client()
    assert sign_in(browser, login="parent@example.test").status_code == 303
    asked = browser.get("/account/dependants/new")
    if secret and asked.status_code == 303:
        assert step_up(browser, asked.headers["Location"],
                       pyotp.TOTP(secret).now()).status_code == 303
    return browser


def _register_child(browser, child: dict, relationship: str = "parent"):
    page = browser.get("/account/dependants/new")
    assert page.status_code == 200, page.headers.get("Location")
    return browser.post("/account/dependants/new", data={
        "csrf_token": csrf_of(page.text), "relationship": relationship, **declared(child)})


def test_a_parent_registers_and_activates_a_childs_account_and_sees_it(registry_app, factories,
                                                                       registry):
    child = registry.find(card="valid", document="valid", age_max=13)
    guardian, secret = _parent(factories, child)
    browser = _signed_in_at_level2(registry_app, secret)

    issued = _register_child(browser, child)
    assert issued.status_code == 200
    account = account_of(registry_app, child["person_id"])
    assert account.identification_number in issued.text
    assert (account.guardian_id, account.guardian_relationship) == (guardian.id, "parent")
    assert (account.proofed_level, account.status, account.phone_number) == (1, "pending",
                                                                             PARENT_PHONE)
    assert activate(browser, account.identification_number,
                    last_code(registry_app, PARENT_PHONE)).status_code == 200

    listing = browser.get("/account/dependants")
    assert listing.status_code == 200
    assert child["full_name"] in listing.text
    assert "Level 1" in listing.text and "active" in listing.text


def test_the_registry_must_name_the_signed_in_guardian(registry_app, factories, registry):
    child = registry.find(card="valid", document="valid", age_max=13)
    stranger = dict(child, guardian_person_id="IMM000000000")
    _, secret = _parent(factories, stranger)
    browser = _signed_in_at_level2(registry_app, secret)
    page = _register_child(browser, child, "guardian")
    assert page.status_code == 403
    assert "The immigration registry does not record you as this person's parent" in page.text
    assert counts(registry_app) == (0, 1)


def test_a_parent_does_not_register_a_child_of_14(registry_app, factories, registry):
    child = registry.find(card="valid", document="valid", age_min=14, age_max=17)
    _, secret = _parent(factories, child)
    page = _register_child(_signed_in_at_level2(registry_app, secret), child)
    assert page.status_code == 403
    assert "People aged 14 or over register themselves" in page.text


def test_a_level1_account_cannot_register_a_child(registry_app, factories, registry):
    child = registry.find(card="valid", document="valid", age_max=13)
    _parent(factories, child, level2=False)
    browser = _signed_in_at_level2(registry_app, None)
    page = browser.get("/account/dependants/new")
    assert page.status_code == 403
    assert "Only a parent or guardian with a level-2 account can register a child" in page.text


def _activated_child(app, factories, registry, **traits):
    child = registry.find(card="valid", document="valid", **traits)
    guardian, secret = _parent(factories, child)
    browser = _signed_in_at_level2(app, secret)
    assert _register_child(browser, child).status_code == 200
    account = account_of(app, child["person_id"])
    activate(browser, account.identification_number, last_code(app, PARENT_PHONE))
    return child, account, guardian, browser


def _take_over(browser, account, child, phone="0966 000 333"):
    page = browser.get("/takeover")
    return browser.post("/takeover", data={
        "csrf_token": csrf_of(page.text), "identification_number": account.identification_number,
        "document_number": child["document_number"], "phone_number": phone})


def _fourteenth_birthday(child: dict) -> datetime:
    born = date.fromisoformat(child["birthdate"])
    day = date(born.year + 14, born.month, 28 if (born.month, born.day) == (2, 29) else born.day)
    return datetime(day.year, day.month, day.day, 10) + timedelta(days=1)


def test_at_14_the_holder_takes_the_account_over_with_their_own_phone(registry_app, factories,
                                                                       registry):
    child, account, guardian, parent_browser = _activated_child(
        registry_app, factories, registry, age_min=13, age_max=13)
    with time_machine.travel(_fourteenth_birthday(child), tick=True):
        teen = registry_app.test_client()
        sent = _take_over(teen, account, child)
        assert sent.status_code == 200
        code = last_code(registry_app, CHILD_PHONE)
        entered = teen.post("/takeover/code", data={
            "csrf_token": csrf_of(sent.text), "code": code,
            "identification_number": account.identification_number})
        assert entered.status_code == 303
        done = choose_password(teen, "my own words for my own account")
        assert done.status_code == 200
        assert "The account is yours now" in done.text

        after = account_of(registry_app, child["person_id"])
        assert (after.guardian_id, after.phone_number) == (None, CHILD_PHONE)
        assert [m.kind for m in messages(registry_app, recipient=PARENT_PHONE)][-1] == (
            "guardian_link_ended")
        assert "activated" in [m.kind for m in messages(registry_app, recipient=CHILD_PHONE)]
        assert child["full_name"] not in parent_browser.get("/account/dependants").text
        old = sign_in(registry_app.test_client(), login=account.identification_number,
                      password=NEW_PASSWORD)
        assert old.status_code == 401  # the password the guardian chose no longer works


def test_under_14_the_holder_cannot_take_the_account_over(registry_app, factories, registry):
    child, account, _, _ = _activated_child(registry_app, factories, registry, age_max=13)
    page = _take_over(registry_app.test_client(), account, child)
    assert page.status_code == 403
    assert "You can take over your account from your 14th birthday" in page.text
    assert account_of(registry_app, child["person_id"]).guardian_id is not None
    assert messages(registry_app, recipient=CHILD_PHONE) == []


def test_the_guardian_locks_the_childs_account(registry_app, factories, registry):
    child, account, _, browser = _activated_child(registry_app, factories, registry, age_max=13)
    listing = browser.get("/account/dependants")
    locked = browser.post(f"/account/dependants/{account.id}/lock",
                          data={"csrf_token": csrf_of(listing.text)})
    assert locked.status_code == 303
    assert account_of(registry_app, child["person_id"]).status == "locked"
    assert "account is locked" in browser.get("/account/dependants").text


def test_another_account_cannot_manage_someone_elses_child(registry_app, factories, registry):
    child, account, _, _ = _activated_child(registry_app, factories, registry, age_max=13)
    factories.account(login="other@example.test")
    other = registry_app.test_client()
    sign_in(other, login="other@example.test")
    page = other.get("/")  # any page with a form gives this browser's CSRF token
    answer = other.post(f"/account/dependants/{account.id}/lock",
                        data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 404
    assert account_of(registry_app, child["person_id"]).status == "active"


def test_the_guardian_signs_the_child_out_everywhere(registry_app, factories, registry):
    child, account, _, browser = _activated_child(registry_app, factories, registry, age_max=13)
    childs_tablet = registry_app.test_client()
    assert sign_in(childs_tablet, login=account.identification_number,
                   password=NEW_PASSWORD).status_code == 303
    assert childs_tablet.get("/account").status_code == 200
    listing = browser.get("/account/dependants")
    ended = browser.post(f"/account/dependants/{account.id}/end-sessions",
                         data={"csrf_token": csrf_of(listing.text)})
    assert ended.status_code == 303
    assert "is signed out everywhere" in browser.get("/account/dependants").text
    assert childs_tablet.get("/account").status_code == 303  # back to sign-in


def test_a_takeover_with_a_wrong_passport_number_is_refused_in_general_words(registry_app,
                                                                            factories, registry):
    child, account, _, _ = _activated_child(registry_app, factories, registry, age_max=13)
    page = _take_over(registry_app.test_client(), account, dict(child, document_number="X1234567"))
    assert page.status_code == 400
    assert "These details do not match an account that a guardian manages." in page.text
    assert messages(registry_app, recipient=CHILD_PHONE) == []
