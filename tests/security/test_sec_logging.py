"""Checklist §3.9, the security-event stream (SEC-91): each flow run through HTTP leaves exactly
one event per action on the `idp.security` logger, with its fields, a UTC time and a
pseudonymous user reference, and no secret of the flow (SEC-92) or forged line (SEC-93)."""

from __future__ import annotations

import json
import logging
import re

import pyotp
import pytest

from idp import audit
from idp import security_log
from idp.accounts import lifecycle
from idp.extensions import db
from idp.logs import JsonFormatter

from ..accounts import test_account_totp as totp_pages
from ..accounts.pages import END_SESSION
from ..accounts.pages import REVOKE
from ..accounts.pages import enroll_totp
from ..accounts.pages import sign_in
from ..accounts.pages import submit
from ..admin.test_console import create_staff
from ..admin.test_console import register
from ..admin.test_console import sign_in as staff_sign_in
from ..authn import test_passkeys as passkeys
from ..cli import invoke_json
from ..factories import PASSWORD
from ..lifecycle.helpers import act
from ..rp import FLOW
from ..rp import TestRelyingParty
from ..rp import csrf_of

ESSENTIAL_2 = json.dumps({"id_token": {"acr": {"essential": True, "values": ["2"]}}})
REQUEST_FIELDS = ("event", "time", "ip", "user_agent", "request_id")
ATTEMPT_FIELDS = (*REQUEST_FIELDS, "result", "reason", "factor", "acr", "client_id", "user",
                  "stage", "realm")
REFERENCE = re.compile(r"^[0-9a-f]{16}$")


class Stream:
    """The security events caplog saw since the last take()."""

    def __init__(self, caplog) -> None:
        self.caplog = caplog

    def records(self) -> list[logging.LogRecord]:
        return [r for r in self.caplog.records if r.name == security_log.LOGGER.name]

    def take(self, *names: str) -> dict[str, dict]:
        """Exactly these events, one each (in any order), by name; the stream starts afresh."""
        events = [r.security for r in self.records()]
        self.caplog.clear()
        assert sorted(e["event"] for e in events) == sorted(names), [e["event"] for e in events]
        for event in events:
            assert set(REQUEST_FIELDS) <= set(event), event
            assert event["time"].endswith(("+00:00", "Z")), event["time"]
            assert event["ip"] == "127.0.0.1" and event["user_agent"] and event["request_id"]
        return {e["event"]: e for e in events}


@pytest.fixture
def stream(caplog) -> Stream:
    caplog.set_level(logging.INFO, logger=security_log.LOGGER.name)
    return Stream(caplog)


def user_ref(app, account) -> str:
    with app.app_context():
        reference = security_log.user_ref(account.id)
    assert REFERENCE.match(reference) and reference != str(account.id)
    return reference


def assert_attempt(event: dict, **expected) -> None:
    assert set(ATTEMPT_FIELDS) <= set(event), event
    for name, value in expected.items():
        assert event[name] == value, (name, event)


def json_lines(stream: Stream) -> str:
    return "\n".join(JsonFormatter().format(r) for r in stream.records())


# --- sign-in, consent, tokens ------------------------------------------------------------------

def test_sec_91_a_sign_in_consent_and_each_token_are_one_event_each(app, rp, stream):
    user = user_ref(app, rp.account)
    callback = rp.sign_in_and_get_code()
    lines = json_lines(stream)
    events = stream.take("authn.password", "consent.granted", "claims.released")
    assert_attempt(events["authn.password"], result="success", reason=None, factor="password",
                   acr="1", client_id=rp.client.client_id, user=user, stage="sign_in",
                   realm="holder")
    assert REFERENCE.match(events["authn.password"]["login_ref"])
    assert events["consent.granted"]["user"] == user
    assert events["consent.granted"]["client_id"] == rp.client.client_id

    tokens = rp.exchange(callback["code"]).json
    lines += json_lines(stream)
    issued = stream.take("token.issued")["token.issued"]
    assert issued["grant_type"] == "authorization_code" and issued["user"] == user
    assert issued["acr"] == "1" and issued["client_id"] == rp.client.client_id
    assert REFERENCE.match(issued["grant"]) and issued["refresh_token_issued"] is True

    refreshed = rp.refresh(tokens["refresh_token"]).json
    lines += json_lines(stream)
    event = stream.take("token.refreshed")["token.refreshed"]
    assert event["grant_type"] == "refresh_token" and event["grant"] == issued["grant"]

    assert rp.revoke(refreshed["refresh_token"]).status_code == 200
    lines += json_lines(stream)
    revoked = stream.take("token.revoked")["token.revoked"]
    assert revoked["reason"] == "revoked_by_client" and revoked["user"] == user
    assert revoked["token_type"] == "refresh_token" and revoked["grant"] == issued["grant"]

    # SEC-92: the stream holds no secret the flow used, and no clear identifier of the holder.
    for secret in (PASSWORD, rp.secret, rp.verifier, callback["code"], tokens["access_token"],
                   tokens["refresh_token"], tokens["id_token"], refreshed["refresh_token"],
                   rp.login, f'"user": "{rp.account.id}"'):
        assert secret not in lines


