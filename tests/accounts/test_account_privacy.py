"""Sessions, connected services and the activity log, as the holder and the services see them."""

from ..rp import TestRelyingParty
from ..rp import csrf_of
from .pages import END_SESSION
from .pages import REVOKE
from .pages import is_signed_in
from .pages import sign_in
from .pages import submit


def test_the_sessions_page_marks_this_device_and_signs_out_another(app, factories, rp):
    tokens = rp.tokens()  # the holder's phone, where the bank also got tokens
    laptop = app.test_client()
    sign_in(laptop)
    page = laptop.get("/account/sessions", headers={"User-Agent": "Mozilla/5.0"}).text
    assert page.count("This device") == 1
    assert "Sign out my other sessions (1)" in page
    phone_sid = END_SESSION.search(page).group(1)
    ended = submit(laptop, f"/account/sessions/{phone_sid}/end", "/account/sessions")
    assert ended.status_code == 303 and ended.headers["Location"] == "/account/sessions"
    assert "That session is signed out" in laptop.get("/account/sessions").text
    assert not is_signed_in(rp.browser)
    assert is_signed_in(laptop)
    assert rp.refresh(tokens["refresh_token"]).json["error"] == "invalid_grant"
    assert rp.introspect(tokens["access_token"]).json == {"active": False}


def test_this_device_has_no_sign_out_button_in_the_list_but_its_own_id_signs_out_here(rp):
    tokens = rp.tokens()
    page = rp.browser.get("/account/sessions").text
    assert END_SESSION.search(page) is None
    assert "You are not signed in anywhere else" in page
    own_sid = rp.verify_id_token(tokens["id_token"])["sid"]  # what the bank knows as `sid`
    ended = submit(rp.browser, f"/account/sessions/{own_sid}/end", "/account/totp")
    assert ended.status_code == 303 and ended.headers["Location"] == "/"
    assert not is_signed_in(rp.browser)
    assert rp.refresh(tokens["refresh_token"]).json["error"] == "invalid_grant"


def test_another_holders_session_or_consent_is_not_found(app, factories, rp):
    rp.tokens()
    holder_page = rp.browser.get("/account/services").text
    consent_id = REVOKE.search(holder_page).group(1)
    other_browser = app.test_client()
    sign_in(other_browser)  # the same holder elsewhere, to read a session id off the list
    holder_sid = END_SESSION.search(other_browser.get("/account/sessions").text).group(1)
    factories.account(login="intruder@example.test")
    intruder = app.test_client()
    sign_in(intruder, login="intruder@example.test")
    assert submit(intruder, f"/account/sessions/{holder_sid}/end",
                  "/account/totp").status_code == 404
    assert submit(intruder, f"/account/services/{consent_id}/revoke",
                  "/account/totp").status_code == 404
    assert is_signed_in(rp.browser)
    assert "Test Bank" in rp.browser.get("/account/services").text


def test_disconnecting_a_service_stops_its_tokens_and_asks_consent_again(rp):
    tokens = rp.tokens()
    page = rp.browser.get("/account/services").text
    assert "Test Bank" in page
    assert "Your name, date of birth, gender and language" in page
    assert "Your e-mail address" in page and "Your mobile number" not in page
    consent_id = REVOKE.search(page).group(1)
    revoked = rp.browser.post(f"/account/services/{consent_id}/revoke",
                              data={"csrf_token": csrf_of(page)})
    assert revoked.status_code == 303 and revoked.headers["Location"] == "/account/services"
    after = rp.browser.get("/account/services").text
    assert "Test Bank can no longer get your data" in after
    assert "No service receives your data" in after
    refreshed = rp.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 400 and refreshed.json["error"] == "invalid_grant"
    assert rp.introspect(tokens["access_token"]).json == {"active": False}
    assert rp.userinfo(tokens["access_token"]).status_code == 401
    assert rp.authorize().headers["Location"].startswith("/authorize/consent/")
    assert "You disconnected Test Bank" in rp.browser.get("/account/activity").text


def test_disconnecting_one_service_leaves_the_others_alone(app, factories, rp):
    rp.tokens()
    portal = TestRelyingParty(app, factories, share_with=rp, name="Tax Portal",
                              redirect_uris=["https://portal.test/cb"])
    portal_tokens = portal.tokens()
    page = rp.browser.get("/account/services").text
    bank_form = page.split("<h2>Test Bank</h2>")[1]
    submit(rp.browser, f"/account/services/{REVOKE.search(bank_form).group(1)}/revoke",
           "/account/services")
    assert portal.refresh(portal_tokens["refresh_token"]).status_code == 200
    assert "Tax Portal" in rp.browser.get("/account/services").text


def test_the_activity_log_lists_sign_ins_and_what_each_service_received(rp):
    rp.tokens(scope="openid profile email")
    page = rp.browser.get("/account/activity").text
    assert "Signed in</strong> with password" in page
    assert "Test Bank received</strong> (level 1)" in page
    received = page.split("Test Bank received")[1].split("</li>")[0]
    for words in ("an identifier for this service only", "full name", "date of birth",
                  "e-mail address"):
        assert words in received
    assert "mobile number" not in received
    assert "UTC+7" in page
