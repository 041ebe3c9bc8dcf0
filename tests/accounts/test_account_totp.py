"""The authenticator app from the account page: set up, confirm, recovery codes, remove.

A second factor may be removed or replaced only from a level-2 session (SEC-75).
"""

import time

import pyotp

from ..factories import PASSWORD
from ..rp import TestRelyingParty
from ..rp import csrf_of
from ..rp import query_of
from .pages import RECOVERY_CODE
from .pages import enroll_totp
from .pages import sign_in
from .pages import step_up
from .pages import submit


def next_code(secret: str) -> str:
    """The code the app shows 30 s from now: a later time step than any already used."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def confirm(browser, page, code):
    return browser.post("/account/totp/confirm", data={"csrf_token": csrf_of(page.text),
                                                       "code": code})


def test_an_app_set_up_here_takes_a_level2_account_to_acr_2(app, factories):
    rp = TestRelyingParty(app, factories, min_level=2)
    factories.level2(rp.account, with_totp=False)
    sign_in(rp.browser)
    page, secret = enroll_totp(rp.browser)
    assert '<svg viewBox="' in page.text and "<title>QR code for your authenticator app" in page.text
    assert len(secret) == 32
    code = pyotp.TOTP(secret).now()
    done = confirm(rp.browser, page, code)
    assert done.status_code == 200
    codes = RECOVERY_CODE.findall(done.text)
    assert len(set(codes)) == 10
    assert "shown only this once" in done.text
    later = rp.browser.get("/account/totp").text
    assert "Recovery codes left: 10" in later
    assert not any(recovery in later for recovery in codes)
    assert rp.browser.get("/account/totp/setup").headers["Location"] == "/account/totp"

    response = rp.authorize()
    assert response.headers["Location"].startswith("/login/second-factor?flow=")
    page = rp.browser.get(response.headers["Location"])
    replay = rp.submit_totp(page, code)  # the code that confirmed the app, same time step
    assert replay.status_code == 401
    assert "This code was already used" in replay.text
    tokens = rp.exchange(rp.follow_to_client(rp.submit_totp(replay, next_code(secret)))["code"])
    claims = rp.verify_id_token(tokens.json["id_token"])
    assert claims["acr"] == "2"
    assert claims["amr"] == ["pwd", "otp", "mfa"]


def test_the_app_counts_only_once_a_code_confirms_it(app, factories):
    rp = TestRelyingParty(app, factories, min_level=2)
    factories.level2(rp.account, with_totp=False)
    sign_in(rp.browser)
    page, secret = enroll_totp(rp.browser)
    wrong = confirm(rp.browser, page, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert wrong.status_code == 400
    assert "That code is not correct" in wrong.text
    assert 'aria-describedby="code-error"' in wrong.text
    assert "Set up an authenticator app" in rp.browser.get("/account/totp").text
    page = rp.authorize()  # signed in already: the answer is the explanation itself
    assert page.status_code == 403 and "has no second factor yet" in page.text


def test_wrong_confirmation_codes_are_throttled_like_passwords(client, factories):
    factories.account()
    sign_in(client)
    page, secret = enroll_totp(client)
    right = pyotp.TOTP(secret).now()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(6):
        assert confirm(client, page, wrong).status_code == 400
    throttled = confirm(client, page, right)
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert "Too many attempts" in throttled.text


def test_a_password_only_session_cannot_remove_the_app_until_it_steps_up(app, factories):
    rp = TestRelyingParty(app, factories, min_level=2)
    secret, _ = factories.level2(rp.account)
    browser = rp.browser
    sign_in(browser)
    refused = submit(browser, "/account/totp/remove", "/account/totp")
    assert refused.status_code == 303
    location = refused.headers["Location"]
    assert location.startswith("/login/second-factor?")
    assert query_of(location)["next"] == "/account/totp"
    assert "Remove the authenticator app" in browser.get("/account/totp").text  # still there

    stepped = step_up(browser, location, pyotp.TOTP(secret).now())
    assert stepped.status_code == 303 and stepped.headers["Location"] == "/account/totp"
    removed = submit(browser, "/account/totp/remove", "/account/totp")
    assert removed.status_code == 303 and removed.headers["Location"] == "/account/totp"
    page = browser.get("/account/totp").text
    assert "The authenticator app and its recovery codes were removed" in page
    assert "Set up an authenticator app" in page
    assert "Removed:</strong> authenticator app" in browser.get("/account/activity").text
    rp.browser = app.test_client()  # signing in afresh elsewhere, at a level-2 bank
    signed_in = rp.submit_login(rp.browser.get(rp.authorize().headers["Location"]))
    page = rp.browser.get(signed_in.headers["Location"])
    assert page.status_code == 403 and "has no second factor yet" in page.text


def test_new_recovery_codes_replace_the_old_ones(app, factories):
    account = factories.account()
    secret, old_codes = factories.level2(account)
    browser = app.test_client()
    sign_in(browser)
    refused = submit(browser, "/account/totp/recovery-codes", "/account/totp")
    assert refused.headers["Location"].startswith("/login/second-factor?")
    step_up(browser, refused.headers["Location"], pyotp.TOTP(secret).now())
    made = submit(browser, "/account/totp/recovery-codes", "/account/totp")
    assert made.status_code == 200
    new_codes = RECOVERY_CODE.findall(made.text)
    assert len(set(new_codes)) == 10 and not set(new_codes) & set(old_codes)

    def recover(code):
        other = app.test_client()
        sign_in(other)
        page = other.get("/login/second-factor")
        return other.post("/login/second-factor", data={
            "csrf_token": csrf_of(page.text), "flow": "", "recovery_code": code})

    assert recover(old_codes[0]).status_code == 401
    assert recover(new_codes[0]).status_code == 303
    assert "New recovery codes were made" in browser.get("/account/activity").text


def test_a_second_app_cannot_replace_the_first_without_removing_it(app, factories):
    account = factories.account(password=PASSWORD)
    secret, _ = factories.level2(account)
    browser = app.test_client()
    sign_in(browser)
    step_up(browser, "/login/second-factor?next=/account/totp", pyotp.TOTP(secret).now())
    started = submit(browser, "/account/totp/enroll", "/account/totp")
    assert started.headers["Location"] == "/account/totp"
    assert "already set up" in browser.get("/account/totp").text
