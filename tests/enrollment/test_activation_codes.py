"""Activation (Decree 69/2024/ND-CP Art. 12, step 5): one-time code, then a password. The code
works once, for ENROLLMENT.ACTIVATION_CODE_LIFETIME, and guesses are throttled."""

from __future__ import annotations

import time

import time_machine

from ..rp import csrf_of
from .registration_steps import account_of
from .registration_steps import activate
from .registration_steps import browser_from
from .registration_steps import choose_password
from .registration_steps import enter_code
from .registration_steps import last_code
from .registration_steps import messages
from .registration_steps import register

GENERIC = ("The identification number or the code is not correct, or the code has expired or "
           "was already used.")


def _registered(app, browser, registry, nth=0):
    person = registry.find(card="valid", document="valid", nth=nth)
    assert register(browser, person).status_code == 200
    return account_of(app, person["person_id"]).identification_number, last_code(app)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**8:08d}"


def test_a_code_works_once(registry_app, client, registry):
    number, code = _registered(registry_app, client, registry)
    assert activate(client, number, code).status_code == 200
    again = enter_code(registry_app.test_client(), number, code)
    assert again.status_code == 400
    assert GENERIC in again.text


def test_a_wrong_code_and_an_unknown_number_get_the_same_words(registry_app, client, registry):
    number, code = _registered(registry_app, client, registry)
    wrong_code = enter_code(client, number, _wrong(code))
    unknown = enter_code(client, "100000000001", code)
    assert wrong_code.status_code == unknown.status_code == 400
    assert GENERIC in wrong_code.text and GENERIC in unknown.text
    assert account_of(registry_app, registry.find(card="valid", document="valid")["person_id"]
                      ).status == "pending"


def test_a_code_expires_after_its_lifetime(registry_app, client, registry):
    number, code = _registered(registry_app, client, registry)
    lifetime = registry_app.config["ENROLLMENT"]["ACTIVATION_CODE_LIFETIME"]
    with time_machine.travel(time.time() + lifetime + 60, tick=True):
        late = enter_code(client, number, code)
    assert late.status_code == 400
    assert GENERIC in late.text


def test_a_refused_password_does_not_use_up_the_code(registry_app, client, registry):
    number, code = _registered(registry_app, client, registry)
    assert enter_code(client, number, code).status_code == 303
    weak = choose_password(client, "password")
    assert weak.status_code == 400
    assert "Use at least 15 characters" in weak.text
    assert choose_password(client).status_code == 200
    assert {m.kind for m in messages(registry_app)} >= {"issued", "activated"}


def test_guessing_codes_is_throttled(registry_app, registry):
    registry_app.config["THROTTLE"] = {**registry_app.config["THROTTLE"],
                                       "ACCOUNT_IP_FREE_FAILURES": 2}
    browser = browser_from(registry_app, "198.51.100.7")
    number, code = _registered(registry_app, browser, registry)
    for _ in range(3):
        assert enter_code(browser, number, _wrong(code)).status_code == 400
    page = enter_code(browser, number, code)
    assert page.status_code == 429
    assert int(page.headers["Retry-After"]) > 0
    assert "Too many attempts. Try again in 1 minute." in page.text


def test_a_code_dies_after_ten_wrong_answers(registry_app, client, registry):
    registry_app.config["THROTTLE"] = {**registry_app.config["THROTTLE"],
                                       "ACCOUNT_IP_FREE_FAILURES": 50,
                                       "ACCOUNT_FREE_FAILURES": 50}
    number, code = _registered(registry_app, client, registry)
    for _ in range(10):
        enter_code(client, number, _wrong(code))
    assert enter_code(client, number, code).status_code == 400


def _ask_new_code(browser, number):
    page = browser.get("/activate/new-code")
    return browser.post("/activate/new-code", data={"csrf_token": csrf_of(page.text),
                                                    "identification_number": number})


def test_a_new_code_replaces_the_old_one(registry_app, client, registry):
    number, old = _registered(registry_app, client, registry)
    sent = _ask_new_code(client, number)
    assert sent.status_code == 200
    new = last_code(registry_app)
    assert new != old
    assert messages(registry_app, "activation_code")[-1].recipient in {"+84912345678",
                                                                      "me@example.test"}
    assert enter_code(client, number, old).status_code == 400
    assert activate(client, number, new).status_code == 200


def test_asking_for_a_code_for_an_unknown_number_looks_the_same_and_is_throttled(registry_app,
                                                                               registry):
    registry_app.config["THROTTLE"] = {**registry_app.config["THROTTLE"],
                                       "ACCOUNT_IP_FREE_FAILURES": 2}
    browser = browser_from(registry_app, "198.51.100.8")
    number, _ = _registered(registry_app, browser, registry)
    known = _ask_new_code(browser, number)
    unknown = _ask_new_code(browser, "100000000001")
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text.replace("100000000001", number)
    _ask_new_code(browser, number)
    assert _ask_new_code(browser, number).status_code == 429
    assert len(messages(registry_app, "activation_code")) == 2 * 2  # SMS + e-mail, twice
