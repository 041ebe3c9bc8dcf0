"""acr in practice: level-2 requirements, step-up, unmet requirements, windows (DESIGN.md).

Every test checks that the ID token, the access token and introspection agree on acr, amr and
auth_time.
"""

import json
from datetime import date
from datetime import timedelta

import pyotp
import time_machine

from idp.accounts.models import Account
from idp.extensions import db

from ..factories import REDIRECT_URI
from ..rp import TestRelyingParty
from ..rp import assert_agree
from ..rp import csrf_of
from ..rp import query_of

ESSENTIAL_2 = json.dumps({"id_token": {"acr": {"essential": True, "values": ["2"]}}})




def level2_rp(app, factories, **client_meta):
    rp = TestRelyingParty(app, factories, **client_meta)
    rp.totp_secret, rp.recovery_codes = factories.level2(rp.account)
    return rp


def test_level1_account_at_a_level2_client_gets_the_explanation_and_unmet(app, factories):
    rp = TestRelyingParty(app, factories, min_level=2)
    response = rp.authorize(state="s-l1")
    page = rp.submit_login(rp.browser.get(response.headers["Location"]))
    page = rp.browser.get(page.headers["Location"])
    assert page.status_code == 403
    assert "Test Bank needs level 2" in page.text
    assert "immigration office" in page.text and "residence card" in page.text
    back = re_href(page.text)
    params = query_of(back)
    assert back.startswith(REDIRECT_URI)
    assert params["error"] == "unmet_authentication_requirements"
    assert params["state"] == "s-l1" and params["iss"] == "https://idp.test"
    assert "code" not in params


def re_href(html: str) -> str:
    import html as html_lib
    import re

    return html_lib.unescape(re.search(r'class="button" href="([^"]+)"', html).group(1))


def test_essential_acr_2_for_a_level1_account_is_unmet(rp):
    rp.tokens()  # signed in at level 1
    response = rp.authorize(claims=ESSENTIAL_2, state="e")
    assert response.status_code == 403
    assert query_of(re_href(response.text))["error"] == "unmet_authentication_requirements"


def test_voluntary_acr_values_2_for_a_level1_account_answers_acr_1(rp):
    tokens = rp.tokens(acr_values="2")
    assert assert_agree(rp, tokens)["acr"] == "1"


def test_step_up_asks_only_for_the_totp_and_reaches_level_2(app, factories):
    rp = level2_rp(app, factories)
    first = assert_agree(rp, rp.tokens())
    assert first["acr"] == "1" and first["amr"] == ["pwd"]
    cookie_before = rp.browser.get_cookie("__Host-idp_session", domain="idp.test").value
    with time_machine.travel(first["auth_time"] + 90, tick=True):
        response = rp.authorize(claims=ESSENTIAL_2)
        assert response.headers["Location"].startswith("/login/second-factor?flow=")
        page = rp.browser.get(response.headers["Location"])
        assert 'type="password"' not in page.text  # never the password again
        assert 'autocomplete="one-time-code"' in page.text
        done = rp.submit_totp(page)
        cookie_after = rp.browser.get_cookie("__Host-idp_session", domain="idp.test").value
        assert cookie_after != cookie_before  # new session id at step-up (SEC-65)
        tokens = rp.exchange(rp.follow_to_client(done)["code"]).json
        second = assert_agree(rp, tokens)
    assert second["acr"] == "2"
    assert second["amr"] == ["pwd", "otp", "mfa"]
    assert second["auth_time"] >= first["auth_time"] + 90
    assert second["sub"] == first["sub"]


def test_a_level2_client_takes_password_then_totp_from_scratch(app, factories):
    rp = level2_rp(app, factories, min_level=2)
    claims = assert_agree(rp, rp.tokens())
    assert claims["acr"] == "2"


def test_a_request_for_exactly_1_from_a_level2_session_answers_1(app, factories):
    rp = level2_rp(app, factories, min_level=2)
    rp.tokens()
    claims = assert_agree(rp, rp.tokens(claims=json.dumps(
        {"id_token": {"acr": {"essential": True, "value": "1"}}}), prompt=None))
    assert claims["acr"] == "2"  # the client's minimum level 2 still applies
    plain = TestRelyingParty(app, factories, share_with=rp, name="Portal",
                             redirect_uris=["https://portal.test/cb"])
    assert assert_agree(plain, plain.tokens(acr_values="1"))["acr"] == "1"


def test_a_used_totp_code_is_refused(app, factories):
    rp = level2_rp(app, factories)
    rp.tokens()
    code = pyotp.TOTP(rp.totp_secret).now()
    page = rp.browser.get(rp.authorize(claims=ESSENTIAL_2).headers["Location"])
    assert rp.follow_to_client(rp.submit_totp(page, code))["code"]
    other = TestRelyingParty(app, factories, share_with=rp, name="Portal",
                             redirect_uris=["https://portal.test/cb"])
    other.browser = app.test_client()  # another device, same account, same 30 s step
    response = other.authorize(claims=ESSENTIAL_2)
    page = other.submit_login(other.browser.get(response.headers["Location"]))
    page = other.browser.get(other.browser.get(page.headers["Location"]).headers["Location"])
    replay = other.submit_totp(page, code)
    assert replay.status_code == 401
    assert "This code was already used" in replay.text