@pytest.mark.parametrize("replayed", ["code", "refresh_token"])
def test_sec_91_a_replayed_code_or_refresh_token_is_one_replay_event(app, rp, stream, replayed):
    callback = rp.sign_in_and_get_code()
    tokens = rp.exchange(callback["code"]).json
    if replayed == "refresh_token":
        rp.refresh(tokens["refresh_token"])
    stream.caplog.clear()
    again = (rp.exchange(callback["code"]) if replayed == "code"
             else rp.refresh(tokens["refresh_token"]))
    assert again.json["error"] == "invalid_grant"
    [record] = stream.records()
    assert record.levelno == logging.WARNING
    event = stream.take(f"replay.{replayed}")[f"replay.{replayed}"]
    assert event["result"] == "failure" and event["reason"] == "replayed"
    assert event["client_id"] == rp.client.client_id and event["revoked"] is True
    if replayed == "refresh_token":
        assert event["user"] == user_ref(app, rp.account)


def test_sec_91_client_credentials_and_their_revocation_are_one_event_each(app, factories, stream):
    client, secret = factories.client(grant_types=["client_credentials"], redirect_uris=[],
                                      scope="openid profile")
    browser = app.test_client()
    token = browser.post("/token", data={"grant_type": "client_credentials"},
                         auth=(client.client_id, secret)).json["access_token"]
    issued = stream.take("token.issued")["token.issued"]
    assert issued["grant_type"] == "client_credentials" and issued["client_id"] == client.client_id
    assert issued["user"] is None and issued["refresh_token_issued"] is False
    browser.post("/revoke", data={"token": token}, auth=(client.client_id, secret))
    revoked = stream.take("token.revoked")["token.revoked"]
    assert revoked["token_type"] == "access_token" and revoked["grant"] is None


# --- failed sign-ins ---------------------------------------------------------------------------

def _login_page(rp):
    return rp.browser.get(rp.authorize().headers["Location"])


@pytest.mark.parametrize("outcome", ["invalid", "unknown", "missing", "throttled", "locked"])
def test_sec_91_each_failed_password_attempt_is_one_event(app, rp, stream, outcome):
    if outcome == "locked":
        act(app, rp.account, lambda a: lifecycle.lock(a, "terms_breach", source="operator",
                                                     requested_by="test", actor="test"))
    if outcome == "throttled":
        for _ in range(6):
            assert rp.submit_login(_login_page(rp), password="wrong guess " * 3).status_code == 401
            stream.take("authn.password")
    page = _login_page(rp)
    stream.caplog.clear()
    login = {"unknown": "nobody@example.test", "missing": ""}.get(outcome)
    password = {"invalid": "not the password at all", "missing": ""}.get(outcome, PASSWORD)
    response = rp.browser.post("/login", data={
        "csrf_token": csrf_of(page.text), "flow": FLOW.search(page.text).group(1),
        "login": rp.login if login is None else login, "password": password})
    assert response.status_code in (400, 401, 403, 429)
    event = stream.take("authn.password")["authn.password"]
    known = outcome in ("invalid", "throttled", "locked")
    assert_attempt(event, result="failure", reason="invalid" if outcome == "unknown" else outcome,
                   factor="password", acr=None, client_id=rp.client.client_id)
    if outcome in ("invalid", "locked"):
        assert event["user"] == user_ref(app, rp.account)
    else:
        assert event["user"] is None  # not looked up: no query for an unknown or throttled try
    if known:
        with app.app_context():
            assert event["login_ref"] == security_log.login_ref(rp.login)


# --- second factors and step-up ----------------------------------------------------------------

def level2_rp(app, factories, **meta):
    rp = TestRelyingParty(app, factories, **meta)
    rp.totp_secret, rp.recovery_codes = factories.level2(rp.account)
    return rp


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


# --- staff, officers, operators ----------------------------------------------------------------

