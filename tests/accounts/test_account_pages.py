"""The account overview and password change, as the holder sees them (/account)."""

import re
import time
from datetime import date

import pytest
import time_machine

from idp.accounts.models import LOCKED
from idp.accounts.models import Account
from idp.extensions import db

from ..factories import PASSWORD
from ..rp import query_of
from .pages import enroll_totp
from .pages import is_signed_in
from .pages import sign_in
from .pages import submit

NEW_PASSWORD = "river lanterns drift past the old bridge"


def test_a_visitor_is_sent_to_sign_in_and_comes_back_to_the_page(client, factories):
    factories.account()
    response = client.get("/account/activity")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?")
    assert query_of(response.headers["Location"])["next"] == "/account/activity"
    signed_in = sign_in(client, next_path="/account/activity")
    assert signed_in.headers["Location"] == "/account/activity"
    assert "Recent activity" in client.get("/account/activity").text


def test_the_home_page_links_to_the_account_once_signed_in(client, factories):
    factories.account()
    assert 'href="/account"' not in client.get("/").text
    sign_in(client)
    assert 'href="/account"' in client.get("/").text


def test_a_level1_overview_says_what_level_1_means_and_how_to_reach_2(client, factories):
    factories.account()
    sign_in(client)
    page = client.get("/account").text
    assert "Minh An Nguyễn" in page and "holder@example.test" in page
    assert "Level 1" in page and "matched the immigration registry" in page
    assert "in person at an immigration office" in page
    assert "No documents are recorded for level 2 yet" in page


def test_a_level2_overview_shows_documents_read_only_and_where_to_correct_them(app, factories):
    account = factories.account()
    factories.level2(account)
    browser = app.test_client()
    sign_in(browser)
    page = browser.get("/account").text
    assert "Level 2" in page and "face or fingerprints matched" in page
    assert "Passport" in page and "Temporary residence card" in page
    assert page.count("2099-12-31") == 2
    assert "B1234567" not in page and "TT0012345" not in page  # numbers stay off screen
    assert "you cannot change them here" in page and "go to an immigration office" in page
    assert "<input" not in page.split("Your documents")[1].split("How you sign in")[0]
    assert "Authenticator app</strong>:" in page and "on, 10 recovery codes left" in page


def test_an_expired_residence_card_is_explained_on_the_overview(app, factories):
    account = factories.account()
    factories.level2(account, card_expires=date(2024, 1, 31))
    browser = app.test_client()
    sign_in(browser)
    page = browser.get("/account").text
    assert "Your residence card expired on 2024-01-31, so services see level 1" in page
    assert "(expired" in page


def test_a_level2_account_without_a_second_factor_is_told_to_add_one(app, factories):
    account = factories.account()
    factories.level2(account, with_totp=False)
    browser = app.test_client()
    sign_in(browser)
    assert "Add an authenticator app or a passkey" in browser.get("/account").text


def test_account_pages_load_nothing_from_elsewhere_and_run_no_inline_script(client, factories):
    factories.account()
    sign_in(client)
    browser = client
    enroll_totp(browser)
    for path in ("/account", "/account/password", "/account/totp", "/account/totp/setup",
                 "/account/sessions", "/account/services", "/account/activity"):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
        assert not re.search(r'(src|href)="(https?:)?//', response.text), path
        assert "<script>" not in response.text and " on" + "click=" not in response.text


def test_a_weak_new_password_is_refused_with_the_reason(client, factories):
    factories.account()
    sign_in(client)
    short = submit(client, "/account/password", "/account/password",
                   current_password=PASSWORD, new_password="short one")
    assert short.status_code == 400
    assert "Use at least 15 characters" in short.text
    assert 'aria-describedby="new-hint new-error"' in short.text
    named = submit(client, "/account/password", "/account/password",
                   current_password=PASSWORD, new_password="minh an likes hanoi evenings")
    assert named.status_code == 400
    assert "Do not use your name, e-mail or identifiers" in named.text
    assert sign_in(client.application.test_client()).status_code == 303  # still the old one


def test_a_wrong_current_password_changes_nothing(app, client, factories):
    factories.account()
    sign_in(client)
    response = submit(client, "/account/password", "/account/password",
                      current_password="not my password at all", new_password=NEW_PASSWORD)
    assert response.status_code == 401
    assert "That is not your current password" in response.text
    assert 'aria-describedby="current-error"' in response.text
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 401


def test_a_password_change_takes_effect_and_offers_to_sign_out_other_sessions(app, factories):
    factories.account()
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone)
    sign_in(laptop)
    changed = submit(laptop, "/account/password", "/account/password",
                     current_password=PASSWORD, new_password=NEW_PASSWORD)
    assert changed.status_code == 303 and changed.headers["Location"] == "/account/sessions"
    page = laptop.get("/account/sessions").text
    assert "Your password has been changed" in page
    assert "Sign out my other sessions (1)" in page
    assert is_signed_in(phone)  # nothing ends until the holder asks
    ended = submit(laptop, "/account/sessions/end-others", "/account/sessions")
    assert ended.status_code == 303
    assert "Other sessions signed out: 1." in laptop.get("/account/sessions").text
    assert not is_signed_in(phone)
    assert is_signed_in(laptop)
    assert sign_in(app.test_client()).status_code == 401
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 303
    assert "Password changed" in laptop.get("/account/activity").text


def test_an_old_password_only_session_signs_in_again_before_changing_the_password(client,
                                                                                  factories):
    factories.account()
    sign_in(client)
    with time_machine.travel(time.time() + 16 * 60, tick=False):
        response = client.get("/account/password")
        assert response.status_code == 303
        assert query_of(response.headers["Location"])["next"] == "/account/password"
        assert response.headers["Location"].startswith("/login?")
        assert sign_in(client, next_path="/account/password").headers["Location"] == \
            "/account/password"
        assert 'name="new_password"' in client.get("/account/password").text


@pytest.mark.parametrize("path", [
    "/account/totp/enroll", "/account/totp/confirm", "/account/totp/recovery-codes",
    "/account/totp/remove", "/account/sessions/end-others", "/account/sessions/abc/end",
    "/account/services/1/revoke",
])
def test_buttons_are_posts_and_a_get_changes_nothing(client, factories, path):
    factories.account()
    sign_in(client)
    assert client.get(path).status_code == 405


def test_a_form_without_its_csrf_token_is_refused(app, factories):
    account = factories.account()
    factories.level2(account)
    browser = app.test_client()
    sign_in(browser)
    response = browser.post("/account/totp/remove")
    assert response.status_code == 400
    assert "The form has expired" in response.text
    assert "Remove the authenticator app" in browser.get("/account/totp").text


def test_a_session_of_an_account_locked_since_is_over(app, client, factories):
    account = factories.account()
    sign_in(client)
    with app.app_context():
        db.session.get(Account, account.id).status = LOCKED
        db.session.commit()
    response = client.get("/account")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login?")
    assert "Signed in" not in client.get("/").text