def test_a_recovery_code_works_once(app, factories):
    rp = level2_rp(app, factories)
    rp.tokens()
    code = rp.recovery_codes[0]

    def use(recovery):
        page = rp.browser.get(rp.authorize(claims=ESSENTIAL_2).headers["Location"])
        flow = page.text.split('name="flow" value="')[1].split('"')[0]
        return rp.browser.post("/login/second-factor", data={
            "csrf_token": csrf_of(page.text), "flow": flow, "recovery_code": recovery})

    tokens = rp.exchange(rp.follow_to_client(use(code.lower()))["code"]).json
    assert assert_agree(rp, tokens)["acr"] == "2"
    rp.browser.post("/logout", data={"csrf_token": csrf_of(rp.browser.get("/logout").text),
                                     "confirm": "yes"})
    page = rp.authorize(claims=ESSENTIAL_2)
    page = rp.submit_login(rp.browser.get(page.headers["Location"]))
    rp.browser.get(page.headers["Location"])
    again = use(code)
    assert again.status_code == 401 and "already used" in again.text


def test_wrong_totp_codes_are_throttled(app, factories):
    rp = level2_rp(app, factories)
    rp.tokens()
    page = rp.browser.get(rp.authorize(claims=ESSENTIAL_2).headers["Location"])
    statuses = [rp.submit_totp(page, "000000").status_code for _ in range(7)]
    assert statuses[:5] == [401] * 5
    assert statuses[-1] == 429


def test_the_level2_window_closes_after_30_idle_minutes(app, factories):
    rp = level2_rp(app, factories, min_level=2)
    first = assert_agree(rp, rp.tokens())
    with time_machine.travel(first["auth_time"] + 31 * 60, tick=True):
        response = rp.authorize()
        assert response.headers["Location"].startswith("/login/second-factor")
        claims = assert_agree(rp, rp.exchange(rp.follow_to_client(response)["code"]).json)
    assert claims["acr"] == "2" and claims["auth_time"] > first["auth_time"]


def test_max_age_on_a_level2_session_asks_for_everything_again(app, factories):
    rp = level2_rp(app, factories, min_level=2)
    first = assert_agree(rp, rp.tokens())
    with time_machine.travel(first["auth_time"] + 120, tick=True):
        response = rp.authorize(max_age="60")
        assert response.headers["Location"].startswith("/login?flow=")
        claims = assert_agree(rp, rp.exchange(rp.follow_to_client(response)["code"]).json)
    assert claims["acr"] == "2" and claims["amr"] == ["pwd", "otp", "mfa"]


def test_an_expired_residence_card_keeps_the_account_at_level_1(app, factories):
    from datetime import date

    rp = TestRelyingParty(app, factories)
    rp.totp_secret, _ = factories.level2(rp.account, card_expires=date(2020, 1, 1))
    assert assert_agree(rp, rp.tokens(acr_values="2"))["acr"] == "1"
    response = rp.authorize(claims=ESSENTIAL_2)
    assert response.status_code == 403 and "residence card has expired" in response.text


def test_level2_account_without_a_second_factor_is_told_to_add_one(app, factories):
    rp = TestRelyingParty(app, factories, min_level=2)
    factories.level2(rp.account, with_totp=False)
    response = rp.authorize()
    page = rp.submit_login(rp.browser.get(response.headers["Location"]))
    page = rp.browser.get(page.headers["Location"])
    assert page.status_code == 403 and "no second factor" in page.text


def test_prompt_none_that_needs_a_step_up_is_interaction_required(app, factories):
    rp = level2_rp(app, factories)
    rp.tokens()
    response = rp.authorize(claims=ESSENTIAL_2, prompt="none", state="pn")
    params = query_of(response.headers["Location"])
    assert params["error"] == "interaction_required" and params["state"] == "pn"


def test_a_locked_account_sends_access_denied_to_the_service(app, factories):

    rp = TestRelyingParty(app, factories)
    with app.app_context():
        db.session.execute(db.update(Account).values(status="locked"))
        db.session.commit()
    response = rp.authorize(state="lk")
    page = rp.submit_login(rp.browser.get(response.headers["Location"]))
    assert page.status_code == 403 and "This account is locked" in page.text
    back = rp.browser.get(re_href(page.text))
    params = query_of(back.headers["Location"])
    assert params["error"] == "access_denied" and params["state"] == "lk"
    assert "locked" in params["error_description"]


def test_refresh_keeps_the_level_it_was_issued_at(app, factories):
    rp = level2_rp(app, factories, min_level=2)
    tokens = rp.tokens()
    refreshed = rp.refresh(tokens["refresh_token"]).json
    _, id_claims = rp.verify(refreshed["id_token"])
    _, access = rp.verify(refreshed["access_token"])
    assert id_claims["acr"] == access["acr"] == "2"
    assert id_claims["amr"] == access["amr"] == ["pwd", "otp", "mfa"]


def test_a_card_that_expired_since_the_sign_in_caps_the_refreshed_tokens_at_level_1(app, factories):
    """SEC-29: the level is re-evaluated at every refresh, not carried over from the sign-in."""
    rp = level2_rp(app, factories)
    tokens = rp.tokens(acr_values="2")
    assert rp.verify(tokens["access_token"])[1]["acr"] == "2"
    with app.app_context():
        account = db.session.get(Account, rp.account.id)
        account.residence_card_expires = date.today() - timedelta(days=1)
        db.session.commit()
    refreshed = rp.refresh(tokens["refresh_token"]).json
    _, id_claims = rp.verify(refreshed["id_token"])
    _, access = rp.verify(refreshed["access_token"])
    assert id_claims["acr"] == access["acr"] == "1"
    introspected = rp.browser.post("/introspect", data={"token": refreshed["access_token"]},
                                   auth=(rp.client.client_id, rp.secret)).json
    assert introspected["active"] is True and introspected["acr"] == "1"
