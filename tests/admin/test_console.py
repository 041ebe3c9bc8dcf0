"""The staff console: sign-in with a second factor always, roles, client registration through
the same rules as the CLI, and an audit log that the console shows and exports."""

from __future__ import annotations

import csv
import io
import json

import pyotp
import pytest
import time_machine

from idp.clients.models import Client
from idp.extensions import db

from ..rp import TestRelyingParty
from ..rp import csrf_of

STAFF_PASSWORD = "console keeper of the gates"


def create_staff(app, login="admin@idp.test", role="admin"):
    result = app.test_cli_runner().invoke(
        args=["staff", "create", login, "--name", "Test Admin", "--role", role,
              "--password-stdin", "--json"], input=STAFF_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["totp_secret"]


def sign_in(browser, login, secret, code=None):
    page = browser.get("/admin/login")
    page = browser.post("/admin/login", data={"csrf_token": csrf_of(page.text), "login": login,
                                              "password": STAFF_PASSWORD})
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.text
    return browser.post("/admin/login/code", data={
        "csrf_token": csrf_of(page.text), "code": code or pyotp.TOTP(secret).now()})


@pytest.fixture
def admin(app):
    secret = create_staff(app)
    browser = app.test_client()
    assert sign_in(browser, "admin@idp.test", secret).status_code == 303
    return browser


def register(browser, **fields):
    page = browser.get("/admin/clients/new")
    form = {"csrf_token": csrf_of(page.text), "name": "Hanoi Housing",
            "redirect_uris": "https://housing.test/cb", "grant_types": ["authorization_code"],
            "scope": ["openid", "profile"], "token_endpoint_auth_method": "client_secret_basic",
            "id_token_signed_response_alg": "ES256", "subject_type": "pairwise", "min_level": "2"}
    form.update(fields)
    return browser.post("/admin/clients/new", data=form)


def test_the_console_needs_a_signed_in_staff_member(client):
    response = client.get("/admin/clients")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_a_password_alone_does_not_open_the_console(app):
    secret = create_staff(app)
    browser = app.test_client()
    wrong = sign_in(browser, "admin@idp.test", secret, code="000000")
    assert wrong.status_code == 401
    assert browser.get("/admin/clients").status_code == 302


def test_an_admin_registers_a_client_and_sees_its_secret_once(app, admin):
    response = register(admin)
    assert response.status_code == 201
    secret = response.text.split('id="client-secret">')[1].split("<")[0]
    with app.app_context():
        client = db.session.scalar(db.select(Client).where(Client.name == "Hanoi Housing"))
        assert client.min_level == 2 and client.id_token_signed_response_alg == "ES256"
        assert secret not in (client.client_secret_hash or "")
        assert client.check_client_secret(secret)
    detail = admin.get(f"/admin/clients/{client.client_id}")
    assert secret not in detail.text


def test_an_admin_registers_a_client_that_requires_par(app, admin):
    response = register(admin, require_pushed_authorization_requests="1")
    assert response.status_code == 201
    with app.app_context():
        client = db.session.scalar(db.select(Client).where(Client.name == "Hanoi Housing"))
        assert client.require_pushed_authorization_requests is True
    edit = admin.get(f"/admin/clients/{client.client_id}/edit")
    assert 'name="require_pushed_authorization_requests" value="1" checked' in edit.text
    form = {"csrf_token": csrf_of(edit.text), "name": "Hanoi Housing",
            "redirect_uris": "https://housing.test/cb", "grant_types": ["authorization_code"],
            "scope": ["openid"], "token_endpoint_auth_method": "client_secret_basic",
            "id_token_signed_response_alg": "ES256", "subject_type": "pairwise", "min_level": "1"}
    assert admin.post(f"/admin/clients/{client.client_id}/edit", data=form).status_code == 200
    with app.app_context():
        assert db.session.get(Client, client.id).require_pushed_authorization_requests is False


@pytest.mark.parametrize("uri", ["http://housing.test/cb", "https://*.housing.test/cb",
                                 "javascript:alert(1)", "https://u@housing.test/cb"])
def test_a_bad_redirect_uri_is_refused_with_the_reason_and_nothing_stored(app, admin, uri):
    response = register(admin, redirect_uris=uri)
    assert response.status_code == 400
    assert "redirect_uris" in response.text and 'aria-invalid="true"' in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Client.id))) == 0


def test_an_auditor_reads_but_cannot_change(app, admin):
    register(admin)
    secret = create_staff(app, "auditor@idp.test", "auditor")
    auditor = app.test_client()
    sign_in(auditor, "auditor@idp.test", secret)
    assert "Hanoi Housing" in auditor.get("/admin/clients").text
    assert auditor.get("/admin/clients/new").status_code == 403
    page = auditor.get("/admin/audit")
    assert page.status_code == 200
    refused = auditor.post("/admin/clients/new", data={"csrf_token": csrf_of(page.text),
                                                        "name": "Sneaky"})
    assert refused.status_code == 403


def test_disabling_and_rotating_take_effect_at_once(app, factories, admin):
    rp = TestRelyingParty(app, factories)
    detail = admin.get(f"/admin/clients/{rp.client.client_id}")
    rotated = admin.post(f"/admin/clients/{rp.client.client_id}/rotate-secret",
                         data={"csrf_token": csrf_of(detail.text)})
    new_secret = rotated.text.split('id="client-secret">')[1].split("<")[0]
    old = rp.token(grant_type="authorization_code", code="x", redirect_uri="https://rp.test/cb")
    assert old.status_code == 401
    rp.secret = new_secret
    assert rp.tokens()["id_token"]
    admin.post(f"/admin/clients/{rp.client.client_id}/disable",
               data={"csrf_token": csrf_of(detail.text), "enable": "0"})
    assert rp.authorize().status_code == 400  # a disabled client starts no sign-in


def test_every_staff_action_is_in_the_audit_log_and_its_csv(app, admin):
    register(admin, name="=HYPERLINK(\"https://evil.test\")")
    page = admin.get("/admin/audit")
    assert "client.create" in page.text and "staff:admin@idp.test" in page.text
    rows = list(csv.reader(io.StringIO(admin.get("/admin/audit.csv").text)))
    assert rows[0] == ["at", "actor", "action", "target", "details"]
    actions = [row[2] for row in rows[1:]]
    assert actions == ["staff.create", "client.create"]


def test_csv_cells_never_start_a_formula(app, admin):
    from idp import audit

    with app.app_context():
        audit.record("=cmd|' /C calc'!A0", "-action", "@target", note="+1")
        db.session.commit()
    rows = list(csv.reader(io.StringIO(admin.get("/admin/audit.csv").text)))
    last = rows[-1]
    assert last[1].startswith("'=") and last[2].startswith("'-") and last[3].startswith("'@")


def test_the_console_session_ends_after_15_idle_minutes(admin):
    assert admin.get("/admin/clients").status_code == 200
    from idp.clock import timestamp

    with time_machine.travel(timestamp() + 16 * 60, tick=False):
        assert admin.get("/admin/clients").status_code == 302
