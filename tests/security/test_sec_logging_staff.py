"""SEC-91 for staff, officers and operators: console sign-in, locks, console and CLI actions
(every audit row is an event), events written only on commit, and mapping a reference back."""

from __future__ import annotations

import re

from idp import audit
from idp import security_log
from idp.extensions import db

from ..admin.test_console import create_staff
from ..admin.test_console import register
from ..admin.test_console import sign_in as staff_sign_in
from ..cli import invoke_json
from ..rp import TestRelyingParty
from ..rp import csrf_of
from .stream import assert_attempt
from .stream import json_lines
from .stream import user_ref

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


