"""Locks in the staff console: officers lock, forward, decide and lift; auditors only read;
deadlines and final locks are explained on the page."""

from __future__ import annotations

import re
from datetime import date

import pytest

from idp.accounts.locks import AccountLock
from idp.clock import now
from idp.extensions import db
from idp.workdays import add_working_days

from ..admin.test_console import create_staff
from ..admin.test_console import sign_in
from ..rp import csrf_of
from .helpers import outbox
from .helpers import status

COURT = "Hanoi People's Court <clerk@court.example>"


def _staff(app, role):
    login = f"{role}@idp.test"
    secret = create_staff(app, login=login, role=role)
    browser = app.test_client()
    assert sign_in(browser, login, secret).status_code == 303
    return browser


@pytest.fixture
def officer(app):
    return _staff(app, "officer")


def _page(browser, account):
    return browser.get(f"/admin/locks/account/{account.identification_number}")


def _post(browser, account, action, **form):
    page = _page(browser, account)
    return browser.post(action, data={"csrf_token": csrf_of(page.text), **form})


def _lock_ids(html):
    return [int(i) for i in re.findall(r'id="lock-(\d+)"', html)]


def test_an_officer_takes_an_authority_request_through_review(app, factories, officer):
    account = factories.account()
    path = f"/admin/locks/account/{account.identification_number}"
    created = _post(officer, account, path, reason="authority_request", source="authority",
                    requested_by=COURT, legal_basis="Decision 12/2026/QD-TA")
    assert created.status_code == 303 and status(app, account) == "active"
    today = now().date()
    queue = officer.get("/admin/locks")
    assert "Hanoi People&#39;s Court" in queue.text
    assert f"due {add_working_days(today, 1).isoformat()}" in queue.text
    lock_id = _lock_ids(_page(officer, account).text)[0]
    with app.app_context():  # a request nobody forwarded in time
        db.session.get(AccountLock, lock_id).forward_due = date(2026, 1, 2)
        db.session.commit()
    assert "overdue since 2026-01-02" in officer.get("/admin/locks").text
    assert _post(officer, account, f"/admin/locks/{lock_id}/forward").status_code == 303
    assert f"due {add_working_days(today, 2).isoformat()}" in _page(officer, account).text
    refused = _post(officer, account, f"/admin/locks/{lock_id}/decide", decision="refuse",
                    refusal_reason="")
    assert refused.status_code == 400 and "written reasons" in refused.text
    approved = _post(officer, account, f"/admin/locks/{lock_id}/decide", decision="approve")
    assert approved.status_code == 303 and status(app, account) == "locked"
    assert ("lock_request_approved", "email", "clerk@court.example") in outbox(app)
    lifted = _post(officer, account, f"/admin/locks/{lock_id}/lift",
                   reason="Unlock request 13/2026 approved")
    assert lifted.status_code == 303 and status(app, account) == "active"
    history = _page(officer, account).text
    assert "Unlock request 13/2026 approved" in history and "staff:officer@idp.test" in history


def test_an_immediate_reason_locks_at_once_and_a_final_one_is_explained(app, factories, officer):
    account = factories.account()
    path = f"/admin/locks/account/{account.identification_number}"
    _post(officer, account, path, reason="death", source="operator",
          requested_by="Civil status extract 55/2026")
    assert status(app, account) == "closed"
    page = _page(officer, account).text
    assert "These locks are final" in page and "Final: this lock cannot be lifted." in page
    assert f"/admin/locks/{_lock_ids(page)[0]}/lift" not in page
    again = _post(officer, account, f"/admin/locks/{_lock_ids(page)[0]}/lift", reason="oops")
    assert again.status_code == 400 and "final" in again.text
    assert status(app, account) == "closed"


def test_an_auditor_reads_but_cannot_lock(app, factories, officer):
    account = factories.account()
    auditor = _staff(app, "auditor")
    page = _page(auditor, account)
    assert page.status_code == 200 and "Lock this account" not in page.text
    path = f"/admin/locks/account/{account.identification_number}"
    response = auditor.post(path, data={"csrf_token": csrf_of(page.text), "reason": "terms_breach",
                                        "source": "operator", "requested_by": "me"})
    assert response.status_code == 403 and status(app, account) == "active"
    assert auditor.get("/admin/locks").status_code == 200


def test_the_console_links_to_locks_and_finds_an_account(factories, officer):
    account = factories.account()
    assert 'href="/admin/locks"' in officer.get("/admin/locks").text
    found = officer.get("/admin/locks", query_string={"number": account.identification_number})
    assert found.status_code == 303
    assert officer.get("/admin/locks/account/000000000000").status_code == 404
