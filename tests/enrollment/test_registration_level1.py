"""Level 1, self-service (Decree 69/2024/ND-CP Art. 11): declared data matched against the
simulated registry, over real HTTP; the code is read from the outbox, where the SMS waits."""

from __future__ import annotations

import re

from ..rp import TestRelyingParty
from .registration_steps import NEW_PASSWORD
from .registration_steps import account_of
from .registration_steps import activate
from .registration_steps import browser_from
from .registration_steps import counts
from .registration_steps import last_code
from .registration_steps import messages
from .registration_steps import register

FORM_ERROR = re.compile(r'<div class="error" role="alert" id="form-error">(.*?)</div>', re.S)


def test_a_resident_registers_activates_and_signs_in_at_level_1(registry_app, client, factories,
                                                              registry):
    person = registry.find(card="valid", document="valid", script="hangul")
    page = register(client, person)
    assert page.status_code == 200
    assert "Check your phone" in page.text
    code = last_code(registry_app)
    assert code not in page.text

    account = account_of(registry_app, person["person_id"])
    assert account.status == "pending"
    assert account.proofed_level == 1
    assert re.fullmatch(r"\d{12}", account.identification_number)
    assert account.login == account.identification_number != person["document_number"]
    assert account.phone_number == "+84912345678"
    assert account.name == person["full_name"]
    issued = messages(registry_app, "issued")
    assert {m.recipient for m in issued} == {"+84912345678", "me@example.test"}
    assert account.identification_number in issued[0].body

    done = activate(client, account.identification_number, code)
    assert done.status_code == 200
    assert "Your account is active" in done.text
    assert account_of(registry_app, person["person_id"]).status == "active"
    assert {m.recipient for m in messages(registry_app, "activated")} == {
        "+84912345678", "me@example.test"}

    rp = TestRelyingParty(registry_app, factories)
    callback = rp.follow_to_client(rp.authorize(), login=account.identification_number,
                                   password=NEW_PASSWORD)
    tokens = rp.exchange(callback["code"]).json
    claims = rp.verify_id_token(tokens["id_token"])
    assert claims["acr"] == "1"
    userinfo = rp.userinfo(tokens["access_token"]).json
    assert userinfo["name"] == person["full_name"]  # 최민서, not split or transliterated
    assert claims["sub"] != person["document_number"]


def test_every_wrong_field_gets_the_same_general_answer_and_nothing_is_written(registry_app,
                                                                               client, registry):
    person = registry.find(card="valid", document="valid", diacritics=True, culture="vietnamese")
    plain = person["full_name"].encode("ascii", "ignore").decode()
    wrong = [
        {"document_number": "X" + person["document_number"][1:]},
        {"full_name": plain},  # "Nguyen" is not "Nguyễn"
        {"birthdate": person["birthdate"][:-2] + ("01" if person["birthdate"][-2:] != "01"
                                                  else "02")},
        {"gender": "male" if person["gender"] == "female" else "female"},
        {"nationality": "USA" if person["nationality"] != "USA" else "GBR"},
    ]
    answers = set()
    for change in wrong:
        page = register(client, person, **change)
        assert page.status_code == 400, change
        answers.add(FORM_ERROR.search(page.text).group(1).strip())
    assert answers == {"<p>The details do not match the immigration registry's record. Check each "
                       "one against your passport, then try again.</p>"}
    assert counts(registry_app) == (0, 0)


def _throttle(app, **free):
    app.config["THROTTLE"] = {**app.config["THROTTLE"], **free}


def test_mismatches_are_throttled_per_document_number_across_addresses(registry_app, registry):
    _throttle(registry_app, ACCOUNT_IP_FREE_FAILURES=2, ACCOUNT_FREE_FAILURES=2)
    person = registry.find(card="valid", document="valid")
    first = browser_from(registry_app, "198.51.100.1")
    for _ in range(3):
        assert register(first, person, birthdate="1901-01-01").status_code == 400
    other = browser_from(registry_app, "198.51.100.2")
    page = register(other, person)  # now even the right details wait
    assert page.status_code == 429
    assert int(page.headers["Retry-After"]) > 0
    assert "Too many attempts with these details. Try again in 1 minute." in page.text
    assert counts(registry_app) == (0, 0)


def test_mismatches_are_throttled_per_address_across_document_numbers(registry_app, registry):
    _throttle(registry_app, IP_FREE_FAILURES=2)
    browser = browser_from(registry_app, "198.51.100.3")
    for n in range(3):
        person = registry.find(card="valid", document="valid", nth=n)
        assert register(browser, person, birthdate="1901-01-01").status_code == 400
    page = register(browser, registry.find(card="valid", document="valid", nth=3))
    assert page.status_code == 429
    assert counts(registry_app) == (0, 0)


def test_a_form_with_a_foreign_mobile_number_is_refused_before_the_registry(registry_app, client,
                                                                          registry):
    person = registry.find(card="valid", document="valid")
    page = register(client, person, phone="+33 6 12 34 56 78")
    assert page.status_code == 400
    assert "Enter a Vietnamese mobile number: +84 or 0, then 9 digits." in page.text
    assert counts(registry_app) == (0, 0)


def test_the_registry_down_gives_a_try_later_page_and_writes_nothing(registry_app, client,
                                                                     registry):
    person = registry.find(card="valid", document="valid")
    registry.set_down(True)
    try:
        page = register(client, person)
    finally:
        registry.set_down(False)
    assert page.status_code == 503
    assert "The registry cannot be reached" in page.text
    assert "Nothing was saved. Please try again later." in page.text
    assert counts(registry_app) == (0, 0)
    assert messages(registry_app) == []


def test_someone_who_already_has_an_account_sees_the_same_page_and_their_phone_is_told(
        registry_app, client, registry):
    person = registry.find(card="valid", document="valid")
    first = register(client, person)
    number = account_of(registry_app, person["person_id"]).identification_number
    activate(client, number, last_code(registry_app))

    again = register(registry_app.test_client(), person, phone="0987654321",
                     email="someone@example.test")
    assert again.status_code == first.status_code == 200
    assert "Check your phone" in again.text
    assert counts(registry_app) == (1, 1)
    told = messages(registry_app, "already_registered")
    assert {m.recipient for m in told} == {"+84912345678", "me@example.test"}
    assert messages(registry_app, recipient="+84987654321") == []


def test_the_start_and_sign_in_pages_lead_to_registration_and_activation(client):
    for path in ("/", "/login"):
        page = client.get(path).text
        assert 'href="/register"' in page and 'href="/activate"' in page
