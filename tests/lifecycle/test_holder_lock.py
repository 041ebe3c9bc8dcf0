"""The holder locks the account from the account page, and lifts that lock through the narrow
recovery path: password, then the authenticator-app code of a level-2 account."""

from __future__ import annotations

import pyotp

from idp.accounts import lifecycle

from ..accounts.pages import is_signed_in
from ..accounts.pages import sign_in
from ..accounts.pages import submit
from ..factories import PASSWORD
from ..rp import csrf_of
from .helpers import act
from .helpers import outbox
from .helpers import status


def _restore(browser, login="holder@example.test", password=PASSWORD):
    page = browser.get("/account/restore")
    return browser.post("/account/restore", data={"csrf_token": csrf_of(page.text),
                                                   "login": login, "password": password})


def _code(browser, page, code):
    return browser.post("/account/restore/code", data={"csrf_token": csrf_of(page.text),
                                                        "code": code})


def test_the_holder_locks_the_account_and_lifts_it_at_level_2(app, factories, client):
    account = factories.account()
    secret, _ = factories.level2(account)
    sign_in(client)
    assert "/account/lock" in client.get("/account").text
    locked = submit(client, "/account/lock", "/account/lock")
    assert locked.status_code == 200 and "Your account is locked" in locked.text
    assert status(app, account) == "locked" and not is_signed_in(client)
    assert outbox(app, "locked")

    refused = sign_in(client)
    assert refused.status_code == 403 and "/account/restore" in refused.text

    asked = _restore(client)
    assert asked.status_code == 200 and 'autocomplete="one-time-code"' in asked.text
    wrong = _code(client, asked, "000000")
    assert wrong.status_code == 401 and status(app, account) == "locked"
    done = _code(client, asked, pyotp.TOTP(secret).now())
    assert done.status_code == 200 and "Your account is unlocked" in done.text
    assert status(app, account) == "active" and outbox(app, "restored")
    assert not is_signed_in(client)  # restoring signs nobody in
    assert sign_in(client).status_code == 303
    activity = client.get("/account/activity").text
    assert "<strong>Your account was locked</strong>" in activity
    assert "<strong>A lock on your account was lifted</strong>" in activity


def test_a_level_1_holder_is_sent_to_an_office(app, factories, client):
    account = factories.account()
    act(app, account, lambda a: lifecycle.lock(a, "holder_request", source="holder",
                                               requested_by="holder", actor="holder"))
    page = _restore(client)
    assert "immigration office" in page.text and "one-time-code" not in page.text
    assert status(app, account) == "locked"


def test_only_the_holders_own_lock_lifts_online(app, factories, client):
    account = factories.account()
    factories.level2(account)
    for reason in ("holder_request", "terms_breach"):
        act(app, account, lambda a, r=reason: lifecycle.lock(
            a, r, source="operator", requested_by="x", actor="staff:tran"))
    page = _restore(client)
    assert "cannot be lifted online" in page.text and "one-time-code" not in page.text


def test_a_wrong_password_says_nothing_about_the_account(app, factories, client):
    account = factories.account()
    act(app, account, lambda a: lifecycle.lock(a, "holder_request", source="holder",
                                               requested_by="holder", actor="holder"))
    wrong = _restore(client, password="not the password")
    unknown = _restore(client, login="nobody@example.test")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.text.count("not correct") == unknown.text.count("not correct") == 1


def test_the_code_step_needs_the_password_step_first(client):
    page = client.get("/account/restore")
    response = _code(client, page, "123456")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/restore")


def test_the_account_page_says_where_registry_details_are_corrected(factories, client):
    factories.account()
    sign_in(client)
    page = client.get("/account").text
    assert "immigration registry" in page and "immigration office" in page
    assert 'name="given_name"' not in page
