"""SEC-91 for second factors: step-up attempts (TOTP, recovery code, passkey), TOTP replay,
factors added and removed, consents revoked and sessions ended, one event per action."""

from __future__ import annotations

import json
import logging

import pyotp
import pytest

from ..accounts import test_account_totp as totp_pages
from ..accounts.pages import END_SESSION
from ..accounts.pages import REVOKE
from ..accounts.pages import enroll_totp
from ..accounts.pages import sign_in
from ..accounts.pages import submit
from ..authn import test_passkeys as passkeys
from ..rp import FLOW
from ..rp import TestRelyingParty
from ..rp import csrf_of
from .stream import assert_attempt
from .stream import level2_rp
from .stream import user_ref

ESSENTIAL_2 = json.dumps({"id_token": {"acr": {"essential": True, "values": ["2"]}}})


# --- second factors and step-up ----------------------------------------------------------------

def _step_up_page(rp):
    response = rp.authorize(claims=ESSENTIAL_2)
    assert response.headers["Location"].startswith("/login/second-factor?flow=")
    return rp.browser.get(response.headers["Location"])


@pytest.mark.parametrize("factor", ["totp", "recovery_code"])
def test_sec_91_each_step_up_attempt_is_one_event(app, factories, stream, factor):
    rp = level2_rp(app, factories)
    rp.tokens()
    page = _step_up_page(rp)
    stream.caplog.clear()
    wrong = {"code": "000000" if pyotp.TOTP(rp.totp_secret).now() != "000000" else "111111"}
    if factor == "recovery_code":
        wrong = {"recovery_code": "AAAA-BBBB-CCCC-DDDD"}
    form = {"csrf_token": csrf_of(page.text), "flow": FLOW.search(page.text).group(1)}
    assert rp.browser.post("/login/second-factor", data={**form, **wrong}).status_code == 401
    failed = stream.take(f"authn.{factor}")[f"authn.{factor}"]
    right = ({"recovery_code": rp.recovery_codes[0]} if factor == "recovery_code"
             else {"code": pyotp.TOTP(rp.totp_secret).now()})
    assert rp.browser.post("/login/second-factor", data={**form, **right}).status_code == 303
    done = stream.take(f"authn.{factor}")[f"authn.{factor}"]
    user = user_ref(app, rp.account)
    assert_attempt(failed, result="failure", reason="invalid", factor=factor, stage="step_up",
                   user=user, client_id=rp.client.client_id, acr=None)
    assert_attempt(done, result="success", reason=None, factor=factor, stage="step_up",
                   user=user, client_id=rp.client.client_id, acr="2")


def test_sec_91_a_replayed_totp_code_is_one_replay_event(app, factories, stream):
    rp = level2_rp(app, factories)
    rp.tokens()
    code = pyotp.TOTP(rp.totp_secret).now()
    assert rp.follow_to_client(rp.submit_totp(_step_up_page(rp), code))["code"]
    other = TestRelyingParty(app, factories, share_with=rp, name="Portal",
                             redirect_uris=["https://portal.test/cb"])
    other.browser = app.test_client()  # another device, same account, same 30 s step
    other.tokens()
    page = _step_up_page(other)
    stream.caplog.clear()
    assert other.submit_totp(page, code).status_code == 401
    [record] = stream.records()
    assert record.levelno == logging.WARNING
    assert_attempt(stream.take("replay.totp")["replay.totp"], result="failure", reason="replayed",
                   factor="totp", stage="step_up", user=user_ref(app, rp.account),
                   client_id=other.client.client_id)


