"""Checklist §3.9, the security-event stream (SEC-91): each flow run through HTTP leaves exactly
one event per action on the `idp.security` logger, with its fields, a UTC time and a
pseudonymous user reference, and no secret of the flow (SEC-92) or forged line (SEC-93).
Sign-in, tokens and replays here; second factors in test_sec_logging_factors.py, staff and
operators in test_sec_logging_staff.py; tests/security/stream.py reads the stream."""

from __future__ import annotations

import json
import logging

import pytest

from idp import security_log
from idp.accounts import lifecycle
from idp.logs import JsonFormatter

from ..factories import PASSWORD
from ..lifecycle.helpers import act
from ..rp import FLOW
from ..rp import csrf_of
from .stream import REFERENCE
from .stream import assert_attempt
from .stream import json_lines
from .stream import user_ref

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