def test_sec_91_an_officer_signing_in_locking_and_restoring_is_one_event_per_action(
        app, factories, stream):
    rp = TestRelyingParty(app, factories)
    rp.tokens()
    user = user_ref(app, rp.account)
    secret = create_staff(app, login="officer@idp.test", role="officer")
    with app.app_context():
        officer = security_log.party_ref("staff:officer@idp.test")
    stream.caplog.clear()
    officer_browser = app.test_client()
    assert staff_sign_in(officer_browser, "officer@idp.test", secret).status_code == 303
    events = stream.take("authn.password", "authn.totp")
    assert_attempt(events["authn.password"], result="success", realm="staff", user=officer)
    assert_attempt(events["authn.totp"], result="success", realm="staff", user=officer,
                   stage="second_factor")

    path = f"/admin/locks/account/{rp.account.identification_number}"
    page = officer_browser.get(path)
    stream.caplog.clear()
    locked = officer_browser.post(path, data={
        "csrf_token": csrf_of(page.text), "reason": "terms_breach", "source": "operator",
        "requested_by": "Officer Tran"})
    assert locked.status_code == 303
    lines = json_lines(stream)
    events = stream.take("audit.account.lock", "account.locked", "token.revoked")
    assert events["audit.account.lock"]["actor"] == officer
    assert events["audit.account.lock"]["target"] == f"account:{user}"
    assert events["account.locked"]["user"] == user
    assert events["account.locked"]["reason"] == "terms_breach"
    assert events["token.revoked"]["reason"] == "account_locked:terms_breach"
    assert "officer@idp.test" not in lines and rp.account.identification_number not in lines

    page = officer_browser.get(path)
    lock_id = re.search(r'id="lock-(\d+)"', page.text).group(1)
    stream.caplog.clear()
    officer_browser.post(f"/admin/locks/{lock_id}/lift", data={
        "csrf_token": csrf_of(page.text), "reason": "breach remedied"})
    events = stream.take("audit.account.restore", "account.restored")
    assert events["account.restored"]["user"] == user


def test_sec_91_admin_console_and_cli_actions_are_audit_events(app, factories, stream):
    secret = create_staff(app)  # `flask staff create`: an operator's action
    created = stream.caplog.records
    assert [r.security["event"] for r in created if r.name == "idp.security"] == [
        "audit.staff.create"]
    stream.caplog.clear()
    admin = app.test_client()
    staff_sign_in(admin, "admin@idp.test", secret)
    stream.caplog.clear()
    assert register(admin).status_code == 201
    event = stream.take("audit.client.create")["audit.client.create"]
    assert event["actor"].startswith("staff:") and "admin@idp.test" not in event["actor"]
    assert event["target"].startswith("client:")  # a client id names no person: kept

    account = factories.account()
    invoke_json(app, "accounts", "lock", account.identification_number, "--reason",
                "terms_breach", "--source", "operator", "--requested-by", "Officer Tran")
    events = {r.security["event"]: r.security for r in stream.records()}
    assert set(events) == {"audit.account.lock", "account.locked"}
    assert events["audit.account.lock"]["actor"].startswith("cli:")
    assert events["audit.account.lock"]["target"] == f"account:{user_ref(app, account)}"


def test_sec_91_an_event_about_a_change_is_written_only_when_it_commits(app, stream):
    with app.app_context():
        audit.record("cli:tester", "client.update", "client:bank")
        db.session.rollback()
        assert stream.records() == []
        audit.record("cli:tester", "client.update", "client:bank")
        assert stream.records() == []
        db.session.commit()
    [record] = stream.records()
    assert record.security["event"] == "audit.client.update"
    assert record.security["time"].endswith("+00:00")


def test_sec_91_operators_map_a_reference_back_to_the_account(app, factories):
    account = factories.account()
    shown = invoke_json(app, "accounts", "log-ref", account.login)
    assert shown["user"] == user_ref(app, account)
    found = invoke_json(app, "accounts", "find-log-ref", shown["user"])
    assert found["id"] == account.id
    with app.app_context():
        assert db.session.scalar(db.select(audit.AuditEvent.action).order_by(
            audit.AuditEvent.id.desc())) == "account.log_ref_resolved"


# --- log injection (SEC-93) --------------------------------------------------------------------

def test_sec_91_a_forged_newline_in_a_username_stays_inside_one_record(client, stream):
    forged = "bob\r\n2026-01-01T00:00:00Z LOGIN_SUCCESS admin"
    page = client.get("/login")
    client.post("/login", data={"csrf_token": csrf_of(page.text), "flow": "", "login": forged,
                                "password": "whatever whatever"},
                headers={"User-Agent": "Mozilla/5.0 " + "x" * 500})
    [record] = stream.records()
    line = JsonFormatter().format(record)
    assert "\n" not in line and "\r" not in line and "LOGIN_SUCCESS" not in line
    entry = json.loads(line)
    assert entry["logger"] == "idp.security" and entry["security"]["event"] == "authn.password"
    assert len(entry["security"]["user_agent"]) == security_log.USER_AGENT_LENGTH
    with client.application.test_request_context("/login"):
        security_log.emit("authn.password", reason=forged)
    line = JsonFormatter().format(stream.records()[-1])
    assert "\n" not in line and json.loads(line)["security"]["reason"] == forged