def test_sec_91_passkey_sign_in_and_step_up_attempts_are_one_event_each(app, factories, stream):
    rp = level2_rp(app, factories, min_level=2)
    device = passkeys.Device()
    passkeys.enroll(app, rp.account, device)
    user = user_ref(app, rp.account)
    stream.caplog.clear()  # the set-up's own events (the level-2 proofing, audited)
    response, _ = passkeys.sign_in_with_passkey(rp.browser, device, origin="https://evil.test")
    assert response.status_code == 401
    assert_attempt(stream.take("authn.passkey")["authn.passkey"], result="failure",
                   reason="invalid_response", factor="passkey", user=None, acr=None)
    response, _ = passkeys.sign_in_with_passkey(rp.browser, device)
    assert response.status_code == 200
    assert_attempt(stream.take("authn.passkey")["authn.passkey"], result="success",
                   factor="passkey_uv", stage="sign_in", user=user, acr="2")

    other = TestRelyingParty(app, factories, share_with=rp, name="Portal",
                             redirect_uris=["https://portal.test/cb"], min_level=2)
    other.browser = app.test_client()
    passkeys.sign_in_with_password(other)
    flow, token, options = passkeys.step_up_options(other)
    stream.caplog.clear()
    stepped = passkeys.post_json(other.browser, "/login/second-factor/passkey",
                                 {"credential": device.get(options), "flow": flow}, token=token)
    assert stepped.status_code == 200
    assert_attempt(stream.take("authn.passkey")["authn.passkey"], result="success",
                   factor="passkey_uv", stage="step_up", user=user, acr="2",
                   client_id=other.client.client_id)


# --- factors, consents, sessions ---------------------------------------------------------------

def test_sec_91_each_factor_added_or_removed_is_one_event(app, factories, stream):
    rp = level2_rp(app, factories)
    browser = rp.browser
    passkeys.sign_in_with_password(rp)
    passkeys.step_up_with_totp(rp)
    stream.caplog.clear()
    user = user_ref(app, rp.account)

    def changed(name, factor):
        event = stream.take(name)[name]
        assert event["factor"] == factor and event["user"] == user and event["result"] == "success"

    assert passkeys.add_passkey(browser, passkeys.Device()).status_code == 201
    changed("factor.added", "passkey")
    [passkey_id] = passkeys.passkey_ids(app, rp.account)
    assert browser.post(f"/account/passkeys/{passkey_id}/delete",
                        data={"csrf_token": passkeys.token_of(browser)}).status_code == 303
    changed("factor.removed", "passkey")
    assert submit(browser, "/account/totp/recovery-codes", "/account/totp").status_code == 200
    changed("factor.added", "recovery_codes")
    assert submit(browser, "/account/totp/remove", "/account/totp").status_code == 303
    changed("factor.removed", "totp")
    page, secret = enroll_totp(browser)
    stream.caplog.clear()
    assert totp_pages.confirm(browser, page, "000000" if totp_pages.next_code(secret) != "000000"
                              else "111111").status_code == 400
    assert_attempt(stream.take("authn.totp")["authn.totp"], result="failure", reason="invalid",
                   stage="enrolment", user=user)
    assert totp_pages.confirm(browser, page, totp_pages.next_code(secret)).status_code == 200
    changed("factor.added", "totp")


def test_sec_91_a_consent_revoked_or_a_session_ended_revokes_tokens_in_one_event(app, rp, stream):
    rp.tokens()
    user = user_ref(app, rp.account)
    consent_id = REVOKE.search(rp.browser.get("/account/services").text).group(1)
    stream.caplog.clear()
    assert submit(rp.browser, f"/account/services/{consent_id}/revoke",
                  "/account/services").status_code == 303
    events = stream.take("consent.revoked", "token.revoked")
    assert events["consent.revoked"]["client_id"] == rp.client.client_id
    revoked = events["token.revoked"]
    assert revoked["reason"] == "consent_revoked" and revoked["user"] == user
    assert revoked["client_id"] == rp.client.client_id and revoked["grants"] == 1

    rp.tokens()
    laptop = app.test_client()
    sign_in(laptop)
    phone_sid = END_SESSION.search(laptop.get("/account/sessions").text).group(1)
    stream.caplog.clear()
    submit(laptop, f"/account/sessions/{phone_sid}/end", "/account/sessions")
    events = stream.take("session.ended", "token.revoked")
    assert events["session.ended"]["count"] == 1
    assert events["token.revoked"]["reason"] == "session_ended"


